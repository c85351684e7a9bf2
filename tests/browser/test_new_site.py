"""A fork with nothing published yet builds, serves and searches.

An empty content folder, one with only drafts, and one with only pages each
build with the local and the production settings; the search page answers
"no post matches" instead of failing, because there is nothing to index.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from commons import DEV_SETTINGS, PUBLISH_SETTINGS
from commons.build import build_site
from commons.config import load
from tasks import search_index_override
from tests.conftest import parse_html


def empty(content):
    pass


def only_drafts(content):
    (content / "idea.md").write_text("Title: An idea\nDate: 2026-11-01\nStatus: draft\n\nSoon.\n")


def only_pages(content):
    (content / "pages").mkdir()
    (content / "pages" / "about.md").write_text("Title: About\nMenu: true\n\nWho we are.\n")


SHAPES = [empty, only_drafts, only_pages]


@pytest.mark.parametrize("settings_file", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["local", "prod"])
@pytest.mark.parametrize("shape", SHAPES, ids=[shape.__name__ for shape in SHAPES])
def test_a_site_with_nothing_published_builds(tmp_path, shape, settings_file):
    content = tmp_path / "content"
    content.mkdir()
    shape(content)
    output = tmp_path / "output"
    build_site(output, settings_file=settings_file, content=content)

    home = parse_html(output / "index.html")
    assert home.xpath("//h1")
    manifest = json.loads((output / "pagefind" / "shards.json").read_text())
    # Only production runs Pagefind; a local build's list says it has no index.
    published = settings_file == PUBLISH_SETTINGS
    assert manifest["bundles"] == (["./"] if shape is only_pages and published else [])
    assert manifest.get("indexed", True) is published


def test_searching_a_site_with_nothing_published_says_no_post_matches(
    tmp_path, served_site, browser
):
    content = tmp_path / "content"
    content.mkdir()
    output = tmp_path / "output"
    build_site(
        output, content=content, overrides=search_index_override(load(DEV_SETTINGS).settings)
    )
    server = served_site(output)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}search/")
    page.fill("[data-search-input]", "coworking")
    page.press("[data-search-input]", "Enter")
    expect(page.locator("[data-search-status]")).to_contain_text("No post matches")
    assert not errors
