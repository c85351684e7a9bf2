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

A page of one post is rendered again when its post, or a post it links to,
is one of those; a page of a paginated listing when one of its own posts
shows differently on other pages (the theme's listings show their page's
posts and the listing's count, nothing of the posts on other pages); an
archive or other page of several posts when any post of any list it is given
does; a feed when one of its posts changed. Any other page keeps the bytes
the last pass wrote (the render record's page routing, plugins/render_record).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pelican.contents import Content
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.paginator import Page as ListingPage
from pelican.urlwrappers import URLWrapper

from commons import render_digests
from commons.pelican_patches import RAW_BODY_ATTRIBUTE, SITE_CONTEXT_ATTRIBUTE

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
    # id of a list of the context -> whether it holds a listed post (the
    # same lists come with every page: each is looked through once).
    seen: dict = field(default_factory=dict, compare=False)

    def renders_page(self, localcontext: dict, name: str) -> bool:
        if name in self.rewritten:
            return True
        single = localcontext.get("article") or localcontext.get("page")
        if isinstance(single, Content):
            return id(single) in self.changed or any(
                id(post) in self.changed for post in _linked_posts(single)
            )
        if not self.listed:
            return False
        # A page of a paginated listing shows its own posts (and the
        # listing's count, which only a change of shape moves).
        page = localcontext.get("articles_page")
        if isinstance(page, ListingPage):
            return any(id(post) in self.listed for post in page.object_list)
        # Any other page (archives, label indexes, a period's archive) may
        # show every post of every list it is given.
        return any(self._lists_a_listed_post(value) for value in localcontext.values())

    def _lists_a_listed_post(self, value) -> bool:
        if not isinstance(value, (list, tuple)):
            return isinstance(value, Content) and id(value) in self.listed
        known = self.seen.get(id(value))
        if known is None or known[0] is not value:
            found = any(id(post) in self.listed for post in _posts_in(value, LINK_DEPTH))
            known = self.seen[id(value)] = (value, found)
        return known[1]

    def renders_feed(self, elements: Iterable) -> bool:
        elements = list(elements)
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
