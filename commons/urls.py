"""The site's addresses: where the site lives, and a page's address under it.

Every plugin that writes an address (feeds, sitemap, canonical links, JSON-LD,
share links, comment threads) goes through these functions, and every tool
that compares origins (the comment server's guard, the snapshot, the
importers) through `origin_of` and `normalise_origin`.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

INDEX_PAGE = "index.html"
# Names reserved for examples and tests (RFC 2606, RFC 6761): a site, a comment
# server or a feed id still on one was never configured.
EXAMPLE_HOST = re.compile(r"(^|\.)(example\.(org|com|net)|example|invalid|test)$", re.I)
# Names that only ever mean the machine itself (RFC 6761).
LOCAL_HOST = re.compile(r"(^|\.)localhost$", re.I)
# The schemes a link or a picture brought in from elsewhere (an import) may use:
# none of them runs anything in the page's origin.
SAFE_SCHEMES = frozenset({"", "http", "https", "mailto", "tel", "ftp"})
# Pictures written into the page itself; a raster image runs nothing.
SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp|avif)[;,]", re.IGNORECASE)
# What a browser ignores before it reads a URL's scheme (WHATWG URL standard):
# C0 controls and spaces at either end, tabs and line breaks anywhere.
URL_EDGES = "".join(chr(code) for code in range(0x21))
TAB_OR_NEWLINE = re.compile("[\t\n\r]")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# The schemes an origin may have, and the port each one means without a port.
DEFAULT_PORTS = {"http": 80, "https": 443}
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
# What comes before a URL's path: its scheme and, after "//", its authority.
SCHEME_AND_AUTHORITY = re.compile(r"[^/?#]*(?://[^/?#]*)?")


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


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL, as written (no case or port folded)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case without the scheme's default port, or None.

    Accepts an origin or any absolute http(s) URL (a Referer, a config value
    with a path or trailing slash). A value whose scheme and authority (all
    before the path) hold anything but visible ASCII is none: Python's URL
    parser drops tabs and line breaks there that a proxy comparing the text
    (guard.nginx_rules) would keep. Only the blanks HTTP strips around a
    header's value are stripped, for the same reason.
    """
    value = value.strip(" \t\r\n")
    if not VISIBLE_ASCII.fullmatch(value[: SCHEME_AND_AUTHORITY.match(value).end()]):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


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


def browser_scheme(url: str) -> str:
    """The scheme a browser reads in `url`, lower-case; "" for a relative URL."""
    match = SCHEME.match(TAB_OR_NEWLINE.sub("", url.strip(URL_EDGES)))
    return match[1].lower() if match else ""


def is_safe_url(url: str, *, image: bool = False) -> bool:
    """Whether `url` runs nothing when followed or loaded: no `javascript:`,
    `vbscript:`, `data:text/html` or other scheme outside SAFE_SCHEMES, however
    it is spelt (mixed case, control characters, character references, which
    the HTML or Markdown written from it may decode once more). `image`: a
    picture's src, which may also be a raster `data:image/…`."""
    for spelling in {url, html.unescape(url)}:
        scheme = browser_scheme(spelling)
        if scheme in SAFE_SCHEMES:
            continue
        cleaned = TAB_OR_NEWLINE.sub("", spelling.strip(URL_EDGES))
        if image and scheme == "data" and SAFE_DATA_IMAGE.match(cleaned):
            continue
        return False
    return True
