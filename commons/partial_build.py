"""Whether a build writes only some pages over a copy of the last one.

A build asked for some comment threads (THREAD_PAGES, plugins/thread_pages)
starts from a copy of the last build and writes only the pages that show
those threads. What is made from every page a build writes (the search
index, the sitemap) is then left as the last build made it: made from this
build's few pages, it would list only them.
"""

from __future__ import annotations

THREAD_PAGES = "THREAD_PAGES"


def writes_some_pages(settings: dict) -> bool:
    """True for such a build. Read from the raw setting: plugins that ask may
    start before plugins/thread_pages has validated it."""
    options = settings.get(THREAD_PAGES)
    return isinstance(options, dict) and bool(options.get("threads"))
