"""The comment form without JavaScript and the spam limits, on the production-shaped
comment server (the files `invoke comments-config` writes, gunicorn, Isso's own
database): form-encoded posts in two steps, the honeypot, the minimum time, the
cross-site guard, the links and size caps, and the per-address rate, for the
form and for the widget's JSON API alike."""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
from contextlib import closing
from urllib.parse import urlencode, urlsplit

from lxml import html

SITE = "http://127.0.0.1:9"
PAGE = SITE + "/2011/03/a-post/"
THREAD = "a-post"


def request(url: str, body: bytes, headers: dict) -> tuple[int, dict, bytes]:
    """One POST, redirects not followed: (status, headers, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.request(
            "POST", parts.path + ("?" + parts.query if parts.query else ""), body, headers
        )
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def form_post(isso_url: str, step: str, fields: dict, origin: str = SITE, **headers):
    return request(
        isso_url + "form/" + step,
        urlencode(fields).encode(),
        {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded", **headers},
    )


def reader_form(text: str = "A plain form, no script.", **extra) -> dict:
    """What the post's form sends (partials/discussion/form.html)."""
    return {
        "uri": THREAD,
        "title": "A post",
        "page": PAGE,
        "author": "Ada",
        "email": "",
        "website": "",
        "text": text,
        "subject": "",
        **extra,
    }


def preview_fields(body: bytes) -> dict:
    """The hidden fields of the preview page's Publish form."""
    page = html.fromstring(body)
    (form,) = page.xpath("//form")
    assert form.get("action") == "publish"
    return {field.get("name"): field.get("value") or "" for field in form.xpath(".//input")}


def comments(isso) -> list[tuple[str, int]]:
    with closing(sqlite3.connect(isso.config_dir / "comments.db")) as db:
        return db.execute("SELECT text, mode FROM comments ORDER BY id").fetchall()


def test_the_form_posts_in_two_steps_and_the_comment_is_held(comment_server):
    isso, _ = comment_server(SITE, min_seconds=2)
    status, headers, body = form_post(isso.url, "new", reader_form())
    assert status == 200, body
    assert "form-action 'self' http://127.0.0.1:9" in headers["Content-Security-Policy"]
    fields = preview_fields(body)
    assert fields["text"] == "A plain form, no script." and fields["token"]
    assert comments(isso) == []  # the preview stores nothing

    # Too fast: refused, nothing stored, the same preview offered again.
    status, headers, body = form_post(isso.url, "publish", fields, origin=isso.url.rstrip("/"))
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert preview_fields(body)["token"] == fields["token"]
    assert comments(isso) == []

    time.sleep(2.1)
    status, headers, _ = form_post(isso.url, "publish", fields, origin=isso.url.rstrip("/"))
    assert status == 303
    assert headers["Location"] == PAGE + "#comment-held"
    assert comments(isso) == [("A plain form, no script.", 2)]  # mode 2: pending


def test_the_honeypot_a_changed_comment_and_another_site_are_refused(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0)
    server = isso.url.rstrip("/")
    status, _, body = form_post(isso.url, "new", reader_form(subject="http://spam.example/"))
    assert status == 400 and b"refused" in body
    status, _, body = form_post(isso.url, "new", reader_form())
    fields = preview_fields(body)
    # A robot that skips the preview, fills the trap at publish or edits the
    # signed comment gets nothing in.
    status, _, _ = form_post(isso.url, "publish", {**fields, "subject": "x"}, origin=server)
    assert status == 400
    status, _, _ = form_post(isso.url, "publish", {**fields, "text": "edited"}, origin=server)
    assert status == 400
    status, _, _ = form_post(isso.url, "publish", {**fields, "token": ""}, origin=server)
    assert status == 400
    # A form on another origin, or one sending readers elsewhere.
    status, _, _ = form_post(isso.url, "new", reader_form(), origin="http://evil.test")
    assert status == 403
    status, _, _ = form_post(isso.url, "publish", fields, origin="http://evil.test")
    assert status == 403
    for page in ("http://evil.test/x/", SITE + "/x/\r\nSet-Cookie: a=b", "javascript:alert(1)"):
        status, _, body = form_post(isso.url, "new", reader_form(page=page))
        assert status == 400 and b"post of this site" in body, page
    assert comments(isso) == []
    # The genuine one still goes through.
    status, headers, _ = form_post(isso.url, "publish", fields, origin=server)
    assert status == 303 and headers["Location"].endswith("#comment-held")
    assert len(comments(isso)) == 1


