"""Summaries: Pelican's word rules, in time linear in the post's length."""

from __future__ import annotations

import random
import time

import pytest
from pelican.utils import truncate_html_words

from plugins.summaries import truncate_words

PIECES = [
    "<p>", "</p>", "<b>", "</b>", "<i>", "</i>", "</em>", "<br>", "<img src=x>",
    "&gt;", "&amp;", "&#62;", "&#x41;", "&mdash;", "&rsquo;", "&nosuch;",
    "word ", "co-op", "it's", "東京", "\n", " ", "<!-- c -->", "x",
]  # fmt: skip


def test_cuts_where_pelican_cuts_on_mixed_markup():
    chooser = random.Random(23)
    for _ in range(2000):
        html = "".join(chooser.choice(PIECES) for _ in range(chooser.randint(1, 120)))
        for limit in (1, 3, 50):
            assert truncate_words(html, limit) == truncate_html_words(html, limit), html


@pytest.mark.parametrize(
    "line", ["&gt;", "&amp;", "&#62;", "&#x3e;", "<b>&gt;</b>", "<br>", "</i>", "<", "<b>"]
)
def test_a_long_post_without_words_is_cut_in_linear_time(line):
    def seconds(lines: int) -> float:
        html = "<p>" + "\n".join([line] * lines) + "</p>"
        started = time.process_time()
        truncate_words(html, 50)
        return time.process_time() - started

    # 20,000 lines: minutes for a counter that rescans earlier lines.
    assert seconds(20_000) < 1.0
    # Ten times the lines, about ten times the time (not a hundred).
    assert seconds(20_000) < 25 * max(seconds(2_000), 0.002)
