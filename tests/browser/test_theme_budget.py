"""The weight of the article page and the listings (the home page, a
category page) before any interaction, measured in Chromium on the production
build (publishconf.py, pointed at the local server that serves it).

Counted: every response body the page loads before the reader acts, HTML,
CSS, JavaScript, fonts and images (the favicon too), uncompressed (the bytes
Chromium decodes; a server that compresses sends fewer). Also: no
render-blocking resource from another origin, at most 2 KB of inline
JavaScript, and no request to any other origin until the reader acts.

The article page's budget is 18 KB (bench/page_weight.py's
WEIGHT_BUDGET_BYTES, what the best anchors weigh for a post this short). The
listings' ceilings are what the theme has reached (docs/theme.md, "Weight"):
a change that makes a page heavier fails here.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

from bench.page_weight import WEIGHT_BUDGET_BYTES
from commons import PUBLISH_SETTINGS
from commons.build import build_site
from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE, SAMPLE_CONTENT

ARTICLE_BUDGET_BYTES = WEIGHT_BUDGET_BYTES
HOME_REACHED_BYTES = 13 * 1024
CATEGORY_REACHED_BYTES = 13 * 1024 + 384
CATEGORY = "category/benefits-of-coworking/"
INLINE_JS_BUDGET = 2 * 1024
COUNTED = {
    "Document": "html",
    "Stylesheet": "css",
    "Script": "js",
    "Font": "font",
    "Image": "image",
}
JS_TYPES = ("", "text/javascript", "application/javascript", "module")


def load_and_measure(page, url: str) -> dict:
    """Every request of one page load, seen by the browser (CDP sees /favicon requests too)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        requests: dict[str, dict] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: requests.setdefault(
                e["requestId"], {"url": e["request"]["url"], "type": e.get("type")}
            ),
        )

        def received(event: dict) -> None:
            request = requests.get(event["requestId"])
            if request is None:
                return
            request["bytes"] = request.get("bytes", 0) + event["dataLength"]

        def responded(event: dict) -> None:
            request = requests.get(event["requestId"])
            # The favicon's CDP type is "Other"; its MIME type says it is an image.
            if request is not None and event["response"]["mimeType"].startswith("image/"):
                request["type"] = "Image"

        cdp.on("Network.dataReceived", received)
        cdp.on("Network.responseReceived", responded)
        page.goto(url, wait_until="networkidle")
        inline_js = page.evaluate(
            """types => Array.from(document.scripts)
                .filter(s => !s.src && types.includes(s.type))
                .reduce((n, s) => n + new TextEncoder().encode(s.textContent).length, 0)""",
            list(JS_TYPES),
        )
        blocking = page.evaluate(
            """() => Array.from(document.head.querySelectorAll("link[rel=stylesheet], "
                    + "script[src]:not([async]):not([defer]):not([type=module])"))
                .map(e => e.href || e.src)"""
        )
        return {"requests": list(requests.values()), "inline_js": inline_js, "blocking": blocking}
    finally:
        cdp.detach()


def weights(measured: dict) -> dict[str, int]:
    counted = dict.fromkeys(COUNTED.values(), 0)
    for request in measured["requests"]:
        kind = COUNTED.get(request["type"])
        if kind:
            counted[kind] += request.get("bytes", 0)
    return counted


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    """The real project built with publishconf.py for a local address, and that address."""
    port = free_port()
    root = tmp_path_factory.mktemp("budget")
    output = root / "site"
    build_site(
        output,
        content=SAMPLE_CONTENT,
        settings_file=PUBLISH_SETTINGS,
        overrides={"CACHE_PATH": str(root / "cache")},
        # No comment server runs: nothing may contact it before the reader acts.
        env={
            "COMMONS_SITEURL": f"http://127.0.0.1:{port}",
            "COMMONS_ISSO_URL": f"http://127.0.0.1:{free_port()}/",
        },
    )
    return output, port


def measure_served(page, served_site, site, port: int, path: str) -> tuple[dict, dict]:
    server = served_site(site, port=port)
    measured = load_and_measure(page, server.url + path)
    origin = urlsplit(server.url).netloc
    assert measured["inline_js"] <= INLINE_JS_BUDGET
    assert all(urlsplit(url).netloc == origin for url in measured["blocking"])
    elsewhere = [r["url"] for r in measured["requests"] if urlsplit(r["url"]).netloc != origin]
    assert elsewhere == []
    return measured, weights(measured)


def article_weight(page, production_site, served_site) -> dict[str, int]:
    site, port = production_site
    _measured, counted = measure_served(page, served_site, site, port, SAMPLE_ARTICLE)
    print(f"article page before interaction: {counted} = {sum(counted.values())} bytes")
    assert counted["html"] > 5000 and counted["css"] > 2000 and counted["js"] > 500
    assert counted["image"] > 0  # the favicon is counted
    return counted


def test_article_page_fits_the_budget(reading_page, production_site, served_site):
    counted = article_weight(reading_page, production_site, served_site)
    assert sum(counted.values()) <= ARTICLE_BUDGET_BYTES, counted


@pytest.mark.parametrize(
    ("path", "reached"), [("", HOME_REACHED_BYTES), (CATEGORY, CATEGORY_REACHED_BYTES)]
)
def test_listings_fit_the_budget(reading_page, production_site, served_site, path, reached):
    site, port = production_site
    _measured, counted = measure_served(reading_page, served_site, site, port, path)
    total = sum(counted.values())
    print(f"/{path} before interaction: {counted} = {total} bytes")
    assert counted["html"] > 3000 and counted["css"] > 2000 and counted["image"] > 0
    assert total <= reached, counted


def test_the_measurement_sees_every_request(reading_page, production_site, served_site, tmp_path):
    # A page that pulls a stylesheet from elsewhere, runs inline script and
    # grows past the budget must be caught: the tests above can fail.
    built, port = production_site
    site = tmp_path / "site"
    shutil.copytree(built, site)
    page_path = site / SAMPLE_ARTICLE
    html = page_path.read_text(encoding="utf-8")
    html = html.replace(
        "</head>",
        '<link rel="stylesheet" href="http://localhost:9/x.css"><script>'
        + "/* padding */" * 200
        + "</script></head>",
    )
    page_path.write_text(html + "<!--" + "x" * ARTICLE_BUDGET_BYTES + "-->", encoding="utf-8")
    server = served_site(site, port=port)
    measured = load_and_measure(reading_page, server.url + SAMPLE_ARTICLE)
    origin = urlsplit(server.url).netloc
    assert any(urlsplit(url).netloc != origin for url in measured["blocking"])
    assert measured["inline_js"] > INLINE_JS_BUDGET
    assert weights(measured)["html"] > ARTICLE_BUDGET_BYTES
    assert weights(measured)["image"] > 0
