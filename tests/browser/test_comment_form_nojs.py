"""Commenting without JavaScript, for real: the production build served with its
Content-Security-Policy, the production-shaped comment server (gunicorn), and
Chromium with JavaScript off. The reader fills in the post's plain form,
checks the preview, publishes, and lands back on the post with the "held"
notice; the comment waits in Isso's database. The same form on another
origin is refused; with JavaScript on, the widget replaces the form."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

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
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    answer = page.goto(post_url)
    assert "form-action 'self' " + isso.url.rstrip("/") in answer.headers["content-security-policy"]
    held = page.locator("#comment-held")
    assert not held.is_visible()
    form = page.locator("form[data-discussion-form]")
    form.get_by_label("Name").fill("Grace")
    form.get_by_label("Comment").fill(COMMENT)
    form.get_by_role("button", name="Preview and publish").click()

    # The comment server's preview: the comment as it will be posted.
    page.wait_for_url(isso.url + "form/new")
    assert page.locator("blockquote").inner_text() == COMMENT
    assert pending(isso) == []
    page.wait_for_timeout(1100)  # min_seconds
    page.get_by_role("button", name="Publish the comment").click()

    # Back on the post, at its canonical address (the form's page field).
    page.wait_for_url(post_url.removesuffix("index.html") + "#comment-held")
    assert held.is_visible()
    assert "held for moderation" in held.inner_text()
    assert not page.locator("#comment-shown").is_visible()
    assert pending(isso) == [("Grace", COMMENT, 2)]
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


def test_the_widget_replaces_the_plain_form(build, comment_server, served_site, chromium):
    site, _ = production_site(build, comment_server, served_site)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(site.url + SAMPLE_ARTICLE, wait_until="networkidle")
    assert page.locator("form[data-discussion-form]").count() == 1
    page.click("[data-discussion-load]")
    page.locator("#isso-thread .isso-thread-heading").filter(
        has_text=re.compile(r"\S")
    ).first.wait_for(timeout=15000)
    assert page.locator("form[data-discussion-form]").count() == 0
    assert page.locator("#isso-thread .isso-postbox").count() == 1
    context.close()
