"""The discussion loop in production, walked as its people walk it.

The production shape: Isso under gunicorn behind Commons' app (moderation and
mail on), a real nginx in front of it and of the published folder, a real SMTP
server on 127.0.0.1 (aiosmtpd), and the comment publisher sending the site by
rsync. A reader with JavaScript off comments through the post's plain form and
asks to hear of replies; the moderator approves it from the e-mail; the static
page, the listing's count and the feed show it by themselves within the
budget; a reply, approved the same way, reaches the first commenter's inbox
with a working unsubscribe link.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest

from commons.comments.server import local_server
from commons.servers import free_port
from tests.browser.test_comments_nginx_guard import NGINX, Nginx
from tests.build.test_comment_mail import (  # noqa: F401 (smtp_server is a fixture)
    MODERATOR,
    follow,
    link,
    smtp_env,
    smtp_server,
)
from tests.build.test_comment_publisher import (
    POST_PATH,
    THREAD,
    VISIBLE_WITHIN,
    Production,
    nginx_conf,
)
from tests.conftest import require

ADA = "ada@readers.test"
FIRST = "Could the Thursday lunch move to the garden room?"
REPLY = "Yes please, and bring the big table."


@pytest.fixture
def loop(publish_settings, tmp_path, smtp_server):  # noqa: F811
    require(Path(NGINX).exists(), "nginx", "apt-get install nginx")
    controller, mailbox = smtp_server
    port, public_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{port}"
    public = f"http://127.0.0.1:{public_port}/"
    isso, _ = local_server(
        publish_settings,
        tmp_path / "comments",
        origin,
        public_url=public,
        notify_email=True,
        reply_notifications=True,
        min_seconds=1,
    )
    isso.env.update(smtp_env(controller))
    www = tmp_path / "www"
    www.mkdir()
    snippet = isso.config_dir / "nginx-comments.conf"
    nginx = Nginx(nginx_conf(tmp_path, port, www, public_port, snippet), port)
    with (
        open(tmp_path / "comments.log", "w", encoding="utf-8") as isso_log,
        open(tmp_path / "nginx.log", "w", encoding="utf-8") as nginx_log,
    ):
        isso.start(isso_log)
        nginx.start(nginx_log)
        site = Production(tmp_path, origin, public, isso, www)
        try:
            yield site, mailbox
        finally:
            site.stop()
            nginx.stop()
            isso.stop()


def stored(site: Production, text: str) -> tuple[int, int]:
    """The comment's id and whether its author asked for replies by mail."""
    with closing(sqlite3.connect(site.isso.config_dir / "comments.db")) as db:
        [row] = db.execute("SELECT id, notification FROM comments WHERE text = ?", (text,))
    return row


def reply_from_another_network(site: Production, parent: int) -> None:
    """Bo replies from his own network (Isso refuses a reply from the author's own
    address), straight to gunicorn as nginx forwards it, with his X-Forwarded-For."""
    request = urllib.request.Request(
        f"{site.isso.url}new?uri={quote(THREAD, safe='')}",
        data=json.dumps({"text": REPLY, "author": "Bo", "parent": parent}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": site.origin,
            "X-Forwarded-For": "203.0.113.9",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202, "moderation is on: the reply is held"


def approve_from_mail(site: Production, mailbox, count: int, text: str) -> float:
    """Follow the approve link of the moderator's `count`th mail; the time it was approved."""
    held = mailbox.wait_for(MODERATOR, count, timeout=30)
    assert text in held.get_content()
    url = link(held, "Activate comment")
    public = site.client.isso.url.rstrip("/")
    assert url.startswith(public + "/id/"), url
    status, page = follow(url, public, "GET")
    assert status == 200 and "Are you sure?" in page
    status, answer = follow(url, public, "POST")
    assert status == 200, answer
    return time.monotonic()


def test_a_comment_goes_round_the_whole_loop(loop, chromium):
    site, mailbox = loop
    site.start()
    site.wait_for("No comments yet.", timeout=180)

    # A reader without JavaScript: the post's link to the plain form, the form, its
    # preview, the thank-you page, then the post again.
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.origin}/{POST_PATH}")
    page.get_by_role("link", name="Leave a comment").click()
    page.wait_for_url(site.client.isso.url + "form/new?**")
    form = page.locator("form")
    form.get_by_label("Name").fill("Ada")
    form.get_by_label("E-mail (optional, never shown)").fill(ADA)
    form.get_by_label("E-mail me replies").check()
    form.get_by_label("Comment").fill(FIRST)
    form.get_by_role("button", name="Preview and publish").click()
    page.wait_for_url(site.client.isso.url + "form/new")
    page.wait_for_timeout(1100)  # the form's min_seconds
    page.get_by_role("button", name="Publish the comment").click()
    assert "held for moderation" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Back to ").click()
    page.wait_for_url(f"{site.origin}/{POST_PATH}")
    context.close()
    assert FIRST not in site.snapshot_text()

    # The moderator approves from the mail; the static site follows by itself.
    approved = approve_from_mail(site, mailbox, 1, FIRST)
    site.wait_for(FIRST)
    site.wait_until(lambda: site.listing_count() == "1" and site.feed_count() == "1")
    visible = time.monotonic() - approved
    assert visible < VISIBLE_WITHIN, visible
    print(f"approval to visible: {visible:.1f} s")

    # A reply, approved the same way: Ada gets one mail with it, and can leave.
    first_id, asked = stored(site, FIRST)
    assert asked == 1, "the form's 'E-mail me replies' reached Isso"
    reply_from_another_network(site, first_id)
    approve_from_mail(site, mailbox, 2, REPLY)
    told = mailbox.wait_for(ADA, 1, timeout=30)
    assert REPLY in told.get_content()
    unsubscribe = link(told, "Unsubscribe from this conversation")
    status, answer = follow(unsubscribe, site.client.isso.url.rstrip("/"), "GET")
    assert status == 200 and "unsubscribed" in answer
    assert stored(site, FIRST) == (first_id, 0)
    site.wait_for(REPLY)
    assert len(mailbox.to(ADA)) == 1
