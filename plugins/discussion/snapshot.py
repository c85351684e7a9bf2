"""A thread's snapshot, ready for the templates: cleaned, escaped and threaded.

The comments come from the cache that commons/comments/snapshot.py fills from
the comment server. They are as untrusted as the server: every comment's HTML
is cleaned here, with the posts' sanitiser (nh3, the same base policy as
plugins/guard/html.py) made stricter for strangers' text: no images or other
elements that would load a third party before the reader has agreed to,
no headings or landmarks, no classes and no ids (a comment's only id is its
anchor, `discussion-comment-<server id>`), and links marked
`rel="nofollow ugc"`. Authors are text; a website is kept only when it is an
http(s) address. Nothing about a comment is decided
in the templates.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import heapq
import operator
import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

from .snapshot_html import LINK_REL, EscapedText, comment_list_html, mentions_html

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
URL_SCHEMES = {"http", "https", "mailto"}
# Deeper replies are shown at this depth, in order (Remark42 nests without end).
MAX_DEPTH = 4
ANONYMOUS = "Anonymous"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")
_EMPTY = Markup("")
# An <a> without href, as the sanitiser writes it (attributes double-quoted): its rel.
_OTHER_ATTRIBUTES = r'((?:\s(?!href=)[\w:-]+="[^"]*")*)'
_REL_WITHOUT_HREF = re.compile(
    f'<a{_OTHER_ATTRIBUTES}\\srel="{re.escape(LINK_REL)}"{_OTHER_ATTRIBUTES}>'
)
# The order of a thread's published comments: time, then anchor.
_PAGE_ORDER = operator.attrgetter("created", "anchor")


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
    the date format. Each date, author, website and escaped text is worked out
    once per build (per render process): the same ones come back across a
    site's comments."""

    def __init__(self, date_format: str = "%Y-%m-%d"):
        self.cleaner = comment_cleaner()
        self.date_format = date_format
        self._dates: dict[str, tuple[datetime.datetime, str, str]] = {}
        self._authors: dict[str, str] = {}
        self._websites: dict[str, str | None] = {}
        # The comment lists' escaped text (snapshot_html), shared by every thread.
        self.escaped = EscapedText()

    def clean(self, text: str) -> Markup:
        """A comment's HTML, safe to place in the page."""
        cleaned = self.cleaner.clean(text or "")
        if "<a" in cleaned:
            # nh3 gives every <a> the link rel, also one left without an href
            # (`<a>`, or a `javascript:` link it emptied): invalid HTML.
            cleaned = _REL_WITHOUT_HREF.sub(r"<a\1\2>", cleaned)
        return Markup(cleaned)

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

    def iso(self, value) -> str:
        """ISO 8601 UTC of a timestamp from the cache."""
        return self.date(value)[1]

    def author(self, value) -> str:
        """A comment's author as text; a missing or blank name is "Anonymous"."""
        if not isinstance(value, str):
            return ANONYMOUS
        found = self._authors.get(value)
        if found is None:
            found = self._authors[value] = value.strip() or ANONYMOUS
        return found

    def website(self, value) -> str | None:
        """safe_website(value), worked out once per address (commenters come back)."""
        if not isinstance(value, str):
            return None
        if value not in self._websites:
            self._websites[value] = safe_website(value)
        return self._websites[value]


