"""A page from compacted templates (plugins/html_minify) reads the same in
Chromium as the page from the templates as written: the same text, broken
into the same lines, and the same accessibility tree, on every kind of page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ARTICLE
from tests.theme_content import MARKUP_POST_SLUG, build_minified_and_plain

PAGES = [
    SAMPLE_ARTICLE,
    f"2026/04/{MARKUP_POST_SLUG}/",
    "2026/03/hostile-title/",
    "",
    "page/2/",
    "category/community/",
    "tag/sharing/",
    "author/ada-byron/",
    "archives/",
    "archives/2025/",
    "categories/",
    "tags/",
    "search/",
    "about/",
]
READ = "() => [document.title, document.body.innerText]"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, Path]:
    return build_minified_and_plain(tmp_path_factory.mktemp("minify-read"))


def test_every_kind_of_page_reads_the_same(reading_page, served_site, sites):
    minified, plain = (served_site(site) for site in sites)
    for path in PAGES:
        readings = []
        for server in (minified, plain):
            response = reading_page.goto(server.url + path, wait_until="load")
            assert response.status == 200, path
            # What a screen reader is given: roles, names, levels, states.
            tree = reading_page.locator("body").aria_snapshot()
            readings.append((*reading_page.evaluate(READ), tree))
        small, large = readings
        assert small[1].count("\n") > 3 and "- main" in small[2], path
        assert small == large, path
