"""Site search with Pagefind: a static index built with the site, no server.

After Pelican has written the site (inside the staging folder of an atomic
build), this plugin hands Pagefind the posts and pages it wrote and writes the
search bundle beside them. The search page (`theme/templates/search.html`)
loads Pagefind's own script from that bundle only when a reader searches.
"""

from .plugin import register

__all__ = ["register"]
