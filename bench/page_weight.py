"""What a reader downloads: the sample article's weight, measured in Chromium.

    python -m bench.page_weight          # prints the figures as JSON

Builds the real project with the production settings (what readers get),
pointed at a local address, serves it and a local Isso on free loopback
ports, and opens the sample article in Debian's Chromium through Playwright.
A CDP session on the Network domain counts every request the page makes
(the favicon too, which Playwright's own request events miss) and the bytes of
each body, by resource type. That is the weight before interaction. Then it
presses the discussion's consent button, the control docs/theme.md's "Markup
interface" documents, and counts what consenting adds (Isso's script and its
API calls). The home page and a category page, the listings, are measured
the same way before interaction (`listings` in the output).

Figures that cannot be measured are reported as unavailable with the reason,
never estimated.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from commons import PUBLISH_SETTINGS
from commons.browser import CHROMIUM, launch_chromium
from commons.build import BuildError, build_site
from commons.servers import IssoServer, StaticSiteServer, free_port

SAMPLE_ARTICLE = "2011/03/sharing-your-work-and-coworking-to-share/"
# The listings: the home page and the sample article's first category.
LISTING_PAGES = {"home": "", "category": "category/benefits-of-coworking/"}
# The article page's budget before interaction: HTML, CSS, JS, fonts and
# images, uncompressed, at most 18 KB, what the best anchors weigh for a post
# this short. tests/browser/test_theme_budget.py holds the page to it
# (docs/theme.md).
WEIGHT_BUDGET_BYTES = 18 * 1024
BUDGETED_TYPES = ("html", "css", "js", "font", "image")
# The consent button: the documented data attribute (docs/theme.md, "Markup interface").
CONSENT_SELECTOR = "[data-discussion-load]"
# CDP resource types, in the words of the report.
RESOURCE_KINDS = {
    "Document": "html",
    "Stylesheet": "css",
    "Script": "js",
    "Image": "image",
    "Font": "font",
    "XHR": "api",
    "Fetch": "api",
}
QUIET_SECONDS = 0.75
SETTLE_TIMEOUT = 20.0


class NetworkLog:
    """Requests and body bytes as Chromium's Network domain reports them."""

    def __init__(self, cdp_session):
        self.requests: dict[str, dict] = {}
        self.last_event = time.monotonic()
        cdp_session.on("Network.requestWillBeSent", self._sent)
        cdp_session.on("Network.responseReceived", self._response)
        cdp_session.on("Network.dataReceived", self._data)
        cdp_session.on("Network.loadingFinished", self._finished)
        cdp_session.on("Network.loadingFailed", self._failed)
        cdp_session.send("Network.enable")
        cdp_session.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def _touch(self) -> None:
        self.last_event = time.monotonic()

    def _sent(self, event: dict) -> None:
        self._touch()
        url = event["request"]["url"]
        if url.startswith("data:"):
            return  # inline data: its bytes are already in the HTML or CSS
        kind = RESOURCE_KINDS.get(event.get("type", ""), "other")
        if event["request"].get("method") == "OPTIONS":
            kind = "preflight"  # a CORS check before a call to another origin (Isso)
        self.requests[event["requestId"]] = {
            "url": url,
            "kind": kind,
            "status": None,
            "body_bytes": 0,
            "transferred_bytes": 0,
            "done": False,
        }

    def _entry(self, event: dict) -> dict | None:
        self._touch()
        return self.requests.get(event["requestId"])

    def _response(self, event: dict) -> None:
        entry = self._entry(event)
        if entry is not None:
            entry["status"] = event["response"]["status"]
            if entry["kind"] != "preflight":
                entry["kind"] = RESOURCE_KINDS.get(event.get("type", ""), entry["kind"])
            # The favicon's CDP type is "Other"; its MIME type says what it is.
            if entry["kind"] == "other" and event["response"]["mimeType"].startswith("image/"):
                entry["kind"] = "image"

    def _data(self, event: dict) -> None:
        entry = self._entry(event)
        if entry is not None:
            entry["body_bytes"] += event["dataLength"]

    def _finished(self, event: dict) -> None:
        entry = self._entry(event)
        if entry is not None:
            entry["transferred_bytes"] = int(event["encodedDataLength"])
            entry["done"] = True

    def _failed(self, event: dict) -> None:
        entry = self._entry(event)
        if entry is not None:
            entry["done"] = True
            entry["failed"] = event.get("errorText", "failed")

    def pending(self) -> int:
        return sum(not entry["done"] for entry in self.requests.values())

    def snapshot(self) -> dict:
        return summarize_requests(list(self.requests.values()))


