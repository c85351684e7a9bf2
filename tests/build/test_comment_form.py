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


def thanks(body: bytes) -> tuple[str, str]:
    """What the thank-you page after publishing says, and where its link goes back to."""
    page = html.fromstring(body)
    (said,) = page.xpath("//main/p[@role='status']/text()")
    (back,) = page.xpath("//main//a/@href")
    return said, back


HELD = "Thank you: your comment is held for moderation."
SHOWN = "Thank you: your comment is published; it appears on the post once the site is updated."


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
    status, headers, body = form_post(isso.url, "publish", fields, origin=isso.url.rstrip("/"))
    assert status == 200
    assert thanks(body) == (HELD, PAGE)
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
    status, _, body = form_post(isso.url, "publish", fields, origin=server)
    assert status == 200 and thanks(body) == (HELD, PAGE)
    assert len(comments(isso)) == 1


def test_the_reader_is_linked_back_to_the_post_and_told_isso_s_reason(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=1)
    server = isso.url.rstrip("/")
    page = SITE + "/2011/03/café/"
    _, _, body = form_post(isso.url, "new", reader_form(page=page))
    status, _, body = form_post(isso.url, "publish", preview_fields(body), origin=server)
    assert status == 200 and thanks(body) == (HELD, page)
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
    """The form's two steps; what the thank-you page says."""
    _, _, body = form_post(isso.url, "new", reader_form(text, email=email))
    status, _, body = form_post(
        isso.url, "publish", preview_fields(body), origin=isso.url.rstrip("/")
    )
    assert status == 200
    said, back = thanks(body)
    assert back == PAGE
    return said


def test_first_comments_are_held_and_a_known_commenter_is_not(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=100, direct_reply=100)
    assert post_with_the_form(isso, "My first", "ada@example.org") == HELD
    approve_all(isso)
    assert post_with_the_form(isso, "My second", "ada@example.org") == SHOWN
    # Someone else's first comment still waits.
    assert post_with_the_form(isso, "Hello", "bob@example.org") == HELD
    assert comments(isso) == [("My first", 1), ("My second", 1), ("Hello", 2)]


def test_moderation_all_holds_every_comment(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=100, direct_reply=100, moderation="all")
    post_with_the_form(isso, "My first", "ada@example.org")
    approve_all(isso)
    assert post_with_the_form(isso, "My second", "ada@example.org") == HELD


def test_the_local_server_takes_the_form_of_a_site_built_without_siteurl(isso_server):
    """`invoke serve`'s Isso (commons.servers.IssoServer): the dev build names its posts by
    path, so the post is on the origin the form came from."""
    isso = isso_server([SITE], moderation=True, limits={"min_seconds": 0})
    path = "/2011/03/a-post/"
    _, _, body = form_post(isso.url, "new", reader_form(page=path))
    fields = preview_fields(body)
    assert fields["page"] == SITE + path
    status, _, body = form_post(isso.url, "publish", fields, origin=isso.url.rstrip("/"))
    assert status == 200 and thanks(body) == (HELD, SITE + path)
    # Without a site origin to resolve it against, a path names no post.
    status, _, _ = form_post(isso.url, "new", reader_form(page="//evil.test/x/"))
    assert status == 400


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET, as a reader's browser follows a link: (status, headers, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.request("GET", parts.path + "?" + parts.query, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def form_page(isso_url: str, **query) -> tuple[int, dict, bytes]:
    """The comment server's form page, as the post's "Leave a comment" link opens it."""
    fields = {"uri": THREAD, "title": "A post", "page": PAGE, **query}
    return get(
        isso_url + "form/new?" + urlencode({k: v for k, v in fields.items() if v is not None})
    )


def filled(body: bytes, **reader) -> dict:
    """The form page's fields as a reader sends them: the hidden ones as given."""
    (form,) = html.fromstring(body).xpath("//form")
    assert (form.get("method"), form.get("action")) == ("post", "new")
    fields = {field.get("name"): field.get("value") or "" for field in form.xpath(".//input")}
    fields.pop("notify")  # an unticked box sends nothing
    return {**fields, **reader}


