"""A hostile title and thread id reach the comment widget intact and run nothing.

The values travel through an HTML attribute (the section's data-*, Isso's
data-title and data-isso-id), the page's JSON block, and Isso's own request
(the thread title Isso stores), and are checked at each end.
"""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from commons import DEV_SETTINGS, PUBLISH_SETTINGS
from commons.servers import free_port
from tests.browser.test_discussion_isso import RequestLog
from tests.conftest import copy_content, guard, trusting_images
from tests.hostile_corpus import EVIL_ADAPTER, PERMISSIVE_BODY_HTML, write_clobber_corpus

HOSTILE_TITLE = "Tools & \"things\" 'shared' </script><script>window.__pwned=1</script>"
HOSTILE_ID = "id \"q\" & 'a' </script><script>window.__pwned=2</script>"
SLUG = "hostile-discussion"


def hostile_post(content):
    (content / f"{SLUG}.md").write_text(
        f"Title: {HOSTILE_TITLE}\n"
        "Date: 2026-02-01 10:00\n"
        f"Slug: {SLUG}\n"
        "Category: Community\n"
        f"Comments_id: {HOSTILE_ID}\n\n"
        "What would you share? Share your ideas in a comment!\n",
        encoding="utf-8",
    )
    return content


def test_hostile_title_and_id_reach_isso_intact_and_execute_nothing(
    build, isso_server, served_site, browser, tmp_path
):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin], guard=False)
    content = hostile_post(copy_content(tmp_path / "content"))
    output = build(
        content=content,
        overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}},
    )
    site = served_site(output, port=port)

    page = browser.new_page()
    requests = RequestLog(browser, page)
    page.goto(f"{site.url}2026/02/{SLUG}/", wait_until="networkidle")
    section = page.locator("#discussion")
    # The title the widget gets is the head's og:title (discussion/live.js).
    assert page.locator("head > meta[property='og:title']").get_attribute("content") == (
        HOSTILE_TITLE
    )
    assert section.get_attribute("data-discussion-id") == HOSTILE_ID
    assert requests.off_origin(origin) == []

    page.click("[data-discussion-load]")
    thread = page.locator("#isso-thread")
    thread.wait_for(state="attached")
    assert thread.get_attribute("data-title") == HOSTILE_TITLE
    assert thread.get_attribute("data-isso-id") == HOSTILE_ID

    postbox = page.locator("#isso-thread .isso-postbox").first
    postbox.locator("textarea.isso-textarea").fill("A first answer, to create the thread.")
    postbox.locator("input[type=submit]").click()
    page.locator("#isso-root .isso-comment .isso-text", has_text="first answer").wait_for(
        timeout=15000
    )
    assert page.evaluate("window.__pwned") is None

    # Isso stored the thread under the exact id and title the page gave it.
    with sqlite3.connect(isso.data_dir / "comments.db") as db:
        threads = db.execute("SELECT uri, title FROM threads").fetchall()
    assert threads == [(HOSTILE_ID, HOSTILE_TITLE)]

    # The index lists it too, with its count slot keyed by the same id.
    page.goto(site.url, wait_until="networkidle")
    assert page.evaluate("window.__pwned") is None
    ids = page.eval_on_selector_all(
        "[data-discussion-count]", "slots => slots.map(s => s.dataset.discussionCount)"
    )
    assert HOSTILE_ID in ids


# DOM clobbering (tests/hostile_corpus.py, CLOBBER_POSTS): posts whose ids and
# names copy what the theme's scripts read. Built with the local settings
# (served with no Content-Security-Policy at all) and the production ones
# (served with their _headers), by a site whose maintainer allows name= too.
SETTINGS_KINDS = {"local": (DEV_SETTINGS, None), "production": (PUBLISH_SETTINGS, "_headers")}


@pytest.fixture
def evil_server(served_site, tmp_path):
    """Another origin, serving the script a forged currentScript would load."""
    folder = tmp_path / "evil"
    (folder / "evil" / "discussion").mkdir(parents=True)
    (folder / "evil" / "discussion" / "isso.js").write_text(EVIL_ADAPTER, encoding="utf-8")
    return served_site(folder)


@pytest.mark.parametrize("kind", SETTINGS_KINDS)
def test_clobbering_ids_and_names_forge_nothing_and_request_nothing_before_consent(
    kind, build, isso_server, served_site, evil_server, browser, tmp_path
):
    settings_file, headers_file = SETTINGS_KINDS[kind]
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    evil = evil_server.url.rstrip("/")
    isso = isso_server([origin], guard=False)
    content = copy_content(tmp_path / "content")
    posts = write_clobber_corpus(content, evil)
    output = build(
        content=content,
        settings_file=settings_file,
        env={"COMMONS_SITEURL": origin},
        overrides={
            "DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}},
            "GUARD": guard(settings_file, html=PERMISSIVE_BODY_HTML),
            # The payloads' pictures come from the hostile origin on purpose:
            # trusted for images only, so that the guard lets the build
            # through and the test can watch what the scripts do.
            "SECURITY_HEADERS": trusting_images(settings_file, [evil]),
        },
    )
    site = served_site(output, port=port, headers_file=headers_file)
    if headers_file:
        assert "script-src 'self'" in (output / headers_file).read_text()

    page = browser.new_page()
    requests = RequestLog(browser, page)

    def contacted():
        # The payload's own <img> loads its picture (a remote image, another
        # class of problem); anything else from another origin is the scripts'.
        images = set(page.eval_on_selector_all("img", "imgs => imgs.map(i => i.src)"))
        return [url for url in requests.off_origin(origin) if url not in images]

    # Listings carry the summaries: nothing may load from another origin there.
    page.goto(site.url, wait_until="networkidle")
    page.wait_for_timeout(300)
    problems = {"home page": contacted()}
    if page.evaluate("window.__pwned") is not None:
        problems["home page"].append("the payload ran")
    for post in posts:
        problems[post.slug] = found = []
        requests.urls.clear()
        page.goto(f"{site.url}2024/03/{post.slug}/", wait_until="networkidle")
        page.wait_for_timeout(300)
        if contacted():
            found.append(f"requests before consent: {contacted()}")
        section = page.locator("main > section[data-discussion-provider]")
        if not section.locator("[data-discussion-gate]").is_visible():
            found.append("the consent gate is not shown")
            continue
        page.click("[data-discussion-load]")
        try:
            section.locator(".isso-postbox").first.wait_for(timeout=15000)
        except PlaywrightTimeout:
            found.append("the widget did not load in the discussion")
        page.wait_for_timeout(300)
        if [url for url in contacted() if url.startswith(evil)]:
            found.append(f"script from another origin: {contacted()}")
        if page.evaluate("window.__pwned") is not None:
            found.append("the payload ran")
        # The widget is in the discussion, never in a container the post made.
        if page.locator(".entry-content .isso-postbox, .entry-content #isso-root").count():
            found.append("the widget is inside the post's body")
        if section.locator("#isso-thread #isso-root").count() != 1:
            found.append("the widget is not in the discussion")
    assert problems == {"home page": [], **{post.slug: [] for post in posts}}
