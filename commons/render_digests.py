"""Digests of what a page is rendered from, for the render record.

A page's digest covers its own variables (its post, the posts it lists, its
page of a listing) in full, and the rest of the site through one digest of
the build's context in which every post counts by what other pages show of
it (its address, title, dates, labels, summary), not by its body. Values
whose text could differ between two builds of the same site (object
addresses, functions) are left out or reduced to their type, so the same
site gives the same digests from one build to the next.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Mapping

from pelican.contents import Content
from pelican.paginator import Page as ListingPage
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper

from commons.pelican_patches import SITE_CONTEXT_ATTRIBUTE, raw_body

# A post's attributes that are not what it shows: the build's whole context
# and settings (digested once for the site), and values Pelican derives from
# those already in the digest.
SKIPPED_ATTRIBUTES = frozenset({SITE_CONTEXT_ATTRIBUTE, "settings", "_summary_cache"})
# What a post shows on pages other than its own.
LISTED_FIELDS = (
    "source_path",
    "url",
    "save_as",
    "title",
    "date",
    "modified",
    "status",
    "lang",
    "slug",
    "category",
    "tags",
    "authors",
    "summary",
    "metadata",
)
FILE_FIELDS = ("source_path", "url", "save_as", "status")
MAX_DEPTH = 6
MEMO_LENGTH = 16
# Context keys left out of the site's digest: where this build writes (a new
# staging folder each time), and the static files in the order they were
# found, which varies from build to build (`static_content` holds the same
# files by path, and is digested).
SKIPPED_CONTEXT = frozenset({"OUTPUT_PATH", "staticfiles"})
# Keys of a dict setting that name where this build writes, not what it shows:
# the guard's problem file is in each build's own work folder; compiled templates
# are wherever the run keeps them (the test suite shares one folder).
SKIPPED_SETTING_KEYS = {
    "GUARD": frozenset({"problems_file"}),
    "TEMPLATE_CACHE": frozenset({"path"}),
}


class Digest:
    """A sha256 fed with tagged, unambiguous pieces of values. `posts` holds the
    digests of the posts already digested in this build, by mode and identity."""

    def __init__(self, posts: dict | None = None):
        # The pieces are joined and hashed once: a page has thousands of them,
        # and one sha256 update per piece cost more than the hashing itself.
        self.pieces: list[str] = []
        self.posts = posts if posts is not None else {}

    def piece(self, tag: str, text: str = "") -> None:
        # The length (in characters) before the text: no two sequences of
        # pieces make the same string.
        self.pieces.append(f"{tag}{len(text)}:{text}")

    def hexdigest(self) -> str:
        data = "".join(self.pieces).encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()


def feed(digest: Digest, value, posts: str, depth: int = 0) -> None:
    """Add `value` to `digest`. `posts`: "full" digests a post's every attribute
    (a page's own posts), "listed" only what other pages show of it."""
    if depth > MAX_DEPTH:
        digest.piece("deep", type(value).__name__)
        return
    # The commonest types first, by exact type: each of them would otherwise
    # be tested against every class below (Mapping's test is slow).
    kind = type(value)
    if kind is str:
        digest.piece("s", value)
    elif kind is dict:
        _mapping(digest, value, posts, depth)
    elif kind is list or kind is tuple:
        _sequence(digest, value, posts, depth)
    elif value is None or isinstance(value, (bool, int, float)):
        digest.piece("v", repr(value))
    elif isinstance(value, str):
        digest.piece("s", value)
    elif isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        digest.piece("t", value.isoformat() + repr(getattr(value, "tzinfo", None)))
    elif isinstance(value, Content):
        _content(digest, value, posts, depth)
    elif isinstance(value, URLWrapper):
        digest.piece(type(value).__name__, f"{value.name}\x00{value.slug}\x00{value.url}")
    elif isinstance(value, ListingPage):
        digest.piece("page", str(value.number))
        feed(digest, list(value.object_list), posts, depth + 1)
    elif isinstance(value, Paginator):
        digest.piece("paginator", f"{value.num_pages}\x00{value.per_page}\x00{value.count}")
    elif isinstance(value, Mapping):
        _mapping(digest, value, posts, depth)
    elif isinstance(value, (list, tuple)):
        _sequence(digest, value, posts, depth)
    elif isinstance(value, (set, frozenset)):
        digest.piece("set", str(len(value)))
        for item in sorted(value, key=repr):
            feed(digest, item, posts, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.piece("dc", type(value).__qualname__)
        for field in dataclasses.fields(value):
            digest.piece("f", field.name)
            feed(digest, getattr(value, field.name), posts, depth + 1)
    elif callable(value):
        digest.piece("callable", getattr(value, "__qualname__", type(value).__qualname__))
    elif hasattr(value, "__dict__"):
        digest.piece("obj", type(value).__qualname__)
        feed(digest, {k: v for k, v in vars(value).items() if not callable(v)}, posts, depth + 1)
    else:
        digest.piece("repr", type(value).__qualname__)


def _mapping(digest: Digest, value: Mapping, posts: str, depth: int) -> None:
    digest.piece("map", str(len(value)))
    for key in sorted(value, key=repr):
        feed(digest, key, posts, depth + 1)
        feed(digest, value[key], posts, depth + 1)


def _sequence(digest: Digest, value, posts: str, depth: int) -> None:
    if len(value) > MEMO_LENGTH:
        # A listing's whole list comes with each of its pages: digested once.
        _memoized(digest, (posts, "list", id(value)), value, "list", _items, posts, depth)
    else:
        _items(digest, value, posts, depth)


def _items(digest: Digest, value, posts: str, depth: int) -> None:
    digest.piece("list", str(len(value)))
    for item in value:
        feed(digest, item, posts, depth + 1)


def _content(digest: Digest, content: Content, posts: str, depth: int) -> None:
    key = (posts == "full", id(content))
    _memoized(digest, key, content, "content", _content_pieces, posts, depth)


def _memoized(digest: Digest, key, value, kind: str, pieces, posts: str, depth: int) -> None:
    """`value`'s digest as one piece, computed once per build for the same object
    (kept with the object, so that a reused id is never taken for it)."""
    known = digest.posts.get(key)
    if known is None or known[0] is not value:
        own = Digest(digest.posts)
        pieces(own, value, posts, depth)
        known = (value, own.hexdigest())
        digest.posts[key] = known
    digest.piece(kind, known[1])


def _content_pieces(digest: Digest, content: Content, posts: str, depth: int) -> None:
    digest.piece("content", type(content).__name__)
    if posts == "full":
        for name, value in sorted(vars(content).items()):
            if name in SKIPPED_ATTRIBUTES or callable(value):
                continue
            digest.piece("a", name)
            # A post another post points at (translations, neighbours,
            # related posts) counts by what it shows there.
            feed(digest, value, "listed", depth + 1)
        return
    # A file of the site (an image, an upload) has no text to summarise.
    fields = LISTED_FIELDS if raw_body(content) is not None else FILE_FIELDS
    for name in fields:
        digest.piece("a", name)
        feed(digest, getattr(content, name, None), "ref", depth + 1)
    discussion = getattr(content, "discussion", None)
    feed(digest, discussion, "ref", depth + 1)


def site_digest(context: Mapping, posts: dict) -> str:
    """The build's context, each post counted by what it shows on other pages."""
    digest = Digest(posts)
    shown = {k: v for k, v in context.items() if k not in SKIPPED_CONTEXT}
    for key, skipped in SKIPPED_SETTING_KEYS.items():
        if isinstance(shown.get(key), Mapping):
            shown[key] = {k: v for k, v in shown[key].items() if k not in skipped}
    feed(digest, shown, "listed")
    return digest.hexdigest()


def feed_digest(site: str, name: str, posts_shown: list, arguments, posts: dict) -> str:
    """One feed: the site's digest, where it is written, how (`arguments`), and
    the posts it carries, in full (their bodies are in it)."""
    digest = Digest(posts)
    digest.piece("site", site)
    digest.piece("feed", name)
    feed(digest, arguments, "listed")
    feed(digest, posts_shown, "full")
    return digest.hexdigest()


def page_digest(
    site: str, template: str, local: Mapping, posts: dict, shared: frozenset = frozenset()
) -> str:
    """One page: its template, the site's digest, and its own variables in full,
    except the whole lists a listing is cut from (`articles` beside
    `articles_page`: the page shows its own part of them, `articles_page`, in
    full) and values that are the site's context under another name
    (`shared`: ids, such as Pelican's `all_articles`), counted as the site's
    digest counts them."""
    digest = Digest(posts)
    digest.piece("site", site)
    digest.piece("template", template)
    for key in sorted(local):
        digest.piece("k", key)
        value = local[key]
        paginated = isinstance(local.get(f"{key}_page"), ListingPage)
        feed(digest, value, "listed" if paginated or id(value) in shared else "full")
    return digest.hexdigest()
