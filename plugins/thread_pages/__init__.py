"""A build that writes only the pages that show some comment threads.

The comment publisher (commons/comments/publisher.py) asks for it when a
comment is approved: the post's own page, the listings and feeds that list the
post (their counts), and the pages that show the site's discussion as a whole
(the recent discussions page, the home page's link to it). Every other page is
byte-identical to the last build of the same posts, so it is not rendered
at all: the build starts from a copy of that site (`build_site(...,
over_last=True)`, commons/build.py) and writes the chosen pages over it. The
search index and the copied static files are the last build's.
"""

from .thread_pages import SCHEMA, register

__all__ = ["SCHEMA", "register"]
