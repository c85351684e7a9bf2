"""Commenting without JavaScript, for real: the production build served with its
Content-Security-Policy, the production-shaped comment server (gunicorn), and
Chromium with JavaScript off. The reader follows the post's "Leave a comment"
link to the comment server's form page, fills it in, checks the preview,
publishes, is told the comment is held and goes back to the post; the comment
waits in Isso's database. A form on another origin is refused; a link to the
form page made with hostile values runs nothing there; with JavaScript on,
the widget replaces the link."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from urllib.parse import urlencode

from commons import PUBLISH_SETTINGS
from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE

COMMENT = "No script here: can the tool library lend a ladder?"


def pending(isso) -> list[tuple[str, str, int]]:
    with closing(sqlite3.connect(isso.config_dir / "comments.db")) as db:
        return db.execute("SELECT author, text, mode FROM comments").fetchall()


def production_site(build, comment_server, served_site, **limits):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso, _ = comment_server(origin, **limits)
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": origin, "COMMONS_ISSO_URL": isso.url},
    )
    site = served_site(output, port=port, headers_file="_headers")
    return site, isso


def test_a_reader_without_javascript_comments_and_is_told_it_is_held(
    build, comment_server, served_site, chromium
):
    site, isso = production_site(build, comment_server, served_site, min_seconds=1)
    post_url = site.url + SAMPLE_ARTICLE
    post_address = post_url.removesuffix("index.html")
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    answer = page.goto(post_url)
    assert "form-action 'self' " + isso.url.rstrip("/") in answer.headers["content-security-policy"]
    assert page.locator("form").count() == 0  # the article carries no form
    page.get_by_role("link", name="Leave a comment").click()

    # The comment server's form page, for this post.
    page.wait_for_url(isso.url + "form/new?**")
    assert page.locator("h1").inner_text() == page.title()
    assert page.get_by_role("link", name="Back to the post").get_attribute("href") == post_address
    page.get_by_label("Name").fill("Grace")
    page.get_by_label("Comment").fill(COMMENT)
    page.get_by_role("button", name="Preview and publish").click()

    # The comment server's preview: the comment as it will be posted.
    page.wait_for_url(isso.url + "form/new")
    assert page.locator("blockquote").inner_text() == COMMENT
    assert pending(isso) == []
    page.wait_for_timeout(1100)  # min_seconds
    page.get_by_role("button", name="Publish the comment").click()

    # Told it is held, then back on the post, at its canonical address.
    page.wait_for_url(isso.url + "form/publish")
    assert "held for moderation" in page.get_by_role("status").inner_text()
    assert pending(isso) == [("Grace", COMMENT, 2)]
    page.get_by_role("link", name="Back to ").click()
    page.wait_for_url(post_address)
    assert page.locator("h1").inner_text() == page.locator("main h1").first.inner_text()
    context.close()


HOSTILE = '"><script>window.ran=1</script><img src=x onerror="window.ran=2">'
# An address holds no blank: markup in it, then.
HOSTILE_ADDRESS = '?"><script>window.ran=4</script><img/src=x/onerror=window.ran=5>'


def test_a_hostile_link_to_the_form_page_runs_nothing_there(
    build, comment_server, served_site, chromium
):
    """The form page's values come from its address, which anyone can write: with
    JavaScript on, none of them runs, opens a dialog or sends the reader elsewhere."""
    site, isso = production_site(build, comment_server, served_site, min_seconds=0)
    post_address = site.url + SAMPLE_ARTICLE.removesuffix("index.html")
    context = chromium.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    off_site = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((isso.url, site.url)) else off_site.append(request.url)
        ),
    )
    cases = {
        "markup everywhere": {
            "uri": HOSTILE,
            "title": HOSTILE,
            "page": post_address + HOSTILE_ADDRESS,
        },
        "a javascript: post": {"uri": "x", "title": "x", "page": "javascript:window.ran=3"},
        "another origin": {"uri": "x", "title": "x", "page": "http://evil.test/x/"},
        "overlong": {"uri": "x", "title": "x" * 3000, "page": post_address},
        "missing": {"title": HOSTILE},
    }
    for name, query in cases.items():
        answer = page.goto(isso.url + "form/new?" + urlencode(query))
        page.wait_for_load_state("load")
        assert page.evaluate("window.ran") is None, name
        assert page.locator("script, img").count() == 0, name
        if name == "markup everywhere":
            assert answer.status == 200
            assert page.locator("h1").inner_text() == HOSTILE
            links = page.locator("main a")
            assert links.count() == 1 and links.get_attribute("href") == query["page"]
        else:
            assert answer.status == 400, name
            assert page.locator("form, a").count() == 0, name
            assert page.locator("h1").inner_text() == "Your comment was not posted"
            assert "Fix: " in page.locator("main p").inner_text(), name
    assert dialogs == [] and off_site == []
    context.close()


def test_a_form_on_another_origin_is_refused(
    build, comment_server, served_site, chromium, tmp_path
):
    site, isso = production_site(build, comment_server, served_site, min_seconds=0)
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "index.html").write_text(
        f"""<!doctype html><html lang="en"><title>Elsewhere</title>
<form method="post" action="{isso.url}form/new">
<input name="uri" value="sharing-your-work-and-coworking-to-share">
<input name="title" value="x"><input name="page" value="{site.url}{SAMPLE_ARTICLE}">
<input name="author" value="Mallory"><textarea name="text">forged</textarea>
<button>Send</button></form>""",
        encoding="utf-8",
    )
    other = served_site(evil)
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(other.url)
    with page.expect_response(lambda r: r.url == isso.url + "form/new") as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 403
    assert pending(isso) == []
    context.close()


def test_the_widget_replaces_the_link_to_the_plain_form(
    build, comment_server, served_site, chromium
):
    site, _ = production_site(build, comment_server, served_site)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    assert page.locator("[data-discussion-form]").count() == 1
    link = page.get_by_role("link", name="Leave a comment")
    assert link.is_visible()
    # Styled as the primary button, its ink stays readable under the pointer.
    style = "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    ink, background = link.evaluate(style)
    assert ink != background
    link.hover()
    hovered_ink, hovered_background = link.evaluate(style)
    assert hovered_ink == ink and hovered_background not in (background, ink)
    page.click("[data-discussion-load]")
    page.locator("#isso-thread .isso-thread-heading").filter(
        has_text=re.compile(r"\S")
    ).first.wait_for(timeout=15000)
    assert page.locator("[data-discussion-form]").count() == 0
    assert page.get_by_role("link", name="Leave a comment").count() == 0
    assert page.locator("#isso-thread .isso-postbox").count() == 1
    context.close()
