"""End to end: a reader answers the sample article's question through a real Isso.

Isso runs on 127.0.0.1 (guard off), the site is built against it and served on
another loopback port, and Debian's Chromium does what a reader does. Every
request the page makes is recorded through the DevTools protocol (Network
domain), which also sees what `page.on("request")` misses, such as the
favicon.
"""

from __future__ import annotations

import pytest

from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE

THREAD_ID = "sharing-your-work-and-coworking-to-share"
COMMENT = "We run a tool library on Fridays: bring a drill, borrow a saw."


class RequestLog:
    """Every URL a page asks for, from the DevTools protocol."""

    def __init__(self, browser_context, page):
        self.urls: list[str] = []
        self.session = browser_context.new_cdp_session(page)
        self.session.on("Network.requestWillBeSent", self._record)
        self.session.send("Network.enable")

    def _record(self, event) -> None:
        self.urls.append(event["request"]["url"])

    def off_origin(self, origin: str) -> list[str]:
        return [url for url in self.urls if not url.startswith(origin + "/")]


@pytest.fixture
def isso_site(build, isso_server, served_site, fetch_comments):
    """The project built against a fresh Isso, both on loopback; yields (site, isso, origin)."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin], guard=False)
    output = build(overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}})
    site = served_site(output, port=port)
    return site, isso, origin


def test_reader_consents_comments_and_sees_the_count(isso_site, browser):
    site, isso, origin = isso_site
    page = browser.new_page()
    requests = RequestLog(browser, page)

    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    gate = page.locator("[data-discussion-gate]")
    assert gate.is_visible()
    assert "Comments are hosted by Isso at 127.0.0.1" in gate.inner_text()
    page.wait_for_timeout(300)  # anything late (a lazy image, a prefetch) would show now
    assert requests.urls, "the request log saw nothing: it is not attached"
    assert requests.off_origin(origin) == []
    assert page.locator("#isso-thread").count() == 0, "the widget exists before consent"

    page.check("[data-discussion-remember]")
    page.click("[data-discussion-load]")
    assert gate.is_hidden()
    postbox = page.locator("#isso-thread .isso-postbox").first
    postbox.locator("textarea.isso-textarea").fill(COMMENT)
    postbox.locator("input[name=author]").fill("Ada")
    postbox.locator("input[type=submit]").click()
    posted = page.locator("#isso-root .isso-comment .isso-text", has_text="tool library")
    posted.wait_for(timeout=15000)
    assert any(url.startswith(isso.url) for url in requests.off_origin(origin))

    # The choice was remembered: after a reload the thread loads without asking.
    page.reload(wait_until="networkidle")
    page.locator("#isso-root .isso-comment .isso-text", has_text="tool library").wait_for(
        timeout=15000
    )
    assert page.locator("[data-discussion-gate]").is_hidden()
    assert page.locator("[data-discussion-forget]").is_visible()

    # The index shows the thread's count, loaded under the same consent.
    page.goto(site.url, wait_until="networkidle")
    slot = page.locator(f'[data-discussion-count="{THREAD_ID}"]').first
    page.wait_for_function(
        'id => document.querySelector(`[data-discussion-count="${id}"]`).dataset.count',
        arg=THREAD_ID,
        timeout=15000,
    )
    assert slot.get_attribute("data-count") == "1"
    assert " ".join(slot.inner_text().split()).startswith("1 comment")


def test_forgetting_the_choice_brings_the_gate_back(isso_site, browser):
    site, _isso, origin = isso_site
    page = browser.new_page()
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    page.check("[data-discussion-remember]")
    page.click("[data-discussion-load]")
    page.locator("#isso-thread .isso-postbox").first.wait_for(timeout=15000)

    page.click("[data-discussion-forget-button]")
    assert "ask before loading comments again" in page.inner_text("[data-discussion-forget]")

    fresh = browser.new_page()
    requests = RequestLog(browser, fresh)
    fresh.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    assert fresh.locator("[data-discussion-gate]").is_visible()
    assert requests.off_origin(origin) == []
    # Counts on the index wait for consent too.
    fresh.goto(site.url, wait_until="networkidle")
    assert requests.off_origin(origin) == []
    # The slot shows the build's comment snapshot (no comment yet), from the HTML.
    slot = fresh.locator(f'[data-discussion-count="{THREAD_ID}"]').first
    assert slot.get_attribute("data-count") == "0"
    assert slot.locator("[data-discussion-count-value]").inner_text() == "0"