def test_the_reader_is_sent_back_to_an_address_in_ascii_and_told_isso_s_reason(
    comment_server,
):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=1)
    server = isso.url.rstrip("/")
    page = SITE + "/2011/03/café/"
    _, _, body = form_post(isso.url, "new", reader_form(page=page))
    status, headers, _ = form_post(isso.url, "publish", preview_fields(body), origin=server)
    assert status == 303 and headers["Location"] == SITE + "/2011/03/caf%C3%A9/#comment-held"
    # Isso's own guard (one comment a minute here) refuses the next: its words reach the reader.
    _, _, body = form_post(isso.url, "new", reader_form("Again"))
    status, _, body = form_post(isso.url, "publish", preview_fields(body), origin=server)
    assert status == 403
    (message,) = html.fromstring(body).xpath("//main/p/text()")
    assert message.startswith("The comment server refused the comment: ")
    assert "ratelimit exceeded" in message and "<" not in message


def test_links_and_size_are_capped_for_the_form_and_the_widget(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, max_links=2, max_chars=200)
    links = "See https://a.example, www.b.example and [c](https://c.example)."
    status, _, body = form_post(isso.url, "new", reader_form(links))
    assert status == 400 and b"3 links; accepted: 2 or fewer" in body
    status, _, body = form_post(isso.url, "new", reader_form("x" * 201))
    assert status == 400 and b"201 characters; accepted: 200 or fewer" in body

    def widget(text: str) -> int:
        status, _, _ = request(
            f"{isso.url}new?uri={THREAD}",
            json.dumps({"text": text, "title": "A post"}).encode(),
            {"Origin": SITE, "Content-Type": "application/json"},
        )
        return status

    assert widget(links) == 400
    assert widget("x" * 201) == 400
    assert comments(isso) == []
    assert widget("Two links: https://a.example and https://b.example") == 202
    assert len(comments(isso)) == 1


def test_each_address_posts_at_most_post_rate_a_minute(comment_server):
    isso, _ = comment_server(SITE, post_rate=3, ratelimit=100, direct_reply=100)
    statuses = []
    for number in range(5):
        status, _, _ = request(
            f"{isso.url}new?uri={THREAD}",
            json.dumps({"text": f"Comment {number}", "title": "A post"}).encode(),
            # Through the proxy on this machine: each reader is its own address.
            {"Origin": SITE, "Content-Type": "application/json", "X-Forwarded-For": "192.0.2.7"},
        )
        statuses.append(status)
    assert statuses == [202, 202, 202, 429, 429]
    status, _, _ = request(
        f"{isso.url}new?uri={THREAD}",
        json.dumps({"text": "Another reader", "title": "A post"}).encode(),
        {"Origin": SITE, "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.8"},
    )
    assert status == 202
    assert len(comments(isso)) == 4


def approve_all(isso) -> None:
    """What a moderator's Validate does to every pending comment."""
    with closing(sqlite3.connect(isso.config_dir / "comments.db")) as db, db:
        db.execute("UPDATE comments SET mode = 1 WHERE mode = 2")


def post_with_the_form(isso, text: str, email: str) -> str:
    """The form's two steps; the Location the reader is sent to."""
    _, _, body = form_post(isso.url, "new", reader_form(text, email=email))
    status, headers, _ = form_post(
        isso.url, "publish", preview_fields(body), origin=isso.url.rstrip("/")
    )
    assert status == 303
    return headers["Location"]


def test_first_comments_are_held_and_a_known_commenter_is_not(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=100, direct_reply=100)
    assert post_with_the_form(isso, "My first", "ada@example.org").endswith("#comment-held")
    approve_all(isso)
    assert post_with_the_form(isso, "My second", "ada@example.org").endswith("#comment-shown")
    # Someone else's first comment still waits.
    assert post_with_the_form(isso, "Hello", "bob@example.org").endswith("#comment-held")
    assert comments(isso) == [("My first", 1), ("My second", 1), ("Hello", 2)]


def test_moderation_all_holds_every_comment(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=100, direct_reply=100, moderation="all")
    post_with_the_form(isso, "My first", "ada@example.org")
    approve_all(isso)
    assert post_with_the_form(isso, "My second", "ada@example.org").endswith("#comment-held")


def test_the_local_server_takes_the_form_of_a_site_built_without_siteurl(isso_server):
    """`invoke serve`'s Isso (commons.servers.IssoServer): the dev build names its posts by
    path, so the post is on the origin the form came from."""
    isso = isso_server([SITE], moderation=True, limits={"min_seconds": 0})
    path = "/2011/03/a-post/"
    _, _, body = form_post(isso.url, "new", reader_form(page=path))
    fields = preview_fields(body)
    assert fields["page"] == SITE + path
    status, headers, _ = form_post(isso.url, "publish", fields, origin=isso.url.rstrip("/"))
    assert status == 303 and headers["Location"] == SITE + path + "#comment-held"
    # Without a site origin to resolve it against, a path names no post.
    status, _, _ = form_post(isso.url, "new", reader_form(page="//evil.test/x/"))
    assert status == 400
