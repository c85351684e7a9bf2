"""The site's addresses: where the site lives, and a page's address under it.

Every plugin that writes an address (feeds, sitemap, canonical links, JSON-LD,
share links, comment threads) goes through these three functions.
"""

from __future__ import annotations

from urllib.parse import urlsplit

INDEX_PAGE = "index.html"


def site_base(settings: dict) -> str:
    """The site's absolute address without a trailing slash, or "" when it has none.

    SITEURL in production; in a local build (SITEURL "", relative URLs) the
    FEED_DOMAIN, the address the local server answers on, so that local feeds,
    sitemaps and canonical links are absolute too.
    """
    for name in ("SITEURL", "FEED_DOMAIN"):
        value = settings.get(name) or ""
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value.rstrip("/")
    return ""


def page_url(path: str) -> str:
    """The site-relative URL of a page: an output file 'a/b/index.html' is served as 'a/b/'."""
    path = str(path or "")
    if path == INDEX_PAGE or path.endswith("/" + INDEX_PAGE):
        return path[: -len(INDEX_PAGE)]
    return path


def absolute_url(base: str, url: str) -> str:
    """`url` (a site-relative URL or output file) under `base`; an absolute `url` is kept.

    `base` is `site_base(settings)` for an absolute address. With SITEURL as
    the base, a local build gets a link relative to the page ('../x/') or to
    the site's root ('/x/'), which works wherever the site is served.
    """
    url = str(url or "")
    if urlsplit(url).scheme:
        return url
    return f"{(base or '').rstrip('/')}/{page_url(url.lstrip('/'))}"
