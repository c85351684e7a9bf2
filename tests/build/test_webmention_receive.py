"""The Webmention endpoint, in process, against sources on 127.0.0.1: what it
refuses at once, what it refuses after fetching, and what it stores.

The endpoint is the one the comment server runs (commons/webmention/endpoint.py);
its verifying thread runs as in production. The target is a stand-in page of
the site with an open discussion (the two-site test uses real Commons sites).
"""

from __future__ import annotations

import io
import time
from urllib.parse import urlencode

import pytest

from commons.comments.limits import Limits
from commons.webmention.endpoint import MAX_BODY, WebmentionEndpoint
from commons.webmention.fetch import AddressRule, FetchLimits
from commons.webmention.mail import ModeratorMail
from commons.webmention.store import Store
from tests.build.test_comment_mail import (  # noqa: F401 (smtp_server is a fixture)
    MODERATOR,
    smtp_server,
)
from tests.webmention_servers import PageServer, html_answer, redirect_answer

THREAD = "a-post"
TARGET_PAGE = f"""<!DOCTYPE html><title>A post</title>
<article class="h-entry"><h1 class="p-name">A post</h1>
<section class="discussion" data-discussion-id="{THREAD}" data-discussion-state="open"></section>
</article>"""


def source_page(target: str, body: str = "", head: str = "") -> str:
    return f"""<!DOCTYPE html><html><head>{head}<title>Reply</title></head><body>
<article class="h-entry">
<a class="p-author h-card" href="/about/">Bea</a>
<time class="dt-published" datetime="2026-11-30T10:00:00Z">30 Nov</time>
<div class="e-content">{body or f'<p>About <a href="{target}">this post</a>.</p>'}</div>
</article></body></html>"""


class Endpoint:
    def __init__(self, tmp_path, site: PageServer, *allowed: PageServer, limits=None, mail=None):
        self.log: list[str] = []
        self.app = WebmentionEndpoint(
            lambda environ, start_response: [],
            site_origins=[site.origin],
            store_file=tmp_path / "webmentions.sqlite",
            limits=limits or Limits(),
            rate_file=tmp_path / "limits.sqlite",
            rule=AddressRule(frozenset(server.port for server in allowed)),
            fetch_limits=FetchLimits(max_bytes=200_000, seconds=2.0, redirects=3),
            log=self.log.append,
            mail=mail,
        )
        self.store = Store(tmp_path / "webmentions.sqlite")
        self.target = site.origin + "/2026/11/a-post/"
        self.sent = 0

    def post(self, fields: dict, content_type="application/x-www-form-urlencoded", address="1"):
        body = urlencode(fields).encode()
        answered = {}

        def start_response(status, headers, exc_info=None):
            answered["status"] = int(status.split()[0])

        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/webmention",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": f"192.0.2.{address}",
            "wsgi.input": io.BytesIO(body),
        }
        text = b"".join(self.app(environ, start_response)).decode()
        return answered["status"], text

    def mention(self, source: str, target: str | None = None) -> int:
        self.sent += 1  # each from its own address: the rate limit is tested on its own
        fields = {"source": source, "target": target or self.target}
        status, text = self.post(fields, address=str(self.sent))
        assert status == 202, text
        return status

    def settled(self, seconds: float = 15.0, retried: int = 0) -> list:
        """The stored mentions once every job due is verified; `retried` jobs
        are left waiting to be tried again later."""
        deadline = time.monotonic() + seconds
        while self.store.pending_jobs()[0] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.store.pending_jobs() == (0, retried), self.log
        return self.store.listing()


@pytest.fixture
def site():
    with PageServer(html_answer(TARGET_PAGE)) as server:
        yield server