def safe_website(value) -> str | None:
    """The author's website when it is a plain http(s) address, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _CONTROL.search(url) or _SPACE.search(url):
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


class SnapshotComment(NamedTuple):
    """One comment as the page shows it. A tuple: a build makes one per comment.

    A webmention listed in the thread (a reply or a mention from another site)
    is one too, with `source` (the address of the page that replied, always
    an http(s) one), `source_host` and `kind`; its `website` is its author's.
    """

    anchor: str
    author: str
    website: str | None
    created: str  # ISO 8601, UTC
    created_text: str
    html: Markup
    deleted: bool
    replies: tuple[SnapshotComment, ...] = ()
    source: str | None = None
    source_host: str = ""
    kind: str = "comment"


class Snapshot:
    """A thread as last fetched: its published comments, threaded.

    What listings, feeds and the recent discussions need of every thread (the
    count, the fetch time, the feed, each published comment's time) is worked
    out when the snapshot is made, from the cache's fields alone. The cleaned,
    threaded comments are made the first time a page shows them: when the
    posts are rendered on several cores (plugins/parallel_render), that is in
    the process that renders the post, not in the build's serial part.
    """

    def __init__(self, data: dict, renderer: Renderer | None = None):
        self._renderer = renderer or Renderer()
        self._nodes, self._children = _thread_structure(data)
        _fetched, self.fetched, self.fetched_text = self._renderer.date(data.get("fetched"))
        self.feed = safe_website(data.get("feed"))
        # Every published (reachable, not deleted) comment: (ISO time, server id).
        self.published_times: tuple[tuple[str, str], ...] = tuple(
            (self._renderer.iso(self._nodes[identifier].get("created")), identifier)
            for identifier in _reachable(self._children)
            if not self._nodes[identifier].get("deleted")
        )
        # Webmentions (commons/webmention): replies and mentions are listed and
        # counted with the comments; likes and reposts are only counted.
        self.mentions, self.likes, self.reposts = _mentions(data, self._renderer)
        self.published_times += tuple(
            (mention.created, mention.anchor.removeprefix(ANCHOR_PREFIX))
            for mention in self.mentions
        )
        self.count = len(self.published_times)

    @property
    def count_label(self) -> str:
        """After the number in a count slot, as discussion/counts.js writes it."""
        return " comment" if self.count == 1 else " comments"

    @property
    def count_text(self) -> str:
        return f"{self.count}{self.count_label}"

    @functools.cached_property
    def _tree(self) -> tuple[tuple[SnapshotComment, ...], dict[str, SnapshotComment]]:
        return _threaded(self._nodes, self._children, self._renderer)

    @property
    def comments(self) -> tuple[SnapshotComment, ...]:
        """The threads' first comments, oldest first, each with its replies."""
        return self._tree[0]

    @property
    def html(self) -> Markup:
        """The threaded comments as the page shows them (snapshot_html.comment_list_html).

        Made each time it is asked for, not kept: a page asks once, and a
        build would otherwise hold every post's comments twice.
        """
        return comment_list_html(self.comments, self._renderer.escaped)

    @property
    def mentions_html(self) -> Markup:
        """The listed webmentions and the likes and reposts (snapshot_html.mentions_html)."""
        return mentions_html(self.mentions, self.likes, self.reposts, self._renderer.escaped)

    def published(self) -> list[SnapshotComment]:
        """Every comment that is not a deleted placeholder, oldest first (ties by anchor);
        the comment server's only (a webmention cannot be replied to there)."""
        return sorted(self._tree[1].values(), key=_PAGE_ORDER)

    def comment(self, identifier: str) -> SnapshotComment:
        """The published comment, or listed webmention, with this id."""
        found = self._tree[1].get(identifier)
        if found is None:
            anchor = ANCHOR_PREFIX + identifier
            found = next(mention for mention in self.mentions if mention.anchor == anchor)
        return found


MENTION_PREFIX = "webmention-"
LISTED_KINDS = {"reply": "replied on", "mention": "mentioned this on"}


def _mentions(data: dict, renderer: Renderer) -> tuple[tuple[SnapshotComment, ...], int, int]:
    """The thread's listed webmentions, oldest first, and its likes and reposts.

    The cache holds them as the comment server sent them: each value is
    checked here as a comment's is (the source and the author's site only
    when they are http(s) addresses, the author as text, the content cleaned).
    """
    listed: list[SnapshotComment] = []
    likes = reposts = 0
    seen: set[str] = set()
    for raw in data.get("mentions") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
            continue
        source = safe_website(raw.get("url")) or safe_website(raw.get("source"))
        kind = raw.get("kind")
        if source is None or raw["id"] in seen:
            continue
        seen.add(raw["id"])
        if kind == "like":
            likes += 1
            continue
        if kind == "repost":
            reposts += 1
            continue
        if kind not in LISTED_KINDS:
            continue
        published = raw.get("published")
        if not isinstance(published, (int, float)) or isinstance(published, bool):
            continue
        moment = datetime.datetime.fromtimestamp(float(published), datetime.UTC)
        _moment_value, created, created_text = renderer.date(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
        listed.append(
            SnapshotComment(
                comment_anchor(f"{MENTION_PREFIX}{raw['id']}"),
                renderer.author(raw.get("author")),
                renderer.website(raw.get("author_url")),
                created,
                created_text,
                renderer.clean(str(raw.get("content") or "")),
                False,
                (),
                source,
                (urlsplit(source).hostname or "").lower(),
                kind,
            )
        )
    listed.sort(key=_PAGE_ORDER)
    return tuple(listed), likes, reposts


def _thread_structure(data: dict) -> tuple[dict[str, dict], dict[str | None, list[str]]]:
    """The cached comments by server id, and each id's replies (None: the first comments).

    A comment without an id, a second comment with an id already seen (it would
    give two elements one anchor), and a reply to itself or to a comment the
    cache does not hold (shown as a first comment) are handled here, once.
    """
    nodes: dict[str, dict] = {}
    for raw in data.get("comments") or []:
        if not isinstance(raw, dict) or raw.get("id") is None:
            continue
        nodes.setdefault(str(raw["id"]), raw)
    children: dict[str | None, list[str]] = {}
    for identifier, raw in nodes.items():
        parent = raw.get("parent")
        parent = str(parent) if parent is not None else None
        if parent not in nodes or parent == identifier:
            parent = None
        children.setdefault(parent, []).append(identifier)
    return nodes, children


def _reachable(children: dict[str | None, list[str]]) -> list[str]:
    """The ids reachable from the first comments: those the page shows (a reply
    cycle the server should never send is not reachable, and not shown)."""
    found: list[str] = []
    seen: set[str] = set()
    stack = list(children.get(None, []))
    while stack:
        identifier = stack.pop()
        if identifier in seen:
            continue
        seen.add(identifier)
        found.append(identifier)
        stack.extend(children.get(identifier, []))
    return found


def build_snapshot(data: dict, renderer: Renderer | None = None) -> Snapshot:
    """A Snapshot from a cached thread (commons.comments.snapshot.read_thread)."""
    return Snapshot(data, renderer)


def _threaded(
    nodes: dict[str, dict], children: dict[str | None, list[str]], renderer: Renderer
) -> tuple[tuple[SnapshotComment, ...], dict[str, SnapshotComment]]:
    """The cleaned comments as a tree, replies under their comment, each level
    oldest first; and the published ones (not deleted placeholders) by server id."""
    # Each comment's dates, and its sort key (time, then id), made once.
    dates = {identifier: renderer.date(raw.get("created")) for identifier, raw in nodes.items()}
    order = {identifier: (found[0], identifier) for identifier, found in dates.items()}
    replies = {parent: sorted(kids, key=order.__getitem__) for parent, kids in children.items()}
    seen: set[str] = set()
    published: dict[str, SnapshotComment] = {}

    def descendants(identifier) -> list[str]:
        # A stack, not recursion: a reply chain may be any depth.
        found = []
        pending = list(reversed(replies.get(identifier, ())))
        while pending:
            child = pending.pop()
            if child not in seen:
                seen.add(child)
                found.append(child)
                pending.extend(reversed(replies.get(child, ())))
        return found

    def make(identifier, depth) -> SnapshotComment | None:
        if depth >= MAX_DEPTH:
            deeper = sorted(descendants(identifier), key=order.__getitem__)
            kids = [make(child, MAX_DEPTH + 1) for child in deeper]
        else:
            kids = []
            for child in replies.get(identifier, ()):
                if child not in seen:
                    seen.add(child)
                    kids.append(make(child, depth + 1))
        kept = tuple(kid for kid in kids if kid is not None) if kids else ()
        raw = nodes[identifier]
        deleted = bool(raw.get("deleted"))
        if deleted and not kept:
            return None
        _moment, created, created_text = dates[identifier]
        comment = SnapshotComment(
            comment_anchor(identifier),
            renderer.author(raw.get("author")),
            None if deleted else renderer.website(raw.get("website")),
            created,
            created_text,
            _EMPTY if deleted else renderer.clean(str(raw.get("text") or "")),
            deleted,
            kept,
        )
        if not deleted:
            published[identifier] = comment
        return comment

    roots = []
    for identifier in replies.get(None, ()):
        seen.add(identifier)
        node = make(identifier, 1)
        if node is not None:
            roots.append(node)
    return tuple(roots), published


@dataclass(frozen=True)
class RecentComment:
    """One comment on the recent discussions page, with the post it is on."""

    comment: SnapshotComment
    post_title: str
    post_url: str  # site-relative


def recent_comments(posts, limit: int) -> list[RecentComment]:
    """The latest `limit` comments across `posts` (those with a snapshot), newest first.

    Newest by time, then by the post's address and the comment's anchor. Only
    the threads that hold one of the latest comments are threaded and cleaned.
    The order between posts uses the thread's address (the post's address
    under the site's), which is already known: Pelican computes a post's own
    `url` on every read, so only the posts listed ask for it.
    """
    if limit <= 0:
        return []
    threads = []
    for post in posts:
        thread = getattr(post, "discussion", None)
        snapshot = getattr(thread, "snapshot", None)
        if snapshot is not None and snapshot.count:
            threads.append((thread.url, post, snapshot))
    times = heapq.nlargest(
        limit,
        (created for _u, _p, snapshot in threads for created, _id in snapshot.published_times),
    )
    if not times:
        return []
    # Every comment at least as new as the limit-th newest: ties at that
    # moment are then ordered by post address and anchor, as the page shows them.
    oldest_shown = times[-1]
    candidates = [
        (created, thread_url, comment_anchor(identifier), identifier, post, snapshot)
        for thread_url, post, snapshot in threads
        for created, identifier in snapshot.published_times
        if created >= oldest_shown
    ]
    candidates.sort(key=lambda candidate: candidate[:3], reverse=True)
    return [
        RecentComment(snapshot.comment(identifier), post.title, post.url)
        for _created, _url, _anchor, identifier, post, snapshot in candidates[:limit]
    ]
