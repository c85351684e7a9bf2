"""Verifying a webmention: does the source link to the target, and what does it say?

W3C Webmention 3.2.2: the receiver fetches the source and checks that it
links to the target (an `href` or `src` that is the target's address, after
the page's own base and redirects). Then the source's microformats2
(mf2py) give the author, the content, and the kind: a reply (`in-reply-to`
the target), a like (`like-of`), a repost (`repost-of`), else a mention.

The source is a stranger's page, as untrusted as a comment:

- the author is text: control and bidirectional-override characters are
  dropped, its length is limited, and a missing one is the source's host;
- the author's address is kept only on the source's own host (a page on
  one site cannot claim to be written by the owner of another: a forged
  author would otherwise link to whoever it names); the page shows the
  source's host beside every mention anyway;
- the content is HTML cleaned with the comment snapshot's sanitiser here and
  again where it is shown, held to the comments' size limit (longer: its
  text, cut) and link limit (more: refused, as a comment would be);
- the published time is never later than now (a mention dated in the future
  would stay on top of the recent discussions).
"""

from __future__ import annotations

import datetime
import html
import re
import time
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

from commons.comments.limits import LINK, Limits
from commons.unicode_controls import BIDI_CONTROLS

from .fetch import Page
from .store import Mention

MAX_AUTHOR = 100
MAX_URL = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACES = re.compile(r"\s+")
# Dropped from an author's name: controls, and the bidirectional ones that would
# turn the text after the name around.
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029]")
# Relays that show a response made on another network as a page of their own
# (Bridgy Fed for the Fediverse and Bluesky, Bridgy for accounts there;
# docs/bridgy.md). Their page's u-url is the original post, and its author's
# h-card links their profile, both on that network's hosts: from these hosts
# (and names under them) both are kept, as Bridgy asks of receivers.
BRIDGE_HOSTS = ("brid.gy",)
KIND_PROPERTIES = (("in-reply-to", "reply"), ("like-of", "like"), ("repost-of", "repost"))


class NotVerified(Exception):
    """The source does not mention the target: the sentence says why."""


