"""The comment server refuses forged cross-site posts (commons/comments/guard.py).

A page on another origin (another 127.0.0.1 port) makes the reader's
Chromium post to the local Isso, the way a hostile site would: a `no-cors`
fetch of a Blob with no Content-Type, and an HTML form (text/plain, with the
JSON in a field name, and urlencoded). Isso's database must not change. The
real widget, on the site's own origin, still posts.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE

FORGED_URI = "/forged-thread/"
COMMENT = "Same-origin comment through the real widget."

NO_CORS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A hostile page</title></head>
<body><p>Nothing to see.</p>
<script>
const isso = new URLSearchParams(location.search).get("isso");
const body = JSON.stringify({text: "forged by a no-cors blob", author: "Mallory",
                             title: "Forged"});
fetch(isso + "new?uri=" + encodeURIComponent("/forged-thread/"), {
  method: "POST", mode: "no-cors", credentials: "include", body: new Blob([body]),
}).then(() => { document.title = "sent"; }, () => { document.title = "failed"; });
</script></body></html>
"""

# The JSON sits in the field's name: a text/plain form sends `name=value`,
# which reads as {"text": "...", "title": "Forged", "pad": "="}.
FORM_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A hostile form</title></head>
<body>
<form method="post" enctype="{enctype}">
  <input type="hidden" name='{{"text": "forged by a form", "author": "Mallory", "title": "Forged", "pad": "' value='"}}'>
</form>
<script>
const isso = new URLSearchParams(location.search).get("isso");
const form = document.forms[0];
form.action = isso + "new?uri=" + encodeURIComponent("/forged-thread/");
form.submit();
</script></body></html>
"""  # noqa: E501


def comments_in(isso) -> list[tuple[str, str]]:
    """(thread uri, text) of every comment in Isso's SQLite database."""
    with sqlite3.connect(isso.data_dir / "comments.db") as db:
        return db.execute(
            "SELECT threads.uri, comments.text FROM comments"
            " JOIN threads ON comments.tid = threads.id ORDER BY comments.id"
        ).fetchall()


@pytest.fixture
def guarded_setup(build, isso_server, served_site, tmp_path):
    """The site and its Isso, plus a hostile site on another origin."""
    site_port = free_port()
    origin = f"http://127.0.0.1:{site_port}"
    isso = isso_server([origin], guard=False)
    output = build(overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}})
    site = served_site(output, port=site_port)
    hostile_dir = tmp_path / "hostile"
    hostile_dir.mkdir()
    (hostile_dir / "no-cors.html").write_text(NO_CORS_PAGE, encoding="utf-8")
    for name, enctype in (
        ("form-text.html", "text/plain"),
        ("form-urlencoded.html", "application/x-www-form-urlencoded"),
    ):
        (hostile_dir / name).write_text(FORM_PAGE.format(enctype=enctype), encoding="utf-8")
    hostile = served_site(hostile_dir)
    assert hostile.url != site.url
    return site, isso, hostile


def test_a_no_cors_blob_from_another_origin_creates_no_comment(guarded_setup, browser):
    _site, isso, hostile = guarded_setup
    page = browser.new_page()
    with page.expect_response(lambda response: "/new?" in response.url) as answer:
        page.goto(f"{hostile.url}no-cors.html?isso={isso.url}")
    page.wait_for_function("document.title === 'sent' || document.title === 'failed'")
    assert answer.value.status == 403
    assert comments_in(isso) == []


@pytest.mark.parametrize("page_name", ["form-text.html", "form-urlencoded.html"])
def test_a_form_post_from_another_origin_creates_no_comment(guarded_setup, browser, page_name):
    _site, isso, hostile = guarded_setup
    page = browser.new_page()
    with page.expect_response(lambda response: "/new?" in response.url) as answer:
        page.goto(f"{hostile.url}{page_name}?isso={isso.url}")
    assert answer.value.status == 403
    assert "refused" in page.inner_text("body")
    assert comments_in(isso) == []


def test_the_widget_on_the_site_still_posts(guarded_setup, browser):
    site, isso, _hostile = guarded_setup
    page = browser.new_page()
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    # The thread's own comments first: Isso shows a comment posted before its
    # first fetch answers twice (once posted, once fetched), a race of Isso's.
    with page.expect_response(lambda answer: "/?uri=" in answer.url):
        page.click("[data-discussion-load]")
    postbox = page.locator("#isso-thread .isso-postbox").first
    postbox.locator("textarea.isso-textarea").fill(COMMENT)
    postbox.locator("input[name=author]").fill("Ada")
    postbox.locator("input[type=submit]").click()
    page.locator("#isso-root .isso-comment .isso-text", has_text="real widget").wait_for(
        timeout=15000
    )
    assert [text for _uri, text in comments_in(isso)] == [COMMENT]


def test_the_admin_login_on_the_servers_own_origin_is_not_refused(guarded_setup, browser):
    """Isso's own pages post forms to it: the guard lets its own origin through."""
    _site, isso, _hostile = guarded_setup
    page = browser.new_page()
    # Admin is off in the local configuration: Isso answers its own page for
    # the login form (200), not the guard's 403.
    with page.expect_response(lambda response: "/login/" in response.url) as answer:
        page.goto(isso.url + "admin/")
        page.evaluate(
            """url => {
              const form = document.createElement("form");
              form.method = "post";
              form.action = url + "login/";
              const field = document.createElement("input");
              field.name = "password";
              field.value = "x";
              form.append(field);
              document.body.append(form);
              form.submit();
            }""",
            isso.url,
        )
    assert answer.value.status != 403


def test_a_request_without_origin_or_json_is_refused_outside_a_browser(guarded_setup):
    """The same rule for any client: curl-like requests name no origin."""
    site, isso, _hostile = guarded_setup
    origin = site.url.rstrip("/")
    body = json.dumps({"text": "no origin", "title": "T"}).encode()
    cases = [
        ({"Content-Type": "application/json"}, 403),
        ({"Origin": origin}, 403),
        ({"Origin": "null", "Content-Type": "application/json"}, 403),
        ({"Referer": "http://127.0.0.1:1/x", "Content-Type": "application/json"}, 403),
        ({"Referer": origin + "/post/", "Content-Type": "application/json; charset=utf-8"}, 201),
    ]
    statuses = []
    for headers, _expected in cases:
        request = urllib.request.Request(
            f"{isso.url}new?uri=%2Fcurl%2F", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [expected for _headers, expected in cases]
    assert [uri for uri, _text in comments_in(isso)] == ["/curl/"]