def test_what_is_refused_at_once(tmp_path, site):
    endpoint = Endpoint(tmp_path, site, limits=Limits(post_rate=3))
    target = endpoint.target
    cases = [
        ({"target": target}, 400),
        ({"source": "ftp://blog.example/x", "target": target}, 400),
        ({"source": "javascript:alert(1)//", "target": target}, 400),
        ({"source": target + "#again", "target": target}, 400),
        ({"source": "https://blog.example/x", "target": "https://elsewhere.example/post/"}, 400),
        ({"source": "https://blog.example/x", "target": "https://x\n.example/"}, 400),
        ({"source": "https://blog.example/" + "x" * MAX_BODY, "target": target}, 413),
    ]
    for fields, expected in cases:
        assert endpoint.post(fields)[0] == expected, fields
    fields = {"source": "https://blog.example/x", "target": target}
    assert endpoint.post(fields, content_type="application/json")[0] == 415
    endpoint.store.block("spam.example")
    assert endpoint.post({**fields, "source": "https://www.spam.example/x"})[0] == 400
    # The comments' rate limit, per sender's address.
    assert [endpoint.post(fields, address="7")[0] for _ in range(4)] == [202, 202, 202, 429]
    assert endpoint.post(fields, address="8")[0] == 202


def test_hostile_sources_are_not_stored_and_reach_nothing_inside(tmp_path, site):
    with PageServer(html_answer("<p>internal admin</p>")) as inner:
        target = f"{site.origin}/2026/11/a-post/"
        huge = source_page(target, body=f'<a href="{target}">x</a>' + "y" * 500_000)

        def slow(request):
            request.send_response(200)
            request.send_header("Content-Type", "text/html")
            request.end_headers()
            for _ in range(40):
                request.wfile.write(b" ")
                request.wfile.flush()
                time.sleep(0.2)

        with (
            PageServer(redirect_answer(f"{inner.origin}/admin")) as inward,
            PageServer(redirect_answer("http://169.254.169.254/latest/")) as metadata,
            PageServer(html_answer(huge)) as big,
            PageServer(slow) as dripping,
            PageServer(html_answer(source_page("https://elsewhere.example/"))) as unrelated,
        ):
            endpoint = Endpoint(tmp_path, site, inward, metadata, big, dripping, unrelated)
            for server in (inward, metadata, big, dripping, unrelated):
                endpoint.mention(server.origin + "/reply/")
            # A post of the site, but a page without a discussion.
            endpoint.mention(big.origin + "/reply/", site.origin + "/about/")
            started = time.monotonic()
            # The slow one is cut at 2 s and waits to be tried again later.
            assert endpoint.settled(retried=1) == []
            assert time.monotonic() - started < 10
    assert inner.requests == []
    text = "\n".join(endpoint.log)
    assert "not a public address" in text and "loopback" in text
    assert "larger than 200,000 bytes" in text
    assert "does not link to" in text


def test_a_changed_source_is_held_again_and_a_gone_one_is_removed(tmp_path, site):
    pages = {"body": ""}

    def answer(request):
        if pages["body"] is None:
            html_answer("gone", status=410)(request)
        else:
            html_answer(source_page(endpoint.target, pages["body"]))(request)

    with PageServer(answer) as blog:
        endpoint = Endpoint(tmp_path, site, blog)
        source = blog.origin + "/reply/"
        endpoint.mention(source)
        [first] = endpoint.settled()
        assert first.status == "held" and first.mention.kind == "mention"
        assert first.mention.author == "Bea" and first.mention.author_url == blog.origin + "/about/"
        endpoint.store.approve(first.id)

        endpoint.mention(source)  # the same page: still approved
        assert endpoint.settled()[0].status == "approved"

        pages["body"] = f'<p>Now I disagree with <a href="{endpoint.target}">it</a>.</p>'
        endpoint.mention(source)
        [changed] = endpoint.settled()
        assert changed.id == first.id and changed.status == "held"
        assert "disagree" in changed.mention.content

        pages["body"] = None  # 410 Gone
        endpoint.mention(source)
        assert endpoint.settled() == []


