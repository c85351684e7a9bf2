"""The comment snapshot end to end: a real Isso with moderation, a build, Chromium
without JavaScript, then the same build with Isso stopped.

Comments are posted through Isso's API: a comment, a reply to it, a hostile
one (all three approved through Isso's own activation link), and one left
waiting for moderation, which must never reach the page.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
from urllib.parse import quote

import pytest
from itsdangerous import URLSafeTimedSerializer

from commons.build import build_site
from commons.servers import free_port
from tests.browser.test_accessibility import axe_violations
from tests.conftest import AXE_JS, SAMPLE_ARTICLE, SAMPLE_CONTENT, parse_html, require

THREAD_ID = "sharing-your-work-and-coworking-to-share"
FIRST = "We run a tool library on Fridays: bring a drill, borrow a saw."
REPLY = "Count me in for the drill press."
PENDING = "PENDING-COMMENT-MUST-NOT-APPEAR"
HOSTILE_TEXT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> hi'
HOSTILE_AUTHOR = "<b onmouseover=alert(1)>Mallory</b>"

pytestmark = pytest.mark.browser


class IssoClient:
    """Posts and approves comments through Isso's HTTP API, as its widget and admin do."""

    def __init__(self, isso, origin: str, database=None, thread_id: str = THREAD_ID):
        self.isso = isso
        self.origin = origin
        self.database = database or isso.data_dir / "comments.db"
        self.thread_id = thread_id

    def post(self, text: str, author: str, website: str | None = None, parent=None) -> dict:
        body = {"text": text, "author": author, "title": "Sharing Your Work"}
        if website:
            body["website"] = website
        if parent is not None:
            body["parent"] = parent
        request = urllib.request.Request(
            f"{self.isso.url}new?uri={quote(self.thread_id, safe='')}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Origin": self.origin},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def approve(self, comment_id: int) -> None:
        self.moderate(comment_id, "activate")

    def edit(self, comment_id: int, text: str) -> None:
        self.moderate(comment_id, "edit", {"text": text})

    def delete(self, comment_id: int) -> None:
        self.moderate(comment_id, "delete")

    def moderate(self, comment_id: int, action: str, body: dict | None = None) -> None:
        """What the moderator's links in Isso's e-mails do, signed with the server's own key."""
        with sqlite3.connect(self.database) as db:
            (secret,) = db.execute(
                "SELECT value FROM preferences WHERE key = 'session-key'"
            ).fetchone()
        key = URLSafeTimedSerializer(secret).dumps(comment_id)
        # From Isso's own origin, as the moderator's browser sends it: the
        # cross-site guard in front of Isso lets nothing else change a comment.
        request = urllib.request.Request(
            f"{self.isso.url}id/{comment_id}/{action}/{key}",
            data=json.dumps(body).encode() if body is not None else b"",
            headers={"Origin": self.isso.url.rstrip("/"), "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200


@pytest.fixture
def site_port() -> int:
    return free_port()


@pytest.fixture
def moderated_thread(isso_server, site_port, fetch_comments):
    origin = f"http://127.0.0.1:{site_port}"
    isso = isso_server([origin], moderation=True, rss_base=origin + "/")
    client = IssoClient(isso, origin)
    first = client.post(FIRST, "Ana", website="https://ana.example/")
    reply = client.post(REPLY, "Bob", parent=first["id"])
    hostile = client.post(HOSTILE_TEXT, HOSTILE_AUTHOR)
    pending = client.post(PENDING, "Pat")
    for comment in (first, reply, hostile):
        assert comment["mode"] == 2  # held for moderation until approved
        client.approve(comment["id"])
    assert pending["mode"] == 2
    return isso


def _build(tmp_path, isso, name: str, refresh: str = "missing"):
    overrides = {
        "DISCUSSION": {
            "provider": "isso",
            "isso": {"url": isso.url},
            "snapshot": {"refresh": refresh, "timeout": 5},
        }
    }
    return build_site(tmp_path / name, content=SAMPLE_CONTENT, overrides=overrides)


def test_snapshot_shows_approved_comments_threaded_without_javascript(
    moderated_thread, tmp_path, browser, chromium
):
    isso = moderated_thread
    result = _build(tmp_path, isso, "first")
    assert "Comments snapshot: fetched" in result.log
    article = result.output / SAMPLE_ARTICLE
    source = article.read_text(encoding="utf-8")
    assert PENDING not in source

    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(article.as_uri())
        snapshot = page.locator("#discussion [data-discussion-snapshot]")
        assert snapshot.is_visible()
        roots = snapshot.locator(":scope > ol.comment-list > li.comment")
        assert roots.count() == 2  # the first comment and the hostile one; not the pending
        first = roots.nth(0)
        assert FIRST in first.locator(":scope > .comment-text").inner_text()
        assert first.locator(".comment-author a").get_attribute("href") == "https://ana.example/"
        assert "ugc" in first.locator(".comment-author a").get_attribute("rel")
        reply = first.locator(":scope > ol.comment-replies > li.comment")
        assert reply.count() == 1
        assert REPLY in reply.inner_text()
        assert "Bob" in reply.locator(".comment-author").inner_text()
        hostile = roots.nth(1)
        assert HOSTILE_AUTHOR in hostile.locator(".comment-author").inner_text()
        assert hostile.locator("script, img, [onerror], [onmouseover]").count() == 0
        assert PENDING not in page.content()
        assert "3 comments" in snapshot.inner_text()
    finally:
        context.close()

    # The comment server stops: the next build reads the cache and is the same.
    isso.stop()
    again = _build(tmp_path, isso, "second")
    assert "Comments snapshot" not in again.log  # nothing missing: nothing fetched
    assert (again.output / SAMPLE_ARTICLE).read_bytes() == article.read_bytes()

    # A refresh with the server down keeps the cache, says so in one line, and builds.
    refreshed = _build(tmp_path, isso, "third", refresh="all")
    lines = [line for line in refreshed.log.splitlines() if "Comments snapshot" in line]
    assert len(lines) == 1 and "did not answer" in lines[0], refreshed.log
    assert (refreshed.output / SAMPLE_ARTICLE).read_bytes() == article.read_bytes()
    listing = parse_html(refreshed.output / "index.html")
    counts = listing.xpath(f'//a[@data-discussion-count="{THREAD_ID}"]')
    assert counts and counts[0].get("data-count") == "3"


def test_the_live_widget_replaces_the_snapshot(
    moderated_thread, tmp_path, site_port, served_site, browser
):
    isso = moderated_thread
    site = served_site(_build(tmp_path, isso, "site").output, port=site_port)
    page = browser.new_page()
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    snapshot = page.locator("#discussion [data-discussion-snapshot]")
    assert FIRST in snapshot.inner_text()
    assert page.locator("#isso-thread").count() == 0
    require(AXE_JS.exists(), "axe-core", "npm ci --prefix tests/tools")
    assert axe_violations(page) == []
    page.click("[data-discussion-load]")
    live = page.locator("#isso-root .isso-comment .isso-text", has_text="tool library")
    live.wait_for(timeout=15000)
    assert snapshot.count() == 0
    # The same comments, once: Isso's, not the snapshot's beside them.
    assert page.get_by_text(REPLY).count() == 1
    assert page.evaluate("window.__pwned") is None


SHOWN_COMMENTS = "#discussion [data-discussion-snapshot] li.comment:visible"
# The look of a button of the theme (the gate's "Load comments").
BUTTON_STYLE = """(b) => { const s = getComputedStyle(b);
  return [s.backgroundColor, s.color, s.borderRadius, s.fontWeight, s.paddingTop, s.cursor]; }"""


def _block(page, isso, how: str) -> None:
    """Every request to Isso fails at once (`abort`) or is never answered (`silent`)."""
    pattern = re.compile(re.escape(isso.url) + ".*")
    if how == "abort":
        page.route(pattern, lambda route: route.abort())
    else:
        page.route(pattern, lambda route: None)  # left pending: no answer, ever


def _assert_archive_kept(page) -> None:
    """The error is said above the snapshot, which still shows its three comments."""
    error = page.locator("[data-discussion-error]")
    # The widget's 20 s without a sign of life, on the page's own clock.
    page.clock.run_for(21000)
    error.wait_for(timeout=10000)
    assert page.locator(SHOWN_COMMENTS).count() == 3
    assert FIRST in page.locator("[data-discussion-snapshot]").inner_text()
    above = page.evaluate(
        """() => { const e = document.querySelector('[data-discussion-error]');
        const s = document.querySelector('[data-discussion-snapshot]');
        return !!(e.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING); }"""
    )
    assert above, "the error is not above the snapshot"
    # Styled by discussion.css, which live.js links with the thread: a box, and
    # its retry button in the consent button's colours.
    looks = page.evaluate(
        """() => { const e = document.querySelector('[data-discussion-error]');
        const style = getComputedStyle(e), retry = e.querySelector('[data-discussion-retry]');
        return [style.display, style.borderTopStyle, getComputedStyle(retry).backgroundColor]; }"""
    )
    assert looks[:2] == ["flex", "solid"] and looks[2] not in ("rgba(0, 0, 0, 0)", "")


@pytest.mark.parametrize("how", ["abort", "silent"])
def test_the_archive_stays_when_the_widget_fails(
    moderated_thread, tmp_path, site_port, served_site, browser, how
):
    isso = moderated_thread
    site = served_site(_build(tmp_path, isso, "site").output, port=site_port)
    page = browser.new_page()
    page.clock.install()
    _block(page, isso, how)
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="load")
    assert page.locator(SHOWN_COMMENTS).count() == 3
    load_style = page.locator("[data-discussion-load]").evaluate(BUTTON_STYLE)
    page.click("[data-discussion-load]")
    page.wait_for_timeout(300)  # a failed load used to empty the archive in 0.12 s
    assert page.locator(SHOWN_COMMENTS).count() == 3
    _assert_archive_kept(page)
    retry = page.locator("[data-discussion-retry]")
    assert retry.inner_text() == "Try again"
    assert retry.evaluate(BUTTON_STYLE) == load_style

    # Trying again while the server is still down keeps the archive too.
    retry.click()
    _assert_archive_kept(page)


def test_the_archive_stays_when_comments_load_without_asking(
    moderated_thread, tmp_path, site_port, served_site, browser
):
    isso = moderated_thread
    site = served_site(_build(tmp_path, isso, "site").output, port=site_port)
    page = browser.new_page()
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    page.check("[data-discussion-remember]")
    page.click("[data-discussion-load]")
    page.locator("#isso-root .isso-comment .isso-text", has_text="tool library").wait_for(
        timeout=15000
    )
    assert page.locator(SHOWN_COMMENTS).count() == 0  # the live thread replaced it

    # The server goes down; the next page view loads without asking, and fails.
    page = browser.new_page()
    page.clock.install()
    _block(page, isso, "abort")
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="load")
    _assert_archive_kept(page)
