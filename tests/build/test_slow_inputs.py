"""No input makes a build slow: posts that cost Pelican minutes build in seconds."""

from __future__ import annotations

import re
import time

import pytest

from commons import DEV_SETTINGS
from tests.conftest import parse_html

# About 100 KB each, under SOURCE_GUARD's 2 MB: lines with no word in them, so
# a word counter never stops early, and lines of tags around one character.
THE_END = ["The", "end", "of", "the", "post"]
# slug: (the line repeated, the summary's words). Fifty words
# (SUMMARY_MAX_LENGTH): a post whose lines have none is summed up by its last
# paragraph; one whose lines each hold a word, by its first fifty lines.
SLOW_SUMMARY_LINES = {
    "named-entities": ("&gt;", THE_END),
    "ampersands": ("&amp;", THE_END),
    "decimal-references": ("&#62;", THE_END),
    "hex-references": ("&#x3e;", THE_END),
    "bold-brackets": ("<b>&gt;</b>", THE_END),
    "line-breaks": ("<br>", THE_END),
    "stray-end-tags": ("</i>", THE_END),
    "bold-words": ("<b>x</b>", ["x"] * 50),
}
POST_BYTES = 100_000


def slow_summary_posts(content) -> None:
    for slug, (line, _words) in SLOW_SUMMARY_LINES.items():
        body = "\n".join([line] * (POST_BYTES // (len(line) + 1)))
        (content / f"{slug}.md").write_text(
            f"Title: {slug}\nDate: 2020-01-01\nSlug: {slug}\n\n{body}\n\nThe end of the post.\n",
            encoding="utf-8",
        )


@pytest.mark.timeout(30)
def test_posts_without_words_build_in_seconds_with_their_summaries(build, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    slow_summary_posts(content)
    started = time.monotonic()
    output = build(content=content, settings_file=DEV_SETTINGS)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"{len(SLOW_SUMMARY_LINES)} posts took {elapsed:.1f} s"
    listed = {}
    for page in output.glob("**/index.html"):
        for entry in parse_html(page).xpath('//article[@class="post-summary"]'):
            title = entry.xpath("string(.//h2)").strip()
            listed[title] = entry.xpath('string(.//div[@class="post-summary-text"])')
    assert set(listed) == set(SLOW_SUMMARY_LINES)
    for title, summary in listed.items():
        assert re.findall(r"\w+", summary) == SLOW_SUMMARY_LINES[title][1], title
