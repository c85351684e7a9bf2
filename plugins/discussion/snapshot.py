"""A thread's snapshot, ready for the templates: cleaned, escaped and threaded.

The comments come from the cache that commons/comments/snapshot.py fills from
the comment server. They are as untrusted as the server: every comment's HTML
is cleaned here, with the posts' sanitiser (nh3, the same base policy as
plugins/body_html) made stricter for strangers' text: no images or other
elements that would load a third party before the reader has agreed to,
no headings or landmarks, no classes and no ids (a comment's only id is its
anchor, `discussion-comment-<server id>`), and links marked
`rel="nofollow ugc"`. Authors are text; a website is kept only when it is an
http(s) address. Nothing about a comment is decided
in the templates.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

ANCHOR_PREFIX = "discussion-comment-"
# Elements a comment may not use even though a post may: images and image
# maps (they load before consent), headings and landmarks (they would break
# the page's outline and landmarks).
COMMENT_FORBIDDEN_TAGS = {
    "img",
    "map",
    "area",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hgroup",
    "header",
    "footer",
    "nav",
    "article",
    "aside",
}
COMMENT_TAGS = set(nh3.ALLOWED_TAGS) - COMMENT_FORBIDDEN_TAGS
# No id or class from a comment reaches the page: a comment's only id is its
# anchor, the server's id under the snapshot's prefix (discussion-comment-).
COMMENT_ATTRIBUTES = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items() if tag in COMMENT_TAGS},
    "*": {"lang", "dir", "title"},
}
LINK_REL = "nofollow ugc noopener noreferrer"
URL_SCHEMES = {"http", "https", "mailto"}
# Deeper replies are shown at this depth, in order (Remark42 nests without end).
MAX_DEPTH = 4
ANONYMOUS = "Anonymous"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def comment_cleaner() -> nh3.Cleaner:
    """The sanitiser for comments; build one per build and reuse it (10x faster than nh3.clean)."""
    return nh3.Cleaner(
        tags=COMMENT_TAGS,
        clean_content_tags={"script", "style"},
        attributes=COMMENT_ATTRIBUTES,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
    )


class Renderer:
    """What turning one build's snapshots into page data needs: the sanitiser and
    the date format, with each date formatted once."""

    def __init__(self, date_format: str = "%Y-%m-%d"):
        self.cleaner = comment_cleaner()
        self.date_format = date_format
        self._dates: dict[str, tuple[datetime.datetime, str, str]] = {}

    def clean(self, text: str) -> Markup:
        """A comment's HTML, safe to place in the page."""
        return Markup(self.cleaner.clean(text or ""))

    def date(self, value) -> tuple[datetime.datetime, str, str]:
        """(moment, ISO 8601 UTC, display text) of a timestamp from the cache."""
        key = str(value)
        found = self._dates.get(key)
        if found is None:
            moment = _moment(key)
            iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            found = (moment, iso, moment.strftime(self.date_format))
            self._dates[key] = found
        return found


