"""Search in Chromium: type a word from the sample post, get the post.

The site is only static files on a loopback HTTP server; Pagefind's index was
built with the site, and its script loads only when the reader searches.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from commons import PUBLISH_SETTINGS
from commons.build import build_site
from commons.servers import StaticSiteServer, free_port
from tests.build.test_search_shards import SHARDED, bundle_pages, post_url, sharded_content
from tests.conftest import SAMPLE_TITLE, copy_content

SAMPLE_PATH = "/2011/03/sharing-your-work-and-coworking-to-share/"
RESULT_LINKS = "[data-search-results] li a"


def search_for(page, words: str) -> None:
    page.fill("[data-search-input]", words)
    page.press("[data-search-input]", "Enter")
    wait_for_answer(page)


def wait_for_answer(page) -> None:
    # A locator, not wait_for_function: that evaluates a string, which the
    # production Content-Security-Policy rightly forbids.
    expect(page.locator("[data-search-status]")).to_contain_text("match")


def test_typing_a_word_from_the_sample_post_finds_it(
    built_site, served_site, reading_page, page_log
):
    server = served_site(built_site)
    page = reading_page
    requested = page_log.requests
    errors = page_log.errors
    page.goto(f"{server.url}search/")
    assert page.locator("h1").inner_text() == "Search"
    assert page.get_by_label("Words to look for in the posts").is_visible()
    # Nothing of Pagefind's is fetched until the reader searches.
    assert not [url for url in requested if "/pagefind/" in url]

    search_for(page, "collaborative")
    results = page.locator(RESULT_LINKS)
    assert results.count() == 1
    assert results.first.inner_text() == SAMPLE_TITLE
    assert urlsplit(results.first.get_attribute("href")).path == SAMPLE_PATH
    assert page.locator("[data-search-status]").inner_text() == ("1 post matches “collaborative”.")
    excerpt = page.locator("[data-search-results] li p")
    # The matched word is highlighted (with the quotation mark the text puts before it).
    assert excerpt.locator("mark").first.inner_text().strip("“”").lower() == "collaborative"
    # The query is in the address, so a search can be shared or reloaded.
    assert urlsplit(page.url).query == "q=collaborative"
    assert [url for url in requested if "/pagefind/pagefind.js" in url]
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}
    assert not errors

    results.first.click()
    page.wait_for_url(f"**{SAMPLE_PATH}")
    assert page.locator("h1").inner_text() == SAMPLE_TITLE


def test_a_word_in_no_post_says_so_and_page_chrome_is_not_indexed(
    built_site, served_site, reading_page
):
    server = served_site(built_site)
    page = reading_page
    page.goto(f"{server.url}search/?q=zyzzyva")
    expect(page.locator("[data-search-status]")).to_have_text(
        "No post matches “zyzzyva”. Try fewer or other words."
    )
    assert page.locator(RESULT_LINKS).count() == 0
    # Words of the share links: on every post's page, in no post's text.
    for word in ("Mastodon", "Bluesky"):
        page.goto(f"{server.url}search/?q={word}")
        wait_for_answer(page)
        assert page.locator(RESULT_LINKS).count() == 0, word


@pytest.fixture
def production_server(tmp_path):
    """The production build of a site that lives in a folder (/community/) of a
    loopback address, served with the headers the build wrote for it."""
    port = free_port()
    web_root = tmp_path / "web"
    build_site(
        web_root / "community",
        settings_file=PUBLISH_SETTINGS,
        content=copy_content(tmp_path / "content"),
        env={"COMMONS_SITEURL": f"http://127.0.0.1:{port}/community"},
    )
    server = StaticSiteServer(web_root, port=port, headers_file="community/_headers").start()
    yield server
    server.stop()


def test_search_works_in_a_folder_under_the_production_security_policy(
    production_server, reading_page, page_log
):
    page = reading_page
    response = page.goto(f"{production_server.url}community/search/")
    assert "wasm-unsafe-eval" in response.headers["content-security-policy"]
    search_for(page, "sharing")
    result = page.locator(RESULT_LINKS).first
    assert result.inner_text() == SAMPLE_TITLE
    assert urlsplit(result.get_attribute("href")).path == f"/community{SAMPLE_PATH}"
    assert not [text for _kind, text in page_log.console if "Content Security Policy" in text]
    result.click()
    page.wait_for_url(f"**/community{SAMPLE_PATH}")


def test_a_sharded_index_is_searched_as_one(tmp_path, build, served_site, reading_page, page_log):
    # Nine pages, two a bundle: five bundles, merged by search.js.
    output = build(content=sharded_content(tmp_path / "content"), overrides=SHARDED)
    server = served_site(output)
    page = reading_page
    requested = page_log.requests

    # Post 7 lives in the fourth bundle, under pagefind/shards/4/.
    assert post_url(7) in bundle_pages(output / "pagefind" / "shards" / "4")
    page.goto(f"{server.url}search/?q=tapir")
    wait_for_answer(page)
    results = page.locator(RESULT_LINKS)
    assert results.all_inner_texts() == ["Shard post 7"]
    assert urlsplit(results.first.get_attribute("href")).path == post_url(7)
    assert page.locator("[data-search-status]").inner_text() == "1 post matches “tapir”."

    # Every shard post says "shard": four bundles answer, in one ranked list.
    search_for(page, "shard")
    assert sorted(results.all_inner_texts()) == [f"Shard post {n}" for n in range(1, 8)]
    assert page.locator("[data-search-status]").inner_text() == "7 posts match “shard”."
    fetched = {urlsplit(url).path for url in requested}
    assert "/pagefind/shards.json" in fetched
    for bundle in ("/pagefind/", *(f"/pagefind/shards/{n}/" for n in range(2, 6))):
        assert f"{bundle}pagefind-entry.json" in fetched, bundle
    assert not page_log.errors + page_log.console_errors


def test_a_local_build_without_index_says_so_and_fetches_no_pagefind(
    build, served_site, reading_page, page_log
):
    # `invoke build` without --search: Pagefind did not run for this build.
    server = served_site(build())
    page = reading_page
    requested = page_log.requests
    errors = page_log.errors
    page.goto(f"{server.url}search/?q=collaborative")
    expect(page.locator("[data-search-status]")).to_contain_text(
        "This build of the site has no search index"
    )
    expect(page.locator("[data-search-status]")).to_contain_text("invoke build --search")
    assert page.locator(RESULT_LINKS).count() == 0
    assert not [url for url in requested if "pagefind.js" in url]
    assert not errors