def test_replies_likes_and_reposts_are_told_apart(tmp_path, site):
    kinds = {}

    def answer(request):
        kind = request.path.strip("/")
        target = f"{site.origin}/2026/11/a-post/"
        link = f'<a class="u-{kinds[kind]}" href="{target}">the post</a>' if kinds[kind] else ""
        html_answer(source_page(target, f"<p>{kind} {link}</p>"))(request)

    kinds.update({"reply": "in-reply-to", "like": "like-of", "repost": "repost-of"})
    with PageServer(answer) as blog:
        endpoint = Endpoint(tmp_path, site, blog)
        for kind in kinds:
            endpoint.mention(f"{blog.origin}/{kind}/")
        found = {
            item.mention.source.rsplit("/", 2)[-2]: item.mention for item in endpoint.settled()
        }
    assert {name: mention.kind for name, mention in found.items()} == {
        "reply": "reply",
        "like": "like",
        "repost": "repost",
    }
    assert found["like"].content == "" and "reply" in found["reply"].content


def test_the_moderator_is_mailed_for_each_held_mention(tmp_path, site, smtp_server):  # noqa: F811
    from isso import config

    controller, mailbox = smtp_server
    conf = config.load(config.default_file())
    conf.set("general", "notify", "smtp")
    for name, value in {
        "host": controller.hostname,
        "port": str(controller.port),
        "security": "none",
        "from": "Commons comments <comments@commons.test>",
        "to": MODERATOR,
    }.items():
        conf.set("smtp", name, value)
    author = {"name": "Bea\nBcc: everyone@victim.test"}

    def answer(request):
        target = f"{site.origin}/2026/11/a-post/"
        page = source_page(target).replace(">Bea<", f">{author['name']}<")
        html_answer(page)(request)

    with PageServer(answer) as blog:
        endpoint = Endpoint(tmp_path, site, blog, mail=ModeratorMail.of(conf))
        endpoint.mention(blog.origin + "/reply/")
        [held] = endpoint.settled()
        message = mailbox.wait_for(MODERATOR, 1)
        assert f"--approve {held.id}" in message.get_content()
        assert "Bcc" not in message and message["To"] == MODERATOR
        assert (
            message["Subject"]
            == f"New mention from Bea Bcc: everyone@victim.test, held (webmention #{held.id})"
        )
        endpoint.mention(blog.origin + "/reply/")  # the same page again: no second mail
        endpoint.settled()
        author["name"] = "Bea, edited"
        endpoint.mention(blog.origin + "/reply/")  # changed: held again, mailed again
        endpoint.settled()
        assert "Bea, edited" in mailbox.wait_for(MODERATOR, 2)["Subject"]
    assert len(mailbox.to(MODERATOR)) == 2
    # Without an SMTP host the configuration sends nothing (Isso's mail is off too).
    conf.set("smtp", "host", "")
    assert ModeratorMail.of(conf) is None


@pytest.mark.parametrize(
    ("source", "author_url", "linked"),
    [
        ("https://www.ana.example/reply/", "https://ana.example/", True),
        ("https://ana.example/reply/", "https://blog.ana.example/me", True),
        ("https://ana.shared-host.example/r/", "https://shared-host.example/", False),
        ("https://ana.example/reply/", "https://victim.example/", False),
        ("https://ana.example/reply/", "https://ana.example.evil.test/", False),
        ("https://ana.example/reply/", "javascript:alert(1)//ana.example/", False),
    ],
)
def test_an_author_is_linked_only_on_the_sources_own_host(source, author_url, linked):
    from commons.webmention.fetch import Page
    from commons.webmention.verify import read_mention
    from plugins.discussion.snapshot import comment_cleaner

    target = "https://site.example/post/"
    body = source_page(target).replace('href="/about/"', f'href="{author_url}"')
    page = Page(source, 200, "text/html; charset=utf-8", body.encode())
    mention = read_mention(page, source, target, THREAD, Limits(), comment_cleaner())
    assert mention.author == "Bea"
    assert mention.author_url == (author_url if linked else None)


