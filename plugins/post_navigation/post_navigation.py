"""Neighbours by date, and related posts by shared categories and tags."""

from __future__ import annotations

import logging
from collections import defaultdict

from pelican import signals

from commons.settings import Integer, Schema, install

logger = logging.getLogger(__name__)

SETTING = "POST_NAVIGATION"
SCHEMA = Schema(
    SETTING,
    {
        "related_count": Integer(
            3,
            minimum=0,
            maximum=12,
            help="how many related posts a post lists (0 to 12; 0 hides the section)",
        )
    },
)
DEFAULTS = SCHEMA.defaults()


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

    Posts are numbered once, newest first (then by slug), and each label
    keeps its posts as the bits of one integer (bit n: post number n). For a
    post, adding its labels' integers bit-slice by bit-slice gives every
    other post's count of shared labels at once, as a few binary numbers
    (planes) whose bits are read together: a handful of operations on
    integers as long as the site, run in C, instead of a Python loop over
    every post sharing a label, which grew with the square of the site (a
    broad category is shared by a sixth of the posts). Then, from the highest
    count down, the lowest bits (the newest posts) of the posts with exactly
    that count are taken until there are `count`.
    """
    ordered = sorted(articles, key=lambda a: (-a.date.timestamp(), a.slug))
    if count <= 0:
        for article in ordered:
            article.related_posts = []
        return
    posts_of_label: dict[tuple[str, str], int] = defaultdict(int)
    labels_of = []
    for number, article in enumerate(ordered):
        labels = {("category", c.slug) for c in _categories(article)}
        labels |= {("tag", t.slug) for t in getattr(article, "tags", None) or []}
        labels_of.append(labels)
        for label in labels:
            posts_of_label[label] |= 1 << number
    for number, article in enumerate(ordered):
        planes = _shared_counts([posts_of_label[label] for label in labels_of[number]])
        article.related_posts = [
            ordered[other] for other in _most_shared(planes, 1 << number, count)
        ]


def _shared_counts(masks: list[int]) -> list[int]:
    """Bit planes of the per-post sum of `masks`: plane i holds bit i of each post's count."""
    planes: list[int] = []
    for mask in masks:
        carry = mask
        for index, plane in enumerate(planes):
            planes[index], carry = plane ^ carry, plane & carry
            if not carry:
                break
        if carry:
            planes.append(carry)
    return planes


def _most_shared(planes: list[int], itself: int, count: int) -> list[int]:
    """Post numbers with the highest counts, lowest numbers first on ties, without `itself`."""
    anyone = 0
    for plane in planes:
        anyone |= plane
    anyone &= ~itself
    chosen: list[int] = []
    for shared in range((1 << len(planes)) - 1, 0, -1):
        exactly = anyone
        for index, plane in enumerate(planes):
            exactly &= plane if shared >> index & 1 else ~plane
        while exactly and len(chosen) < count:
            lowest = exactly & -exactly
            chosen.append(lowest.bit_length() - 1)
            exactly ^= lowest
        if len(chosen) == count:
            break
    return chosen


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
