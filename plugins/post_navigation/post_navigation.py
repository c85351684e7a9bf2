"""Neighbours by date, and related posts by shared categories and tags."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from itertools import chain

from pelican import signals

from commons.settings import Integer, Schema, install

logger = logging.getLogger(__name__)

SETTING = "POST_NAVIGATION"
SCHEMA = Schema(SETTING, {"related_count": Integer(3, minimum=0, maximum=12)})
DEFAULTS = SCHEMA.defaults()


def validate_settings(raw) -> dict:
    """POST_NAVIGATION with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw)


def _categories(article) -> list:
    categories = getattr(article, "categories", None)
    if categories is None:
        categories = [article.category] if getattr(article, "category", None) else []
    return categories


def link_neighbours(articles: list) -> None:
    """Set newer_article / older_article by date (None at either end)."""
    ordered = sorted(articles, key=lambda a: (a.date, a.slug))
    for index, article in enumerate(ordered):
        article.older_article = ordered[index - 1] if index > 0 else None
        article.newer_article = ordered[index + 1] if index + 1 < len(ordered) else None


def link_related(articles: list, count: int) -> None:
    """Up to `count` posts sharing the most categories and tags, newest first on ties.

    Posts are numbered once, newest first (then by slug), and each label keeps
    the numbers of its posts. A post's candidates are counted by Counter over
    the sorted numbers of its labels' posts: the counting and the ranking run
    in C, and because Counter keeps the order in which it first sees a number
    and most_common() is stable, equal counts stay newest first. A broad
    category shared by most posts would otherwise make this a slow
    Python loop over every pair of posts.
    """
    ordered = sorted(articles, key=lambda a: (-a.date.timestamp(), a.slug))
    posts_by_label: dict[tuple[str, str], list[int]] = defaultdict(list)
    labels_of = []
    for number, article in enumerate(ordered):
        labels = {("category", c.slug) for c in _categories(article)}
        labels |= {("tag", t.slug) for t in getattr(article, "tags", None) or []}
        labels_of.append(labels)
        for label in labels:
            posts_by_label[label].append(number)
    for number, article in enumerate(ordered):
        candidates = chain.from_iterable(posts_by_label[label] for label in labels_of[number])
        shared = Counter(sorted(candidates))
        shared.pop(number, None)
        article.related_posts = [ordered[other] for other, _n in shared.most_common(count)]


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def link_articles(generator) -> None:
    options = generator.settings[SETTING]
    link_neighbours(generator.articles)
    link_related(generator.articles, options["related_count"])
    for draft in getattr(generator, "drafts", []):
        draft.older_article = draft.newer_article = None
        draft.related_posts = []


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(link_articles)
