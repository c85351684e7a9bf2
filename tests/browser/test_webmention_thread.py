"""Webmentions in the post's thread, in Chromium: a hostile source's script does
not run and its forged author links nowhere; replies stay in view when the
live Isso widget replaces the comment snapshot; likes are counted, not listed.

The mentions are verified by the real endpoint (in process) from pages on
127.0.0.1, approved, and reach the page through the snapshot cache, as the
comment snapshot writes it from the comment server.
"""

from __future__ import annotations

import shutil

from commons.build import build_site
from commons.comments.snapshot import write_thread
from commons.webmention.store import approved_for_thread
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_comment_snapshot import FIRST, THREAD_ID, IssoClient
from tests.build.test_html_validity import run_vnu
from tests.build.test_webmention_receive import Endpoint
from tests.conftest import AXE_JS, SAMPLE_ARTICLE, SAMPLE_CONTENT, isso_snapshots, require
from tests.webmention_servers import PageServer, html_answer

REPLY_TEXT = "We tried the same at our makerspace"


def hostile_page(target: str) -> str:
    return f"""<!DOCTYPE html><html><head><title>Reply</title></head><body>
<article class="h-entry">
<a class="u-url" href="https://victim.example/their-post">permalink</a>
<a class="p-author h-card" href="https://victim.example/">&lt;img src=x onerror=window.__pwned=1&gt;
Site Admin&#x202e;</a>
<div class="e-content"><p>{REPLY_TEXT}, <a class="u-in-reply-to" href="{target}">see</a>.</p>
<script>window.__pwned = 2</script><img src="x" onerror="window.__pwned = 3">
<a href="javascript:window.__pwned = 4">click</a><svg><script>window.__pwned = 5</script></svg>
<iframe srcdoc="<script>parent.__pwned = 6</script>"></iframe>
<style>body {{ display: none }}</style><p onmouseover="window.__pwned = 7">hover</p>
</div></article></body></html>"""


def like_page(target: str) -> str:
    return f"""<!DOCTYPE html><html><body><article class="h-entry">
<a class="p-author h-card" href="/">Cy</a> liked <a class="u-like-of" href="{target}">it</a>
</article></body></html>"""


def test_hostile_mentions_are_cleaned_and_stay_beside_the_live_widget(
    tmp_path, isso_server, served_site, browser, fetch_comments
):
    from commons.servers import free_port

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin])
    IssoClient(isso, origin).post(FIRST, "Ana")

    # The site's post as the endpoint sees it: a page that names its thread.
    target_page = f'<section data-discussion-id="{THREAD_ID}"></section>'
    with (
        PageServer(html_answer(target_page)) as stand_in,
        PageServer(lambda r: html_answer(hostile_page(stand_in.origin + "/post/"))(r)) as hostile,
        PageServer(lambda r: html_answer(like_page(stand_in.origin + "/post/"))(r)) as liker,
    ):
        endpoint = Endpoint(tmp_path, stand_in, hostile, liker)
        for source in (hostile.origin + "/reply/", liker.origin + "/like/"):
            endpoint.mention(source, stand_in.origin + "/post/")
        stored = endpoint.settled()
    assert len(stored) == 2
    for item in stored:
        endpoint.store.approve(item.id)
    mentions = approved_for_thread(tmp_path / "webmentions.sqlite", THREAD_ID)
    cache = isso_snapshots(fetch_comments, isso.url)
    comment = {
        "id": "1",
        "parent": None,
        "author": "Ana",
        "website": None,
        "created": "2026-11-29T10:00:00Z",
        "text": f"<p>{FIRST}</p>",
        "deleted": False,
    }
    write_thread(cache, THREAD_ID, "isso", [comment], mentions=mentions)
    overrides = {
        "SITEURL": origin,
        "DISCUSSION": {"isso": {"url": isso.url}, "snapshot": {"refresh": "never"}},
    }
    output = build_site(tmp_path / "site", content=SAMPLE_CONTENT, overrides=overrides).output
    site = served_site(output, port=port)
    # The post and the recent discussions, with the hostile mention, are valid HTML.
    checked = tmp_path / "checked"
    for name, page_path in (("post", SAMPLE_ARTICLE), ("recent", "discussions/index.html")):
        (checked / name).mkdir(parents=True)
        shutil.copy(output / page_path, checked / name / "index.html")
    _pages, messages = run_vnu(checked)
    assert [m["message"] for m in messages if m["type"] in ("error", "non-document-error")] == []

    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    mentions_block = page.locator("#discussion [data-discussion-webmentions]")
    assert mentions_block.is_visible()
    listed = mentions_block.locator("li.comment")
    assert listed.count() == 1  # the reply; the like is counted
    assert REPLY_TEXT in listed.inner_text()
    assert "1 like from other sites." in mentions_block.inner_text()
    author = listed.locator(".comment-author")
    assert "Site Admin" in author.inner_text() and "<img" in author.inner_text()
    # The forged author's site (another host than the source's) is not linked;
    # the reply names where it was made, and links the source, not the forged u-url.
    assert author.locator("a").count() == 0
    source_link = listed.locator(".comment-source a")
    assert source_link.get_attribute("href") == hostile.origin + "/reply/"
    assert "127.0.0.1" in source_link.inner_text()
    assert "nofollow" in source_link.get_attribute("rel")
    # What the source's script would need, gone; the author's "<img …>" is text.
    hostile_parts = (
        "script, img, iframe, style, svg, [onerror], [onmouseover], [href^='javascript:']"
    )
    assert mentions_block.locator(hostile_parts).count() == 0
    listed.hover()
    assert page.evaluate("window.__pwned") is None and dialogs == []
    require(AXE_JS.exists(), "axe-core", "npm ci --prefix tests/tools")
    assert axe_violations(page) == []
    # Counted with the comments: 1 comment + 1 reply from another site.
    assert "2 comments" in page.locator("#discussion [data-discussion-snapshot]").inner_text()

    # The live widget replaces the snapshot, not the replies from other sites.
    page.check("[data-discussion-remember]")
    page.click("[data-discussion-load]")
    page.locator("#isso-root .isso-comment .isso-text", has_text="tool library").wait_for(
        timeout=15000
    )
    assert page.locator("#discussion [data-discussion-snapshot]").count() == 0
    assert mentions_block.is_visible() and REPLY_TEXT in mentions_block.inner_text()
    assert page.evaluate("window.__pwned") is None and dialogs == []

    # The listing's count, filled in from Isso's count under the same consent, adds
    # the replies from other sites that Isso does not know: 1 comment + 1 reply.
    with page.expect_response(lambda response: response.url.startswith(isso.url + "count")):
        page.goto(site.url, wait_until="networkidle")
    page.wait_for_timeout(300)
    slot = page.locator(f'[data-discussion-count="{THREAD_ID}"]').first
    assert slot.locator("[data-discussion-count-value]").inner_text() == "2"
    assert slot.get_attribute("data-count") == "2"
