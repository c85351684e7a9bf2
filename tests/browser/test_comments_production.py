"""The production comment server, for real: the configuration `invoke
comments-config` writes, run by gunicorn on 127.0.0.1, used from Chromium by a
reader (post, held for moderation) and by the moderator (logs in to Isso's
admin interface with the password from the environment, approves), then seen
published by another reader. The site is the production build, served with
its Content-Security-Policy."""

from __future__ import annotations

import json
import re
import urllib.request

from commons import PUBLISH_SETTINGS
from commons.servers import free_port
from tests.conftest import SAMPLE_ARTICLE

THREAD_ID = "sharing-your-work-and-coworking-to-share"
COMMENT = "Our repair café meets on Saturdays: who can fix a toaster?"


def published(isso_url: str) -> list[str]:
    """The texts of the thread's published comments, from Isso's API."""
    with urllib.request.urlopen(f"{isso_url}?uri={THREAD_ID}", timeout=10) as answer:
        return [comment["text"] for comment in json.load(answer)["replies"]]


def open_thread(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.click("[data-discussion-load]")
    page.locator("#isso-thread .isso-thread-heading").filter(
        has_text=re.compile(r"\S")
    ).first.wait_for(timeout=15000)
    return page


def test_post_moderate_publish(build, comment_server, served_site, chromium):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso, password = comment_server(origin)
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": origin, "COMMONS_ISSO_URL": isso.url},
    )
    site = served_site(output, port=port, headers_file="_headers")
    post_url = site.url + SAMPLE_ARTICLE

    # A reader posts: Isso accepts it into the moderation queue (mode 2).
    reader = chromium.new_context()
    page = open_thread(reader, post_url)
    postbox = page.locator("#isso-thread .isso-postbox").first
    postbox.locator("textarea.isso-textarea").fill(COMMENT)
    postbox.locator("input[name=author]").fill("Grace")
    with page.expect_response(lambda r: "/new?" in r.url) as answer:
        postbox.locator("input[type=submit]").click()
    assert answer.value.status == 202
    assert answer.value.json()["mode"] == 2
    reader.close()

    # Held: another reader does not see it, nor does the API publish it.
    other = chromium.new_context()
    page = open_thread(other, post_url)
    assert page.locator("#isso-root .isso-comment").count() == 0
    other.close()
    assert published(isso.url) == []

    # The moderator: a wrong password is refused, the right one opens the queue.
    moderator = chromium.new_context()
    admin = moderator.new_page()
    admin.goto(isso.url + "admin/")
    admin.fill("input[name=password]", "not-the-password")
    admin.press("input[name=password]", "Enter")
    admin.wait_for_load_state()
    assert admin.locator(".isso-comment").count() == 0
    admin.goto(isso.url + "admin/")
    admin.fill("input[name=password]", password)
    admin.press("input[name=password]", "Enter")
    queued = admin.locator(".isso-comment", has_text="repair café")
    queued.wait_for(timeout=15000)
    with admin.expect_response(lambda r: "/activate/" in r.url) as activation:
        queued.get_by_text("Validate").click()
    assert activation.value.status == 200
    moderator.close()

    # Published: the API and a new reader see it.
    assert published(isso.url) == [f"<p>{COMMENT}</p>"]
    later = chromium.new_context()
    page = open_thread(later, post_url)
    page.locator("#isso-root .isso-comment .isso-text", has_text="repair café").wait_for(
        timeout=15000
    )
    later.close()
