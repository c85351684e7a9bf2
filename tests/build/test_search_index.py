"""The Pagefind index built with the site: posts and pages, their text only."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from commons import DEV_SETTINGS
from commons.config import load
from commons.settings import SettingsError
from plugins.search.plugin import SCHEMA
from tasks import search_index_override
from tests.conftest import SAMPLE_CONTENT, SAMPLE_TITLE, copy_content, parse_html

SAMPLE_URL = "/2011/03/sharing-your-work-and-coworking-to-share/"


def indexed_pages(output: Path) -> dict[str, dict]:
    """Pagefind's fragments (one per page): URL -> {"meta": ..., "content": ...}."""
    pages = {}
    for fragment in (output / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        record = json.loads(data[data.index(b"{") :])  # after Pagefind's signature
        pages[record["url"]] = record
    return pages


def test_posts_and_pages_are_indexed_and_listings_are_not(built_site):
    pages = indexed_pages(built_site)
    assert sorted(pages) == [SAMPLE_URL, "/about/"]
    assert pages[SAMPLE_URL]["meta"]["title"] == SAMPLE_TITLE
    assert (built_site / "pagefind" / "pagefind.js").is_file()
    assert (built_site / "search" / "index.html").is_file()


def test_only_the_posts_own_text_is_indexed(built_site):
    text = indexed_pages(built_site)[SAMPLE_URL]["content"]
    assert "collaborative consumption" in text
    assert "Share your ideas in a comment!" in text
    page = (built_site / SAMPLE_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    # On the page, but in the discussion section, the share links, the byline or
    # the site's chrome.
    for chrome in ("Load comments", "Mastodon", "Skip to content", "min read", "Current Members"):
        assert chrome in page
        assert chrome not in text


def test_drafts_and_hidden_pages_are_not_indexed(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "secret.md").write_text(
        "Title: Secret Plans\nDate: 2020-01-01\nStatus: draft\nCategory: Community\n\nHush.\n",
        encoding="utf-8",
    )
    (content / "pages" / "hidden.md").write_text(
        "Title: Hidden Page\nStatus: hidden\n\nUnlisted.\n", encoding="utf-8"
    )
    output = build(content=content, overrides=search_index_override(load(DEV_SETTINGS).settings))
    assert (output / "drafts" / "secret-plans" / "index.html").is_file()
    assert sorted(indexed_pages(output)) == [SAMPLE_URL, "/about/"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"bundle_dir": "/pagefind"}, "bundle_dir"),
        ({"bundle_dir": "../out"}, "bundle_dir"),
        ({"root_selector": ""}, "root_selector"),
        ({"exclude_selectors": "#discussion"}, "exclude_selectors"),
        ({"enabled": "yes"}, "enabled"),
        ({"engine": "lunr"}, "unknown key"),
    ],
)
def test_bad_settings_name_the_key(change, key):
    with pytest.raises(SettingsError, match=key):
        SCHEMA.validate(change, {"DIRECT_TEMPLATES": ["index", "search"]})


def test_search_needs_its_page():
    with pytest.raises(SettingsError, match="DIRECT_TEMPLATES"):
        SCHEMA.validate({}, {"DIRECT_TEMPLATES": ["index"]})
    assert SCHEMA.validate({"enabled": False}, {"DIRECT_TEMPLATES": []})["enabled"] is False


def test_a_local_build_runs_no_pagefind_and_its_list_says_so(tmp_path, build):
    # `invoke build` without --search, and the preview: no Pagefind, no index
    # files; the search page is written and its script reads "indexed": false.
    output = build()
    bundle = output / "pagefind"
    assert sorted(entry.name for entry in bundle.iterdir()) == ["shards.json"]
    assert json.loads((bundle / "shards.json").read_text()) == {"bundles": [], "indexed": False}
    form = parse_html(output / "search" / "index.html").xpath("//form[@data-search-form]")
    assert form and form[0].get("data-search-bundle").endswith("pagefind/")
    # The same build asked for its index has one.
    indexed = build_site_with_index(tmp_path)
    manifest = json.loads((indexed / "pagefind" / "shards.json").read_text())
    assert manifest == {"bundles": ["./"]}
    assert SAMPLE_URL in indexed_pages(indexed)


def build_site_with_index(tmp_path: Path) -> Path:
    from commons.build import build_site

    output = tmp_path / "indexed"
    build_site(
        output,
        content=SAMPLE_CONTENT,
        settings_file=DEV_SETTINGS,
        overrides=search_index_override(load(DEV_SETTINGS).settings),
    )
    return output
