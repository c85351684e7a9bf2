"""Hot paths the benchmark found, made faster: they must still give the same answers.

post_navigation.link_related was a Python loop over every pair of posts that
share a label; with broad categories that is quadratic (15 s of a 5,000-post
build). It now counts in C. These tests pin its ranking: most shared labels
first, then newest, then by slug; never the post itself; at most `count`.
"""

from __future__ import annotations

import datetime
import types

import pytest

from bench.corpus import make_posts
from plugins.post_navigation.post_navigation import link_related


def label(name: str):
    return types.SimpleNamespace(slug=name)


def post(slug: str, day: int, categories=(), tags=()):
    return types.SimpleNamespace(
        slug=slug,
        date=datetime.datetime(2024, 1, day, 9, 0),
        categories=[label(c) for c in categories],
        tags=[label(t) for t in tags],
    )


def related(article) -> list[str]:
    return [other.slug for other in article.related_posts]


def test_most_shared_labels_first_then_newest_then_slug():
    target = post("target", 10, ["community"], ["garden", "tools"])
    posts = [
        target,
        post("one-label-old", 1, ["community"]),
        post("one-label-new", 20, ["community"]),
        post("two-labels-old", 2, ["community"], ["garden"]),
        post("three-labels", 3, ["community"], ["garden", "tools"]),
        post("b-same-day", 15, [], ["tools"]),
        post("a-same-day", 15, [], ["tools"]),
        post("unrelated", 25, ["events"], ["music"]),
    ]
    link_related(posts, 5)
    assert related(target) == [
        "three-labels",
        "two-labels-old",
        "one-label-new",
        "a-same-day",
        "b-same-day",
    ]
    link_related(posts, 2)
    assert related(target) == ["three-labels", "two-labels-old"]
    assert "unrelated" not in related(posts[-1]) and related(posts[-1]) == []
    link_related(posts, 0)
    assert all(p.related_posts == [] for p in posts)


def reference_ranking(articles: list, count: int) -> dict[str, list[str]]:
    """The definition, written plainly (quadratic): what link_related must return."""

    def labels(a):
        return {("c", c.slug) for c in a.categories} | {("t", t.slug) for t in a.tags}

    answer = {}
    for article in articles:
        scored = [
            (len(labels(article) & labels(other)), other)
            for other in articles
            if other is not article and labels(article) & labels(other)
        ]
        scored.sort(key=lambda item: (-item[0], -item[1].date.timestamp(), item[1].slug))
        answer[article.slug] = [other.slug for _shared, other in scored[:count]]
    return answer


@pytest.mark.parametrize("count", [1, 3])
def test_the_fast_ranking_equals_the_plain_definition_on_the_corpus(count):
    articles = [
        types.SimpleNamespace(
            slug=p.slug,
            date=p.date,
            categories=[label(c) for c in p.categories],
            tags=[label(t) for t in p.tags],
        )
        for p in make_posts(150, 5)
    ]
    link_related(articles, count)
    expected = reference_ranking(articles, count)
    assert {a.slug: related(a) for a in articles} == expected