def normal_url(url: str) -> str:
    """An address in one spelling, to compare: lower-case scheme and host, no default
    port, no fragment, "/" for an empty path."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def links_to(page: Page, target: str) -> bool:
    """Whether the HTML page has an `href` or `src` that is `target`."""
    if not page.is_html or not page.body.strip():
        return False
    document = lxml.html.document_fromstring(page.body)
    base = page.url
    for element in document.iter("base"):
        if element.get("href"):
            base = urljoin(page.url, element.get("href").strip())
            break
    wanted = normal_url(target)
    for element in document.iter():
        for name in ("href", "src"):
            value = element.get(name) if isinstance(element.tag, str) else None
            if value and normal_url(urljoin(base, value.strip())) == wanted:
                return True
    return False


def thread_of(page: Page) -> str | None:
    """The thread id a page of this site shows (its discussion section's), or None:
    the target is then not a post that takes part in a discussion."""
    if page.status != 200 or not page.is_html or not page.body.strip():
        return None
    document = lxml.html.document_fromstring(page.body)
    for section in document.xpath("//section[@data-discussion-id]"):
        thread = section.get("data-discussion-id")
        if thread and section.get("data-discussion-state", "open") == "open":
            return thread
    return None


def read_mention(
    page: Page,
    source: str,
    target: str,
    thread: str,
    limits: Limits,
    cleaner,
    now=None,
    bridges: tuple[str, ...] = BRIDGE_HOSTS,
) -> Mention:
    """The mention the source page makes of the target; NotVerified when there is none."""
    if page.status in (404, 410):
        raise NotVerified(f"{source} is gone (HTTP {page.status})")
    if page.status != 200:
        raise NotVerified(f"{source} answered HTTP {page.status}")
    if not links_to(page, target):
        raise NotVerified(f"{source} does not link to {target}")
    import mf2py

    parsed = mf2py.parse(doc=page.body, url=page.url, html_parser="lxml")
    entry = _entry(parsed.get("items") or [], target)
    properties = entry.get("properties", {}) if entry else {}
    kind = "mention"
    for name, meaning in KIND_PROPERTIES:
        if any(_same(_url_of(value), target) for value in properties.get(name, [])):
            kind = meaning
            break
    source_host = (urlsplit(source).hostname or "").lower()
    # Where the page's addresses may point: its own host, or anywhere for a bridge.
    links_host = None if _under(source_host, bridges) else source_host
    author, author_url = _author(properties, parsed, source_host, links_host)
    url = _first_url(properties.get("url", []), links_host) or source
    content = ""
    if kind in ("reply", "mention"):
        content = _content(properties, cleaner, limits, source)
    now = time.time() if now is None else now
    published = min(_time(properties.get("published", [])) or now, now)
    return Mention(source, target, thread, kind, author, author_url, url, content, published)


def _entry(items: list, target: str) -> dict | None:
    """The h-entry that mentions the target: the first that names it in a property
    or in its content, else the page's first h-entry."""
    entries = []
    pending = list(items)
    while pending:
        item = pending.pop(0)
        if not isinstance(item, dict):
            continue
        if "h-entry" in item.get("type", []):
            entries.append(item)
        pending.extend(item.get("children", []))
    for entry in entries:
        properties = entry.get("properties", {})
        for values in properties.values():
            for value in values:
                if _same(_url_of(value), target):
                    return entry
                if isinstance(value, dict) and target in str(value.get("html", "")):
                    return entry
    return entries[0] if entries else None


def _url_of(value) -> str:
    if isinstance(value, dict):
        urls = value.get("properties", {}).get("url") or []
        if urls and isinstance(urls[0], str):
            return urls[0]
        return str(value.get("value") or "")
    return str(value)


def _same(url: str, target: str) -> bool:
    return bool(url) and normal_url(url) == normal_url(target)


def _plain(value) -> str:
    if isinstance(value, dict):
        value = value.get("value") or ""
    text = _CONTROLS.sub("", _SPACES.sub(" ", str(value))).strip()
    return text[:MAX_AUTHOR]


def _safe_url(value: str, host: str | None) -> str | None:
    """`value` when it is an http(s) address on `host` (or a name under it; None:
    on any host), else None."""
    value = str(value).strip()
    if not value or len(value) > MAX_URL or re.search(r"[\s\x00-\x1f\x7f]", value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    found = (parts.hostname or "").lower()
    if parts.scheme.lower() not in DEFAULT_PORTS or not found:
        return None
    if host is None:  # a bridge's page: the original's host, whichever it is
        return value
    # The source's host or a name under it; "www." makes no difference. Not a
    # name above it: a page on someone.shared-host.example is not shared-host.example's.
    found, host = found.removeprefix("www."), host.removeprefix("www.")
    if found != host and not found.endswith("." + host):
        return None
    return value


def _first_url(values: list, host: str | None) -> str | None:
    for value in values:
        url = _safe_url(_url_of(value), host)
        if url:
            return url
    return None


def _under(host: str, names: tuple[str, ...]) -> bool:
    return any(host == name or host.endswith("." + name) for name in names)


def _author(
    properties: dict, parsed: dict, host: str, links_host: str | None
) -> tuple[str, str | None]:
    """(name, address) of the entry's author; the address only on `links_host`
    (None: any host), the name the source's host when the page gives none."""
    candidates = list(properties.get("author", []))
    if not candidates:
        candidates = [item for item in parsed.get("items", []) if "h-card" in item.get("type", [])][
            :1
        ]
    for candidate in candidates:
        if isinstance(candidate, dict) and "properties" in candidate:
            card = candidate["properties"]
            name = _plain((card.get("name") or [""])[0])
            url = _first_url(card.get("url", []), links_host)
        else:
            text = str(candidate.get("value") if isinstance(candidate, dict) else candidate)
            url = _safe_url(text, links_host)
            name = "" if text.startswith(("http://", "https://")) else _plain(text)
        if name or url:
            # No name: the host of the author's own address, else the source's.
            return name or (urlsplit(url).hostname if url else None) or host, url
    return host, None


def _content(properties: dict, cleaner, limits: Limits, source: str) -> str:
    values = properties.get("content") or properties.get("summary") or properties.get("name")
    if not values:
        return ""
    value = values[0]
    if isinstance(value, dict) and value.get("html"):
        cleaned = cleaner.clean(str(value["html"]))
    else:
        cleaned = html.escape(str(value.get("value") if isinstance(value, dict) else value))
    text = lxml.html.fragment_fromstring(cleaned or " ", create_parent="div").text_content()
    links = len(LINK.findall(cleaned))
    if links > limits.max_links:
        raise NotVerified(
            f"{source} has {links} links in its content; accepted: {limits.max_links} or "
            "fewer (COMMENTS_SERVER max_links, as for comments)"
        )
    if len(text) > limits.max_chars:
        return html.escape(text[: limits.max_chars].rstrip() + "…")
    return cleaned


def _time(values: list) -> float | None:
    for value in values:
        text = str(value.get("value") if isinstance(value, dict) else value).strip()
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.timestamp()
    return None