def test_the_form_page_holds_the_post_s_form_and_posts_to_its_own_server(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0, ratelimit=100, direct_reply=100)
    server = isso.url.rstrip("/")
    status, headers, body = form_page(isso.url)
    assert status == 200, body
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self' http://127.0.0.1:9" in csp
    page = html.fromstring(body)
    assert page.get("lang") == "en"
    assert page.xpath("string(//title)") == "A post"
    assert page.xpath("string(//h1)") == "A post"
    assert page.xpath("//main//a/@href") == [PAGE]  # the way back: the post, nothing else
    assert not page.xpath("//script")
    (form,) = page.xpath("//form")
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"uri": THREAD, "title": "A post", "page": PAGE}
    names = {field.get("name") for field in form.xpath(".//input | .//textarea")}
    assert names == {
        "uri",
        "title",
        "page",
        "author",
        "email",
        "notify",
        "website",
        "text",
        "subject",
    }
    # Every field a reader sees has its label.
    for field in form.xpath(".//input[not(@type='hidden')] | .//textarea"):
        assert form.xpath(f".//label[@for='{field.get('id')}']"), field.get("name")
    assert not form.xpath(".//select")  # no published comment yet: nothing to reply to

    # The form page's own post comes from the comment server's origin: the guard
    # lets it through, the preview and the publish steps follow.
    fields = filled(body, author="Ada", text="From the form page.")
    status, _, body = form_post(isso.url, "new", fields, origin=server)
    assert status == 200, body
    status, _, body = form_post(isso.url, "publish", preview_fields(body), origin=server)
    assert status == 200 and thanks(body) == (HELD, PAGE)
    assert comments(isso) == [("From the form page.", 2)]

    # Once published, the comment is one the reader can reply to.
    approve_all(isso)
    _, _, body = form_page(isso.url)
    (choice,) = html.fromstring(body).xpath("//select[@name='parent']")
    options = [(o.get("value"), o.text_content()) for o in choice.xpath("option")]
    assert options[0] == ("", "The post") and len(options) == 2
    assert options[1][1].startswith("Ada, ") and options[1][0].isdigit()
    fields = filled(body, author="Bob", text="A reply.", parent=options[1][0])
    # Another reader (Isso refuses a reply to one's own comment while it may be edited).
    bob = {"X-Forwarded-For": "198.51.100.8"}
    _, _, body = form_post(isso.url, "new", fields, origin=server, **bob)
    status, _, body = form_post(isso.url, "publish", preview_fields(body), origin=server, **bob)
    assert status == 200, body
    with closing(sqlite3.connect(isso.config_dir / "comments.db")) as db:
        assert db.execute("SELECT parent FROM comments WHERE text = 'A reply.'").fetchone() == (
            int(options[1][0]),
        )


SCRIPT = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_the_form_page_escapes_every_value_and_names_only_site_posts(comment_server):
    isso, _ = comment_server(SITE, min_seconds=0)
    # Markup in the title, the thread id and the post's address stays text.
    hostile_page = PAGE + '?a="><script>alert(3)</script>'
    status, _, body = form_page(isso.url, title=SCRIPT, uri=SCRIPT, page=hostile_page)
    assert status == 200, body
    page = html.fromstring(body)
    assert not page.xpath("//script | //img | //@*[starts-with(name(), 'on')]")
    assert page.xpath("string(//h1)") == SCRIPT
    assert page.xpath("string(//title)") == SCRIPT
    assert page.xpath("//main//a/@href") == [hostile_page]
    hidden = {i.get("name"): i.get("value") for i in page.xpath("//input[@type='hidden']")}
    assert hidden == {"uri": SCRIPT, "title": SCRIPT, "page": hostile_page}

    # Another site's page, a script address, a header's end: no form, a page that says why.
    for address in (
        "http://evil.test/x/",
        "javascript:alert(1)//" + PAGE,
        "//evil.test/x/",
        PAGE + "\r\nSet-Cookie: a=b",
        "data:text/html,<script>alert(1)</script>",
    ):
        status, headers, body = form_page(isso.url, page=address)
        assert status == 400, address
        page = html.fromstring(body)
        assert "does not name a post of this site" in page.xpath("string(//main/p)")
        assert not page.xpath("//form | //a | //script"), address
        assert headers["Content-Type"] == "text/html; charset=utf-8"

    # Missing and overlong values: a clear refusal naming the field.
    status, _, body = form_page(isso.url, uri=None, title="")
    assert status == 400
    said = html.fromstring(body).xpath("string(//main/p)")
    assert said.startswith("The link to this form lacks the post's uri and title.")
    assert "Leave a comment" in said
    status, _, body = get(isso.url + "form/new")
    assert status == 400 and b"lacks the post&#x27;s uri and title and page" in body
    status, _, body = form_page(isso.url, title="x" * 2049)
    said = html.fromstring(body).xpath("string(//main/p)")
    assert status == 400 and "title in the link to this form is longer than 2048" in said
    status, _, _ = form_page(isso.url, title="x" * 2048)
    assert status == 200