def test_the_moderation_task_says_what_is_wrong_and_the_fix(tmp_path, capsys):
    from invoke import Context, Exit

    import tasks

    database = str(tmp_path / "comments.db")
    for options, said in (
        ({"approve": 9}, "There is no webmention #9. Fix: list them"),
        ({"delete": 9}, "There is no webmention #9. Fix: list them"),
        ({"block": "spam.example/path"}, "is not a domain name. Fix: give one such as"),
        ({"unblock": "never.example"}, "'never.example' is not blocked."),
    ):
        with pytest.raises(Exit) as failure:
            tasks.comments_webmentions(Context(), database=database, **options)
        assert failure.value.code == 1 and said in str(failure.value.message), options
    with pytest.raises(Exit) as failure:
        tasks.comments_webmentions(Context(), database=str(tmp_path / "nowhere" / "comments.db"))
    assert "does not exist" in str(failure.value.message) and "--database" in str(
        failure.value.message
    )
    tasks.comments_webmentions(Context(), block="Spam.Example", database=database)
    tasks.comments_webmentions(Context(), database=database)
    out = capsys.readouterr().out
    assert "Blocked spam.example and its subdomains" in out
    assert "0 webmention(s) held, 0 approved; blocked: spam.example." in out


def test_a_page_no_parser_reads_is_dropped_and_the_verifier_goes_on(tmp_path, site):
    with (
        PageServer(html_answer("<!-- nothing but a comment -->")) as empty,
        PageServer(html_answer(source_page(f"{site.origin}/2026/11/a-post/"))) as good,
    ):
        endpoint = Endpoint(tmp_path, site, empty, good)
        endpoint.mention(empty.origin + "/reply/")
        endpoint.mention(good.origin + "/reply/")
        [stored] = endpoint.settled()
    assert stored.mention.source == good.origin + "/reply/"
    assert any("unreadable page" in line for line in endpoint.log)


def test_a_job_whose_worker_died_each_time_is_dropped(tmp_path):
    from commons.webmention.store import CLAIM_SECONDS, MAX_ATTEMPTS

    store = Store(tmp_path / "webmentions.sqlite")
    store.enqueue("https://a.example/", "https://site.example/post/", now=0)
    now = 0.0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        now += CLAIM_SECONDS + 1  # the worker that claimed it last never finished
        job = store.claim(now)
        assert job is not None and job.attempts == attempt
    assert store.claim(now + CLAIM_SECONDS + 1) is None
    assert store.pending_jobs(now) == (0, 0)


def test_the_local_comment_server_receives_webmentions_as_production_does(isso_server):
    import json
    import urllib.request

    site = "http://127.0.0.1:9"
    isso = isso_server([site])  # `invoke serve`'s Isso (commons/comments/app.py's local front)
    fields = urlencode({"source": "https://blog.example/reply/", "target": f"{site}/post/"})
    request = urllib.request.Request(isso.url + "webmention", data=fields.encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202
    with urllib.request.urlopen(isso.url + "commons/webmentions?uri=a-post", timeout=10) as answer:
        assert json.load(answer) == {"format": 1, "mentions": [], "thread": "a-post"}


def test_gunicorn_refuses_to_start_with_a_bad_loopback_setting(publish_settings, tmp_path):
    from commons.comments.server import GunicornIsso, local_server
    from commons.webmention.fetch import LOOPBACK_PORTS_ENV

    isso, _ = local_server(publish_settings, tmp_path / "data", "http://127.0.0.1:9")
    refused = GunicornIsso(isso.config_dir, {**isso.env, LOOPBACK_PORTS_ENV: "everything"})
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log, pytest.raises(RuntimeError, match="exited with code"):
        refused.start(log)
    text = log_path.read_text()
    assert f"{LOOPBACK_PORTS_ENV} is 'everything'; accepted: port numbers" in text
    assert "Fix:" in text
