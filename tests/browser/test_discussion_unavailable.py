"""The reader is told when the comments cannot load, for every provider.

After consent, a provider's script that fails (here: its address blocked in
Chromium with `page.route(...).abort()`) or a widget that gives no sign of
life in time (Isso's API blocked, its script not) leaves a sentence and a
"Try again" button in the discussion section; once the server answers again,
Try again loads the thread.
"""

from __future__ import annotations

import re

import pytest

from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE
from tests.unit.test_discussion_settings import SAMPLES

ERROR = "[data-discussion-error]"
MESSAGE = "The comments could not be loaded"


def load_comments(page, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.click("[data-discussion-load]")


def assert_told(page, timeout: float = 10000) -> None:
    box = page.locator(ERROR)
    box.wait_for(timeout=timeout)
    assert MESSAGE in box.inner_text()
    assert box.get_attribute("role") == "alert"
    assert page.locator("[data-discussion-retry]").inner_text() == "Try again"
    assert page.locator("[data-discussion-thread]").is_hidden()


@pytest.fixture
def isso_site(build, isso_server, served_site):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin], guard=False)
    output = build(overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}})
    return served_site(output, port=port), isso


def test_isso_blocked_then_try_again(isso_site, browser):
    site, isso = isso_site
    page = browser.new_page()
    page.route(isso.url + "**", lambda route: route.abort())
    load_comments(page, site.url + SAMPLE_ARTICLE)
    assert_told(page)

    # Pressing it while still blocked says so again.
    page.click("[data-discussion-retry]")
    assert_told(page)

    page.unroute(isso.url + "**")
    page.click("[data-discussion-retry]")
    heading = page.locator("#isso-thread .isso-thread-heading").filter(has_text=re.compile(r"\S"))
    heading.wait_for(timeout=15000)
    assert page.locator(ERROR).count() == 0
    assert page.locator("#isso-thread").count() == 1
    assert page.locator("[data-discussion-thread]").is_visible()


def test_isso_api_silent_then_try_again(isso_site, browser):
    # The script loads, the API does not answer: no sign of life within 20 s.
    site, isso = isso_site
    page = browser.new_page()
    page.clock.install()
    api = re.compile(re.escape(isso.url) + r"(\?|config).*")
    page.route(api, lambda route: route.abort())
    load_comments(page, site.url + SAMPLE_ARTICLE)
    page.wait_for_timeout(2000)
    assert page.locator(ERROR).count() == 0, "told before the widget had its time"
    # The rest of the widget's 20 s on the page's own clock, not waited for.
    page.clock.run_for(19000)
    assert_told(page, timeout=25000)

    page.unroute(api)
    page.click("[data-discussion-retry]")
    page.locator("#isso-thread .isso-thread-heading").filter(has_text=re.compile(r"\S")).wait_for(
        timeout=15000
    )
    assert page.locator(ERROR).count() == 0


@pytest.mark.parametrize("provider", sorted(set(SAMPLES) - {"isso", "custom", "none"}))
def test_every_provider_says_so_when_its_script_fails(provider, build, served_site, reading_page):
    output = build(overrides={"DISCUSSION": {"provider": provider, provider: SAMPLES[provider]}})
    site = served_site(output)
    page = reading_page
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
    load_comments(page, site.url + SAMPLE_ARTICLE)
    assert_told(page)
