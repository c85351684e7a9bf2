"""Loading modes and colour-scheme sync in Chromium.

- lazy: nothing off-site until the thread nears the viewport; eager: at once;
- theme sync: a stand-in for giscus, served from a second loopback origin
  (giscus' `host` setting), records the setConfig messages the page sends, and
  says when it is ready, so the test controls the order of events.
"""

from __future__ import annotations

from commons.servers import StaticSiteServer, free_port
from tests.browser.test_discussion_isso import RequestLog
from tests.conftest import SAMPLE_ARTICLE

SAMPLE_ID = "sharing-your-work-and-coworking-to-share"

# A stand-in for giscus.app: client.js makes the iframe the way giscus does
# (class giscus-frame, theme and term from the script's data-*), and the
# widget records what it is sent and announces readiness only when told.
FAKE_CLIENT = """
(function () {
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var frame = document.createElement("iframe");
  frame.className = "giscus-frame";
  frame.src = origin + "/widget.html?theme=" + encodeURIComponent(script.dataset.theme) +
    "&term=" + encodeURIComponent(script.dataset.term);
  document.querySelector(".giscus").appendChild(frame);
})();
"""
FAKE_WIDGET = """<!DOCTYPE html><html lang="en"><title>widget</title><script>
window.received = [];
addEventListener("message", function (e) {
  if (e.data && e.data.giscus) received.push(e.data.giscus.setConfig.theme);
});
window.announce = function () { parent.postMessage({ giscus: { resizeHeight: 120 } }, "*"); };
</script></html>
"""
GISCUS = {
    "repo": "cohere/commons",
    "repo_id": "R_kgDOExample",
    "category": "Comments",
    "category_id": "DIC_kwDOExample",
    "theme_light": "light",
    "theme_dark": "dark_dimmed",
}
SET_SCHEME = """scheme => {
  if (scheme) document.documentElement.dataset.theme = scheme;
  else delete document.documentElement.dataset.theme;
  document.dispatchEvent(new CustomEvent("commons:themechange", {detail: {theme: scheme}}));
}"""


def test_theme_changes_wait_for_the_widget_and_then_follow_live(
    build, served_site, reading_page, tmp_path
):
    fake = tmp_path / "fake-giscus"
    fake.mkdir()
    (fake / "client.js").write_text(FAKE_CLIENT, encoding="utf-8")
    (fake / "widget.html").write_text(FAKE_WIDGET, encoding="utf-8")
    # The embed script is requested with crossorigin="anonymous", as giscus' is.
    (fake / "_headers").write_text("/*\n  Access-Control-Allow-Origin: *\n", encoding="utf-8")
    with StaticSiteServer(fake, headers_file="_headers") as giscus:
        output = build(
            overrides={
                "DISCUSSION": {"provider": "giscus", "giscus": {**GISCUS, "host": giscus.url}}
            }
        )
        site = served_site(output)
        page = reading_page
        page.emulate_media(color_scheme="light")
        page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
        page.click("[data-discussion-load]")
        # The frame exists before it has navigated to the widget (about:blank
        # first): wait for the widget's own address.
        frame = page.wait_for_selector("iframe.giscus-frame").content_frame()
        frame.wait_for_url("**/widget.html**")
        frame.wait_for_load_state()
        assert "theme=light" in frame.url and f"term={SAMPLE_ID}" in frame.url

        # Before the widget is ready, changes are held back; only the last counts.
        page.evaluate(SET_SCHEME, "dark")
        page.evaluate(SET_SCHEME, "light")
        page.evaluate(SET_SCHEME, "dark")
        page.wait_for_timeout(200)
        assert frame.evaluate("window.received") == []

        frame.evaluate("announce()")
        frame.wait_for_function("window.received.length === 1")
        assert frame.evaluate("window.received") == ["dark_dimmed"]

        # Once ready, every switch goes through at once: the site's toggle...
        page.evaluate(SET_SCHEME, "light")
        frame.wait_for_function("window.received.length === 2")
        # ...and the system's scheme when the site follows it.
        page.evaluate(SET_SCHEME, None)
        page.emulate_media(color_scheme="dark")
        frame.wait_for_function("window.received.length === 3")
        assert frame.evaluate("window.received") == ["dark_dimmed", "light", "dark_dimmed"]


def isso_build(build, isso_server, served_site, mode):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin], guard=False)
    output = build(
        overrides={"DISCUSSION": {"provider": "isso", "mode": mode, "isso": {"url": isso.url}}}
    )
    return served_site(output, port=port), isso, origin


def test_lazy_loads_the_thread_only_when_the_reader_nears_it(
    build, isso_server, served_site, reading_page
):
    site, isso, origin = isso_build(build, isso_server, served_site, "lazy")
    page = reading_page
    page.set_viewport_size({"width": 800, "height": 300})
    requests = RequestLog(page.context, page)
    try:
        page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
        top = page.evaluate("document.getElementById('discussion').getBoundingClientRect().top")
        assert top > 300 + 600 + 200, "the thread starts too close to the top for this test"
        page.wait_for_timeout(300)
        assert requests.off_origin(origin) == []
        assert page.locator("[data-discussion-gate]").is_hidden()

        page.locator("#discussion").scroll_into_view_if_needed()
        page.locator("#isso-thread .isso-postbox").first.wait_for(timeout=15000)
        assert any(url.startswith(isso.url) for url in requests.off_origin(origin))
    finally:
        requests.session.detach()


def test_eager_loads_the_thread_with_the_page(build, isso_server, served_site, reading_page):
    site, _isso, _origin = isso_build(build, isso_server, served_site, "eager")
    page = reading_page
    page.goto(site.url + SAMPLE_ARTICLE)
    page.locator("#isso-thread .isso-postbox").first.wait_for(timeout=15000)
    assert page.locator("[data-discussion-gate]").is_hidden()
    # Isso's vote arrows get a name from the Isso adapter (the theme hides
    # unnamed ones); the postbox has none, so check the adapter is present.
    assert page.evaluate("typeof window.commonsDiscussion.adapters.isso") == "function"


def test_without_javascript_the_reader_gets_the_form_and_nothing_loads(
    built_site, served_site, chromium
):
    site = served_site(built_site)
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        requests = RequestLog(context, page)
        page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
        assert page.locator("[data-discussion-gate]").is_hidden()
        # Isso, which Commons runs, takes comments from the plain form instead: the
        # post links to it on the comment server.
        assert page.locator("#discussion .discussion-noscript").count() == 0
        link = page.locator("#discussion [data-discussion-form]").get_by_role(
            "link", name="Leave a comment"
        )
        assert link.is_visible()
        assert "/form/new?uri=" in link.get_attribute("href")
        assert requests.off_origin(site.url.rstrip("/")) == []
    finally:
        context.close()