def safe_website(value) -> str | None:
    """The author's website when it is a plain http(s) address, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def comment_anchor(identifier) -> str:
    """The element id of a comment: the server's id under the snapshot's prefix."""
    text = str(identifier)
    if not _SAFE_ID.fullmatch(text):
        text = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return ANCHOR_PREFIX + text


def _moment(value) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


@dataclass(frozen=True)
class SnapshotComment:
    anchor: str
    author: str
    website: str | None
    created: str  # ISO 8601, UTC
    created_text: str
    html: Markup
    deleted: bool
    replies: tuple[SnapshotComment, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """A thread as last fetched: its published comments, threaded."""

    count: int
    fetched: str
    fetched_text: str
    comments: tuple[SnapshotComment, ...]
    feed: str | None = None
    # Every comment that is not a deleted placeholder, oldest first.
    flat: tuple[SnapshotComment, ...] = ()

    @property
    def count_label(self) -> str:
        """After the number in a count slot, as discussion/counts.js writes it."""
        return " comment" if self.count == 1 else " comments"

    @property
    def count_text(self) -> str:
        return f"{self.count}{self.count_label}"

    def published(self) -> list[SnapshotComment]:
        """Every comment that is not a deleted placeholder, oldest first."""
        return list(self.flat)


def _published(roots) -> tuple[SnapshotComment, ...]:
    found: list[SnapshotComment] = []

    def walk(nodes):
        for node in nodes:
            if not node.deleted:
                found.append(node)
            walk(node.replies)

    walk(roots)
    return tuple(sorted(found, key=lambda c: (c.created, c.anchor)))


def build_snapshot(data: dict, renderer: Renderer | None = None) -> Snapshot:
    """A Snapshot from a cached thread (commons.comments.snapshot.read_thread)."""
    renderer = renderer or Renderer()
    nodes: dict[str, dict] = {}
    order: list[str] = []
    for raw in data.get("comments") or []:
        if not isinstance(raw, dict) or raw.get("id") is None:
            continue
        identifier = str(raw["id"])
        if identifier in nodes:
            continue  # a duplicate id would give two elements one anchor
        nodes[identifier] = raw
        order.append(identifier)
    children: dict[str | None, list[str]] = {}
    for identifier in order:
        parent = nodes[identifier].get("parent")
        parent = str(parent) if parent is not None else None
        if parent not in nodes or parent == identifier:
            parent = None
        children.setdefault(parent, []).append(identifier)

    def created(identifier):
        return (renderer.date(nodes[identifier].get("created"))[0], identifier)

    seen: set[str] = set()

    def descendants(identifier) -> list[str]:
        found = []
        for child in sorted(children.get(identifier, []), key=created):
            if child in seen:
                continue
            seen.add(child)
            found.append(child)
            found.extend(descendants(child))
        return found

    def make(identifier, depth) -> SnapshotComment | None:
        if depth >= MAX_DEPTH:
            kids = [make(k, MAX_DEPTH + 1) for k in sorted(descendants(identifier), key=created)]
        else:
            kids = []
            for child in sorted(children.get(identifier, []), key=created):
                if child not in seen:
                    seen.add(child)
                    kids.append(make(child, depth + 1))
        kids = tuple(kid for kid in kids if kid is not None)
        raw = nodes[identifier]
        deleted = bool(raw.get("deleted"))
        if deleted and not kids:
            return None
        anchor = comment_anchor(identifier)
        _, created_iso, created_text = renderer.date(raw.get("created"))
        author = raw.get("author")
        author = str(author).strip() if isinstance(author, str) and author.strip() else ANONYMOUS
        return SnapshotComment(
            anchor=anchor,
            author=author,
            website=None if deleted else safe_website(raw.get("website")),
            created=created_iso,
            created_text=created_text,
            html=Markup("") if deleted else renderer.clean(str(raw.get("text") or "")),
            deleted=deleted,
            replies=kids,
        )

    roots = []
    for identifier in sorted(children.get(None, []), key=created):
        seen.add(identifier)
        node = make(identifier, 1)
        if node is not None:
            roots.append(node)
    _fetched, fetched_iso, fetched_text = renderer.date(data.get("fetched"))
    flat = _published(roots)
    return Snapshot(
        count=len(flat),
        fetched=fetched_iso,
        fetched_text=fetched_text,
        comments=tuple(roots),
        feed=safe_website(data.get("feed")),
        flat=flat,
    )


@dataclass(frozen=True)
class RecentComment:
    """One comment on the recent discussions page, with the post it is on."""

    comment: SnapshotComment
    post_title: str
    post_url: str  # site-relative


def recent_comments(posts, limit: int) -> list[RecentComment]:
    """The latest `limit` comments across `posts` (those with a snapshot), newest first."""
    found = []
    for post in posts:
        thread = getattr(post, "discussion", None)
        snapshot = getattr(thread, "snapshot", None)
        if snapshot is None or not snapshot.count:
            continue
        # A post's url is computed by Pelican on every read: once per post.
        title, url = post.title, post.url
        found.extend(RecentComment(comment, title, url) for comment in snapshot.published())
    found.sort(key=lambda r: (r.comment.created, r.post_url, r.comment.anchor), reverse=True)
    return found[:limit]
