"""Where no header can be set (GitHub Pages), every page carries its
Content-Security-Policy as a <meta> element; an https site's headers carry
Strict-Transport-Security."""

from __future__ import annotations

from commons import PUBLISH_SETTINGS
from commons.servers import free_port
from tests.browser.test_security_headers_browser import RECORD_VIOLATIONS
from tests.conftest import SAMPLE_ARTICLE, parse_html

INJECTED = "<script>window.injected = true;</script>"
META_CSP = '//meta[@http-equiv="Content-Security-Policy"]'


def test_https_site_headers_carry_hsts_and_http_ones_do_not(build, tmp_path):
    output = build(settings_file=PUBLISH_SETTINGS, env={"COMMONS_SITEURL": "https://x.example"})
    assert "  Strict-Transport-Security: max-age=31536000\n" in (output / "_headers").read_text()
    snippet = (output / "nginx-security-headers.conf").read_text()
    assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in snippet
    # Not published to GitHub Pages: the headers file carries the policy, no page does.
    assert not parse_html(output / SAMPLE_ARTICLE).xpath(META_CSP)

    plain = build(settings_file=PUBLISH_SETTINGS, env={"COMMONS_SITEURL": "http://x.example"})
    assert "Strict-Transport-Security" not in (plain / "_headers").read_text()


def test_gh_pages_pages_carry_the_policy_and_an_injected_script_does_not_run(
    build, served_site, browser
):
    port = free_port()
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": f"http://127.0.0.1:{port}", "COMMONS_PUBLISH_METHOD": "gh-pages"},
    )
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        head = parse_html(path).xpath("//head")[0]
        (meta,) = head.xpath(META_CSP)
        policy = meta.get("content")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
        for ignored in ("frame-ancestors", "report-uri", "sandbox"):
            assert ignored not in policy, path
        # At the top of the head, after the charset: a meta policy covers only
        # what follows it.
        assert head.index(meta) <= 1 and not meta.xpath("preceding::script"), path

    # A script the host (or a hostile upload) slips into a page is not run;
    # the page's own scripts run without a violation.
    article = output / SAMPLE_ARTICLE
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("</body>", INJECTED + "</body>"), encoding="utf-8")
    site = served_site(output, port=port)  # no headers file: as GitHub Pages serves it
    page = browser.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(site.url + SAMPLE_ARTICLE)
    assert "content-security-policy" not in response.headers
    page.wait_for_load_state("load")
    assert page.evaluate("window.injected") is None
    violations = page.evaluate("window.__cspViolations")
    assert len(violations) == 1 and violations[0].startswith("script-src"), violations
    # The theme's own script ran: it shows the colour scheme toggle.
    assert page.evaluate("document.querySelector('[data-theme-toggle]').hidden") is False
