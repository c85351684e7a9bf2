"""Which pages a save makes different: the dependency record of the preview's passes.

The preview keeps the model (posts, generators, context) of the last pass
whose output it synced. A new pass builds its model as before, then compares
the two:

- The site's shape: every post and page by file, address and status, in the
  order of every list, and every category, tag and author with its posts. A
  different shape (a new, deleted or renamed post, a new slug or date order, a
  draft published, a label's posts) is not handled here: every page is
  rendered, as when the settings, the theme or the code changed.
- The posts shown differently: those whose file's bytes changed, and those
  whose links to other posts (neighbours, related posts, translations)
  changed.
- Whether any of them shows differently on other pages than its own: any of
  its values but its body (its title, dates, labels, summary, reading time…)
  changed. A page of the site's menu that does is not handled here either.

A page of one post is rendered again when its post is one of those, or a
post it links to shows differently on other pages; a page of a paginated
listing when one of its own posts shows differently on other pages (the
theme's listings show their page's posts and the listing's count, nothing of
the posts on other pages); an archive or other page of several posts when any
post of any list it is given does; a feed when one of its posts changed. Any
other page keeps the bytes the last pass wrote (the render record's page
routing, plugins/render_record).

The resident path (`resident_refusal`, `resident_plan`) takes a save of one
post whose body, title or summary alone changed: the same plan, for that post,
over the site model the preview kept.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pelican.contents import Content
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.paginator import Page as ListingPage
from pelican.urlwrappers import URLWrapper

from commons import render_digests
from commons.pelican_patches import (
    RAW_BODY_ATTRIBUTE,
    RAW_SUMMARY_ATTRIBUTE,
    SITE_CONTEXT_ATTRIBUTE,
)

# The generators' lists of posts and pages, each kept in its order.
LISTS = {
    ArticlesGenerator: (
        "articles",
        "translations",
        "hidden_articles",
        "hidden_translations",
        "drafts",
        "drafts_translations",
    ),
    PagesGenerator: (
        "pages",
        "translations",
        "hidden_pages",
        "hidden_translations",
        "draft_pages",
        "draft_translations",
    ),
}
LABELS = ("categories", "tags", "authors")
# A post's values that are not what it shows: its body (its own page and the
# feeds show it, both rendered when its file changed), the build's settings,
# and what is computed from the others when first read, so that a model once
# rendered from (the warm-up render) would differ from a new one: memos of
# what is cut from the body (the summary they give is compared), and
# plugins/page_meta's view (its address, title and description come from the
# post's, compared here; its reading time shows on the post's page alone).
NOT_SHOWN_ELSEWHERE = frozenset(
    {
        RAW_BODY_ATTRIBUTE,
        SITE_CONTEXT_ATTRIBUTE,
        "settings",
        "_summary_cache",
        "commons_summaries",
        "page_meta",
    }
)
# What a page costs to render (`Plan.owns_page`), in bytes of the page as
# the output holds it (its last rendering: rendering time follows its
# size, about 0.2 s a MB at 1,000 posts here), plus a page's own weight; and
# what the feeds of a save cost (their entries kept: about as long as 400 kB
# of a page).
PAGE_COST = 4_000
FEEDS_COST = 400_000
# Links from a post to other posts are followed this deep (a post's
# `related_posts` list, a dataclass holding posts).
LINK_DEPTH = 3


@dataclass(frozen=True)
class Plan:
    """What a pass renders: pages of `changed` posts, listings of `listed` ones (by identity)."""

    changed: frozenset[int]
    listed: frozenset[int]
    # Pages written outside a pass (a post's page shown first): rendered again.
    rewritten: frozenset[str] = field(default_factory=frozenset)
    # The posts whose pages link to a listed post, when known (the resident
    # path keeps them): their pages are rendered without looking again.
    linking: frozenset[int] | None = None
    # (index, count): this process renders share `index` of the pages of
    # `count` processes (the resident path shares a save's pages between
    # forks, see engine.WarmSite._write_apart); share 0 makes every feed.
    share: tuple[int, int] = (0, 1)
    # Each share's load so far (`owns_page`); share 0's starts with the feeds.
    loads: dict = field(default_factory=dict, compare=False)
    # id of a list of the context -> whether it holds a listed post (the
    # same lists come with every page: each is looked through once).
    seen: dict = field(default_factory=dict, compare=False)
    # id of the site's context -> (it, the ids of its values).
    site_wide: dict = field(default_factory=dict, compare=False)

    def owns_page(self, size: int) -> bool:
        """Whether this process renders a page the plan renders, of `size`
        bytes as the output holds it: each goes to the share with the least
        load so far. Every process of a pass meets the same pages in the same
        order, and the same output, so each decides as the others do,
        without asking them."""
        index, count = self.share
        if count == 1:
            return True
        least = min(range(count), key=lambda share: (self.loads.get(share, 0), share))
        self.loads[least] = self.loads.get(least, 0) + PAGE_COST + size
        return least == index

    @property
    def first(self) -> bool:
        """Whether this is the first (or only) process of the pass: it makes
        every feed (a post's entry is worked out once for all of them), and
        takes the pages the plan does not render."""
        return self.share[0] == 0

    def for_share(self, index: int, count: int) -> Plan:
        """This plan, for process `index` of `count` sharing its pages."""
        return replace(self, share=(index, count), loads={0: FEEDS_COST})

    def renders_page(self, localcontext: dict, name: str, context: dict | None = None) -> bool:
        if name in self.rewritten:
            return True
        single = localcontext.get("article") or localcontext.get("page")
        if isinstance(single, Content):
            if id(single) in self.changed:
                return True
            if self.linking is not None:
                return id(single) in self.linking
            # Of a post it links to, a page shows what other pages show.
            return bool(self.listed) and any(
                id(post) in self.listed for post in _linked_posts(single)
            )
        if not self.listed:
            return False
        # A page of a paginated listing shows its own posts (and the
        # listing's count, which only a change of shape moves).
        page = localcontext.get("articles_page")
        if isinstance(page, ListingPage):
            return any(id(post) in self.listed for post in page.object_list)
        # A page given lists of its own (a period's archive: its posts)
        # shows those, as a post's page shows its post, not the site's lists
        # every page is given (`context`, Pelican's writer copies it into
        # every page's). Any other page (the archives, label indexes) may show
        # every post of every list it is given.
        own = self._own_lists(localcontext, context)
        values = own or localcontext.values()
        return any(self._lists_a_listed_post(value) for value in values)

    def _own_lists(self, localcontext: dict, context: dict | None) -> list:
        if context is None:
            return []
        known = self.site_wide.get(id(context))
        if known is None or known[0] is not context:
            ids = frozenset(id(value) for value in context.values())
            known = self.site_wide[id(context)] = (context, ids)
        return [
            value
            for value in localcontext.values()
            if isinstance(value, (list, tuple)) and value and id(value) not in known[1]
        ]

    def may_render(self, name: str, arguments: dict) -> bool:
        """Whether a call of the writer's `write_file` for `name` with these
        keyword `arguments` may write a page this plan renders; False only
        where `renders_page` would say False for each page it writes."""
        single = arguments.get("article") or arguments.get("page")
        if isinstance(single, Content):
            return self.renders_page(arguments, name)
        paginated = arguments.get("paginated")
        if isinstance(paginated, dict) and paginated:
            # Each page of a paginated listing shows posts of these lists only.
            return any(
                id(post) in self.listed
                for posts in paginated.values()
                for post in posts
                if isinstance(post, Content)
            )
        return True

    def _lists_a_listed_post(self, value) -> bool:
        if not isinstance(value, (list, tuple)):
            return isinstance(value, Content) and id(value) in self.listed
        known = self.seen.get(id(value))
        if known is None or known[0] is not value:
            found = any(id(post) in self.listed for post in _posts_in(value, LINK_DEPTH))
            known = self.seen[id(value)] = (value, found)
        return known[1]

    def renders_feed(self, elements: Iterable, max_items: int | None = None) -> bool:
        """Whether a feed of `elements` shows a changed post; Pelican's writer
        puts only the first `max_items` (FEED_MAX_ITEMS) in it."""
        elements = list(elements)[:max_items]
        if not all(isinstance(element, Content) for element in elements):
            return True
        return any(id(element) in self.changed for element in elements)


def source_digests(paths: Iterable[str]) -> dict[str, str]:
    """The sha256 of each file's bytes, by absolute path as Pelican names its
    sources (None for a file gone)."""
    digests = {}
    for path in paths:
        absolute = os.path.abspath(path)
        try:
            digests[absolute] = hashlib.sha256(Path(absolute).read_bytes()).hexdigest()
        except OSError:
            digests[absolute] = None
    return digests


def contents(generators) -> list[Content]:
    """Every post and page of the generators, drafts and translations included."""
    found = []
    for generator in generators:
        for kind, names in LISTS.items():
            if isinstance(generator, kind):
                for name in names:
                    found.extend(getattr(generator, name, []))
    return found


def plan_pass(old, new, old_sources: dict, new_sources: dict) -> Plan | None:
    """The pages `new` must render over the output `old` made; None: every page."""
    if _shape(old) != _shape(new):
        return None
    old_by_source = {c.source_path: c for c in contents(old.generators)}
    changed = set()
    listed = set()
    for generator in new.generators:
        for content in contents([generator]):
            source = content.source_path
            before = old_by_source[source]
            own = new_sources.get(source) is None or new_sources[source] != old_sources.get(source)
            links = _links(content) != _links(before)
            if not (own or links):
                continue
            changed.add(id(content))
            if _shown_elsewhere(content) != _shown_elsewhere(before):
                if isinstance(generator, PagesGenerator):
                    return None  # a page's title is in every page's menu
                listed.add(id(content))
    return Plan(changed=frozenset(changed), listed=frozenset(listed))


def _shape(model) -> tuple:
    lists = []
    for generator in model.generators:
        for kind, names in LISTS.items():
            if isinstance(generator, kind):
                for name in names:
                    lists.append(
                        [
                            (c.source_path, c.save_as, c.url, c.status)
                            for c in getattr(generator, name, [])
                        ]
                    )
    context = model.context
    labels = []
    for name in LABELS:
        for label, posts in context.get(name) or []:
            paths = [post.source_path for post in posts]
            labels.append((name, label.name, label.slug, label.url, paths))
    dates = [post.source_path for post in context.get("dates") or []]
    return lists, labels, dates


def _links(content: Content) -> list:
    return [
        (name, post.source_path)
        for name, value in sorted(vars(content).items())
        if name not in NOT_SHOWN_ELSEWHERE
        for post in _posts_in(value, LINK_DEPTH)
    ]


def _linked_posts(content: Content) -> list[Content]:
    return [
        post
        for name, value in vars(content).items()
        if name not in NOT_SHOWN_ELSEWHERE
        for post in _posts_in(value, LINK_DEPTH)
    ]


def _posts_in(value, depth: int) -> list[Content]:
    """The posts in `value`: itself, or in its lists and its objects' attributes.
    Not in mappings or labels: those hold settings, never a post."""
    if isinstance(value, Content):
        return [value]
    if depth == 0 or isinstance(value, (str, bytes, int, float, dict, URLWrapper)):
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        items = value
    elif hasattr(value, "__dict__") and not callable(value):
        items = vars(value).values()
    else:
        return []
    return [post for item in items for post in _posts_in(item, depth - 1)]


def _shown_elsewhere(content: Content) -> str:
    """A digest of all a post shows on other pages: every value but its body."""
    digest = render_digests.Digest()
    for name, value in sorted(vars(content).items()):
        if name in NOT_SHOWN_ELSEWHERE or callable(value):
            continue
        digest.piece("a", name)
        render_digests.feed(digest, value, "listed")
    # Made from the body when the post sets none.
    render_digests.feed(digest, content.summary, "listed")
    return digest.hexdigest()


# -- the resident path: one post's body, title or summary --------------------

# A post's values that a save taken by the resident path may change: its body,
# title and summary, and what is made from them when it is read. Any other
# value changed (its address, date, status, labels, template, a plugin's
# field) changes the site's shape or what other pages show of it beyond its
# title and summary: the full pass handles it.
RESIDENT_FIELDS = frozenset(
    {"title", "summary", RAW_SUMMARY_ATTRIBUTE, "metadata", *NOT_SHOWN_ELSEWHERE}
)
RESIDENT_METADATA = frozenset({"title", "summary"})
# Where a body names another file or address: a link, an image, an embed.
# The same list before and after a save means the guard's checks made over
# every post (references, uploads, remote media, links by address) find what
# they found when the resident model was built.
LINKED = re.compile(
    r"""\b(?:href|src|srcset|poster|data|action|cite|background|style|xlink:href)\s*=\s*"""
    r"""("[^"]*"|'[^']*'|[^\s>]+)|\{(?:filename|static|attach|tag|category|author|index)\}""",
    re.IGNORECASE,
)
MISSING = object()


def resident_refusal(old: Content, new: Content, is_page: bool) -> str | None:
    """Why a save that made `new` from the file of `old` cannot take the
    resident path (engine.WarmSite.catch_up); None when it can."""
    if old.status not in ("published", "hidden"):
        return f"it is {old.status}"
    if new.status != old.status:
        return "its status changed"
    mine = vars(new)
    for name, value in mine.items():
        if name in RESIDENT_FIELDS or callable(value):
            continue
        if not _same(vars(old).get(name, MISSING), value):
            return f"its {name.lstrip('_')} changed"
    before = {k: v for k, v in old.metadata.items() if k not in RESIDENT_METADATA}
    after = {k: v for k, v in new.metadata.items() if k not in RESIDENT_METADATA}
    if not _same(before, after):
        return "its metadata changed"
    if _linked(old) != _linked(new):
        return "its links changed"
    if is_page and (
        old.title != new.title or old.metadata.get("summary") != new.metadata.get("summary")
    ):
        return "a page's title shows in every page's menu"
    return None


def _same(old, new) -> bool:
    try:
        return bool(old == new)
    except (TypeError, ValueError):  # values that cannot be compared are taken as changed
        return False


def _linked(content: Content) -> list[str]:
    # The body as published (links to other posts resolved), and the summary
    # as written.
    text = (content.content or "") + str(content.metadata.get("summary") or "")
    return sorted(match[0] for match in LINKED.finditer(text))


def resident_plan(post: Content, shown_before: str, linkers: dict[int, frozenset]) -> Plan:
    """The pages a resident save renders: the post's, and when what other
    pages show of it (its title, summary…) changed, those linking to it and its
    listings. `linkers`: `linkers_of` the resident model."""
    if _shown_elsewhere(post) == shown_before:
        return Plan(changed=frozenset({id(post)}), listed=frozenset(), linking=frozenset())
    linking = linkers.get(id(post), frozenset())
    return Plan(changed=frozenset({id(post)}), listed=frozenset({id(post)}), linking=linking)


def linkers_of(generators) -> dict[int, frozenset]:
    """For each post (by id), the posts and pages (by id) that link to it
    (neighbours, related posts…). A resident save changes no link: made once
    per model."""
    found: dict[int, set] = {}
    for content in contents(generators):
        for post in _linked_posts(content):
            found.setdefault(id(post), set()).add(id(content))
    return {key: frozenset(value) for key, value in found.items()}


def shown_elsewhere(post: Content) -> str:
    """A digest of what `post` shows on other pages than its own."""
    return _shown_elsewhere(post)