def summarize_requests(requests: list[dict]) -> dict:
    """Totals by kind, the budgeted sum (HTML, CSS, JS, fonts, images) and the request list."""
    by_kind: dict[str, int] = {}
    for entry in requests:
        by_kind[entry["kind"]] = by_kind.get(entry["kind"], 0) + entry["body_bytes"]
    ordered = {kind: by_kind[kind] for kind in sorted(by_kind, key=_kind_order)}
    return {
        "requests": len(requests),
        "bytes_by_type": ordered,
        "body_bytes": sum(by_kind.values()),
        "budgeted_bytes": sum(by_kind.get(kind, 0) for kind in BUDGETED_TYPES),
        "transferred_bytes": sum(entry["transferred_bytes"] for entry in requests),
        "failed": [entry["url"] for entry in requests if entry.get("failed")],
        "resources": [
            {key: entry[key] for key in ("url", "kind", "status", "body_bytes")}
            for entry in requests
        ],
    }


def _kind_order(kind: str) -> tuple[int, str]:
    order = ("html", "css", "js", "image", "font", "api", "preflight", "other")
    return (order.index(kind) if kind in order else len(order), kind)


def settle(page, network: NetworkLog, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until no request is in flight and none has started for a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the CDP events
        quiet = time.monotonic() - network.last_event
        if network.pending() == 0 and quiet >= QUIET_SECONDS:
            return
    raise TimeoutError(f"the page still had {network.pending()} requests after {timeout:.0f} s")


def measure_page(url: str, consent_selector: str = CONSENT_SELECTOR) -> dict:
    """Load `url` in a fresh Chromium context; count before and after consenting."""
    from playwright.sync_api import sync_playwright

    result: dict = {"url": url}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)  # Debian's Chromium, the tests' flags
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            network = NetworkLog(context.new_cdp_session(page))
            page.goto(url, wait_until="load")
            settle(page, network)
            before = network.snapshot()
            result["before"] = before
            consent = page.locator(consent_selector)
            if consent.count() == 0:
                result["after_consent"] = None
                result["consent_note"] = (
                    f"the page has no consent button ({consent_selector}): "
                    "the discussion plugin has not landed or the article has no discussion"
                )
                return result
            consent.first.click()
            settle(page, network)
            after = network.snapshot()
            after["added_requests"] = after["requests"] - before["requests"]
            after["added_bytes"] = after["body_bytes"] - before["body_bytes"]
            after["added_bytes_by_type"] = {
                kind: size - before["bytes_by_type"].get(kind, 0)
                for kind, size in after["bytes_by_type"].items()
                if size != before["bytes_by_type"].get(kind, 0)
            }
            result["after_consent"] = after
        finally:
            browser.close()
    return result


def measure_sample_article() -> dict:
    """Build the site (production settings, local address), serve it, measure the article."""
    if not CHROMIUM.exists():
        return {"unavailable": "Chromium is not installed (apt-get install chromium)"}
    with tempfile.TemporaryDirectory(prefix="commons-weight-") as scratch:
        scratch = Path(scratch)
        site_port = free_port()
        site_origin = f"http://127.0.0.1:{site_port}"
        isso = IssoServer(scratch / "isso", site_origins=[site_origin], guard=False)
        with isso:
            output = scratch / "site"
            try:
                build_site(
                    output,
                    settings_file=PUBLISH_SETTINGS,
                    overrides={"CACHE_PATH": str(scratch / "cache")},
                    # publishconf.py reads the site's and the Isso's address
                    # from these (docs/discussion.md).
                    env={"COMMONS_SITEURL": site_origin, "COMMONS_ISSO_URL": isso.url},
                )
            except BuildError as error:
                return {"unavailable": f"the site did not build: {error}"}
            with StaticSiteServer(output, port=site_port) as site:
                result = measure_page(site.url + SAMPLE_ARTICLE)
                result["listings"] = {
                    name: measure_page(site.url + path)["before"]
                    for name, path in LISTING_PAGES.items()
                }
        result["isso"] = isso.url
        result["settings"] = "publishconf.py"
        return result


def main() -> int:
    result = measure_sample_article()
    print(json.dumps(result, indent=2))
    return 0 if "before" in result else 1


if __name__ == "__main__":
    sys.exit(main())
