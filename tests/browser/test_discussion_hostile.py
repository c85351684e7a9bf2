"""A hostile title and thread id reach the comment widget intact and run nothing.

The values travel through an HTML attribute (the section's data-*, Isso's
data-title and data-isso-id), the page's JSON block, and Isso's own request
(the thread title Isso stores), and are checked at each end.
"""

from __future__ import annotations

import sqlite3

from commons.servers import free_port
from tests.browser.test_discussion_isso import RequestLog
from tests.conftest import copy_content

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
    assert section.get_attribute("data-discussion-title") == HOSTILE_TITLE
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
