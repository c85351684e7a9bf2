"""The article page's weight before any interaction, measured in Chromium.

Budget: HTML + CSS + JS <= 30 KB uncompressed for the page, plus 2 KB for
what lets a reader without JavaScript take part and a failed widget keep the
archive (the plain comment form, its notice, the error and retry styles:
about 2.2 KB with their CSS and script); no render-blocking resource from
another origin, at most 2 KB of inline JavaScript, and no request to any
other origin until the reader acts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import SAMPLE_ARTICLE

BUDGET_BYTES = 32 * 1024
INLINE_JS_BUDGET = 2 * 1024
COUNTED = {"Document": "html", "Stylesheet": "css", "Script": "js"}
JS_TYPES = ("", "text/javascript", "application/javascript", "module")


def load_and_measure(chromium, url: str) -> dict:
    """Every request of one page load, seen by the browser (CDP sees /favicon requests too)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        requests: dict[str, dict] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: requests.setdefault(
                e["requestId"], {"url": e["request"]["url"], "type": e.get("type")}
            ),
        )
        cdp.on(
            "Network.dataReceived",
            lambda e: requests.get(e["requestId"], {}).__setitem__(
                "bytes", requests[e["requestId"]].get("bytes", 0) + e["dataLength"]
            ),
        )
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
        context.close()


def test_article_page_fits_the_budget(chromium, built_site, served_site):
    server = served_site(built_site)
    measured = load_and_measure(chromium, server.url + SAMPLE_ARTICLE)
    origin = urlsplit(server.url).netloc
    weights = {"html": 0, "css": 0, "js": 0}
    for request in measured["requests"]:
        kind = COUNTED.get(request["type"])
        if kind:
            weights[kind] += request.get("bytes", 0)
    total = sum(weights.values())
    print(f"article page before interaction: {weights} = {total} bytes")
    assert weights["html"] > 5000 and weights["css"] > 2000 and weights["js"] > 500
    assert total <= BUDGET_BYTES, weights
    assert measured["inline_js"] <= INLINE_JS_BUDGET
    assert all(urlsplit(url).netloc == origin for url in measured["blocking"])
    elsewhere = [r["url"] for r in measured["requests"] if urlsplit(r["url"]).netloc != origin]
    assert elsewhere == []


def test_the_measurement_sees_every_request(chromium, built_site, served_site, tmp_path):
    # A page that pulls a stylesheet from elsewhere and grows past the budget
    # must be caught: the test above can fail.
    import shutil

    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    page_path = site / SAMPLE_ARTICLE
    html = page_path.read_text(encoding="utf-8")
    html = html.replace(
        "</head>",
        '<link rel="stylesheet" href="http://localhost:9/x.css"><script>'
        + "/* padding */" * 200
        + "</script></head>",
    )
    page_path.write_text(html + "<!--" + "x" * BUDGET_BYTES + "-->", encoding="utf-8")
    server = served_site(site)
    measured = load_and_measure(chromium, server.url + SAMPLE_ARTICLE)
    origin = urlsplit(server.url).netloc
    assert any(urlsplit(url).netloc != origin for url in measured["blocking"])
    assert measured["inline_js"] > INLINE_JS_BUDGET
    html_bytes = sum(r.get("bytes", 0) for r in measured["requests"] if r["type"] == "Document")
    assert html_bytes > BUDGET_BYTES
