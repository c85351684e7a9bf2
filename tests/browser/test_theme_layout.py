"""Responsive from 320 px to wide screens, and a print stylesheet."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_ARTICLE

PAGES = ["", SAMPLE_ARTICLE.removesuffix("index.html"), "archives/", "tags/", "404.html"]


@pytest.mark.parametrize("width", [320, 375, 768, 1280, 1920])
def test_no_page_scrolls_sideways(reading_page, theme_site, served_site, width):
    server = served_site(theme_site)
    page = reading_page
    page.set_viewport_size({"width": width, "height": 800})
    for path in PAGES:
        page.goto(server.url + path, wait_until="load")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, width, overflow)
        # The text column stays readable: never wider than ~46rem of text.
        column = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
        assert column <= min(width, 46 * 16), (path, width, column)


def test_print_shows_the_post_without_the_site_chrome(reading_page, built_site, served_site):
    server = served_site(built_site)
    page = reading_page
    page.emulate_media(color_scheme="dark")
    page.goto(server.url + SAMPLE_ARTICLE, wait_until="load")
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => Object.fromEntries(
            ["header.site-header", "footer.site-footer", ".share", "main h1",
             ".entry-content", ".image-credit"]
            .map(s => [s, getComputedStyle(document.querySelector(s)).display]))"""
    )
    assert shown["header.site-header"] == shown["footer.site-footer"] == "none"
    assert shown[".share"] == "none"
    assert shown["main h1"] != "none" and shown[".entry-content"] != "none"
    assert shown[".image-credit"] != "none"
    # Print is black on white even for a reader in the dark scheme.
    colours = page.evaluate("(s => [s.color, s.backgroundColor])(getComputedStyle(document.body))")
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
