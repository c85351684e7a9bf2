"""The production headers, served as the host would serve them, break nothing:
no Content-Security-Policy violation on the article page, and the comments
still load from a (local) Isso once the reader consents."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from commons import PUBLISH_SETTINGS
from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE, parse_html

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI} ` +
      `${event.sourceFile}:${event.lineNumber} ${event.sample}`,
  );
});
"""


def post_comment(isso_url: str, thread_id: str, origin: str, text: str) -> None:
    request = urllib.request.Request(
        f"{isso_url}new?uri={urllib.parse.quote(thread_id)}",
        data=json.dumps({"text": text, "author": "Ada", "title": "Sharing"}).encode(),
        headers={"Content-Type": "application/json", "Origin": origin, "Referer": origin + "/"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def test_csp_allows_the_page_and_the_comments_and_nothing_is_violated(
    build, isso_server, served_site, browser
):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin])
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": origin},
        overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}},
    )
    headers = (output / "_headers").read_text()
    assert "script-src 'self'" in headers and isso.url.rstrip("/") in headers
    article = parse_html(output / SAMPLE_ARTICLE)
    (thread_id,) = article.xpath("//section[@id='discussion']/@data-discussion-id")
    post_comment(isso.url, thread_id, origin, "Tool library at the space, every Friday.")

    site = served_site(output, port=port, headers_file="_headers")
    page = browser.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    response = page.goto(site.url + SAMPLE_ARTICLE)
    assert "default-src 'self'" in response.headers["content-security-policy"]

    page.click("[data-discussion-load]")
    page.wait_for_selector("#isso-root .isso-comment", timeout=15000)
    assert "Tool library at the space" in page.inner_text("#isso-root .isso-comment")
    page.wait_for_timeout(500)  # let late violations (fonts, images) report
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []
