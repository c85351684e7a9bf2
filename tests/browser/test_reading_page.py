"""The shared reading page forgets each test: after a reset, nothing a test left
on it (storage, cookies, cache, routes, viewport, emulated media, its document,
another page, its log) reaches the next test."""

from __future__ import annotations

from commons.servers import StaticSiteServer
from tests.conftest import VIEWPORT
from tests.reading_page import web_origin

LEAVE_TRACES = """() => {
    localStorage.setItem("left", "1");
    sessionStorage.setItem("left", "1");
    document.cookie = "left=1; path=/; max-age=3600";
    window.leftRunning = setInterval(() => fetch("/still-running"), 50);
    return [localStorage.length, sessionStorage.length, document.cookie];
}"""
TRACES = """() => ({
    local: localStorage.getItem("left"),
    session: sessionStorage.getItem("left"),
    cookie: document.cookie,
    width: innerWidth,
    dark: matchMedia("(prefers-color-scheme: dark)").matches,
    print: matchMedia("print").matches,
})"""
CLEAN = {
    "local": None,
    "session": None,
    "cookie": "",
    "width": VIEWPORT["width"],
    "dark": False,
    "print": False,
}


def test_a_reset_leaves_nothing_of_the_last_test(reading_tab, reading_page, page_log, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    index = folder / "index.html"
    index.write_text("<!doctype html><title>t</title><p>first</p>")
    # Cached for an hour: only a cleared cache asks the server again.
    (folder / "_headers").write_text("/*\n  Cache-Control: max-age=3600\n")
    with StaticSiteServer(folder, headers_file="_headers") as server:
        page = reading_page
        page.goto(server.url)
        assert page.evaluate(TRACES) == CLEAN
        assert page.evaluate(LEAVE_TRACES) == [1, 1, "left=1"]
        page.set_viewport_size({"width": 400, "height": 400})
        page.emulate_media(color_scheme="dark", media="print")
        page.route("**/routed", lambda route: route.fulfill(body="routed"))
        # A cookie of a host no frame showed (as a comment server's answer sets).
        cookie = {"name": "left", "value": "1", "domain": "elsewhere.test", "path": "/"}
        reading_tab.context.add_cookies([cookie])
        reading_tab.context.new_page()  # as a popup would
        assert page.evaluate(TRACES)["print"] is True
        assert page_log.requests and page_log.requests[0].startswith(server.url)
        assert web_origin(server.url) in reading_tab.origins

        reading_tab.reset()

        assert page.url == "about:blank"
        assert reading_tab.context.pages == [page]
        assert page_log.requests == [] and page_log.errors == [] and page_log.console == []
        assert reading_tab.origins == set()
        assert reading_tab.context.cookies() == []
        index.write_text("<!doctype html><title>t</title><p>second</p>")
        page.goto(server.url)
        assert page.locator("p").inner_text() == "second"  # not the cached copy
        assert page.evaluate(TRACES) == CLEAN
        assert page.evaluate("fetch('/routed').then(r => r.status)") == 404  # no route left
        assert not [url for url in page_log.requests if "still-running" in url]
