"""A hostile post title runs nothing and reads exactly as written, on every page showing it."""

from __future__ import annotations

import pytest

from tests.theme_content import HOSTILE_TITLE

ARTICLE = "2026/03/hostile-title/"
LISTINGS = [
    "",
    "category/community/",
    "tag/sharing/",
    "author/ada-byron/",
    "archives/",
    "archives/2026/",
    "2025/11/bike-lending-shelf/",  # related posts
    "2026/01/tool-library-night/",  # previous/next
]


@pytest.fixture
def site_page(theme_site, served_site, reading_page, page_log):
    server = served_site(theme_site)

    def open_page(path: str):
        reading_page.goto(server.url + path, wait_until="load")
        return reading_page

    yield open_page
    assert page_log.errors == []


def test_article_page_shows_the_title_verbatim_and_runs_nothing(site_page):
    page = site_page(ARTICLE)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main h1").inner_text() == HOSTILE_TITLE
    assert page.title() == f"{HOSTILE_TITLE} · Cohere Commons"
    assert page.locator("meta[property='og:title']").get_attribute("content") == HOSTILE_TITLE
    # The Web Share button shares the title as written (theme.js reads it from the head).
    page.evaluate(
        "() => { navigator.share = data => { window.shared = data; return Promise.resolve(); };"
        " document.dispatchEvent(new Event('DOMContentLoaded')); }"
    )
    page.locator("[data-share-native]").click()
    assert page.evaluate("window.shared.title") == HOSTILE_TITLE
    # The only elements are the ones the theme wrote: no injected image or script.
    assert page.locator("img").count() == 0
    scripts = page.evaluate("Array.from(document.scripts, s => s.getAttribute('src') || s.type)")
    assert scripts and all(
        script.endswith(("/js/theme.js", "/js/discussion.js"))
        or script in ("application/ld+json", "application/json")
        for script in scripts
    ), scripts
    assert page.evaluate("typeof window.__pwned") == "undefined"


@pytest.mark.parametrize("path", LISTINGS)
def test_listings_show_the_title_verbatim_and_run_nothing(site_page, path):
    page = site_page(path)
    links = page.evaluate(
        "title => Array.from(document.querySelectorAll('main a'))"
        ".filter(a => a.textContent.trim() === title).length",
        HOSTILE_TITLE,
    )
    assert links >= 1
    assert page.locator("main img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
