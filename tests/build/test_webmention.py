"""Two Commons sites on 127.0.0.1 mention each other (issue 29, "Tests").

Site A publishes a post that links site B's post and sends the webmention as
`invoke publish` does (endpoint discovered on B's page); B's comment server
(the production shape: gunicorn, Commons' app) receives it, answers 202 at
once, verifies it and holds it; the moderator approves it with the
`comments-webmentions` task; B's rebuilt static page shows it without
JavaScript (an h-cite of the post's h-entry, read with mf2py) and its feed
counts it. A edits the link away and sends again; B's server verifies again
and removes it.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import mf2py
from invoke import Context
from lxml import etree

import tasks
from commons import PUBLISH_SETTINGS
from commons.build import build_site
from commons.comments.versions import PATH as VERSIONS_PATH
from commons.servers import free_port
from commons.webmention.fetch import LOOPBACK_PORTS_ENV, AddressRule
from commons.webmention.send import send_webmentions
from commons.webmention.store import Store, store_path
from tests.conftest import SAMPLE_ARTICLE, SAMPLE_CONTENT, parse_html

ATOM = {"a": "http://www.w3.org/2005/Atom", "thr": "http://purl.org/syndication/thread/1.0"}
THREAD = "sharing-your-work-and-coworking-to-share"
REPLY = "What a good idea: our workshop shares its tools the same way."
HELLO = """Title: Hello
Date: 2026-11-01 10:00
Slug: hello

Our workshop has a blog now.
"""
POST_A = """Title: Sharing tools, a reply
Date: 2026-11-30 10:00
Slug: sharing-tools-reply
Author: Ana Díaz

{link}

<div class="h-entry" hidden></div>
"""


def post_a(content: Path, target: str | None) -> None:
    content.mkdir(parents=True, exist_ok=True)
    link = f"[{REPLY}]({target})" if target else REPLY
    (content / "reply.md").write_text(POST_A.format(link=link), encoding="utf-8")


def send(endpoint: str, source: str, target: str) -> tuple[int, float]:
    data = urllib.parse.urlencode({"source": source, "target": target}).encode()
    started = time.monotonic()
    try:
        with urllib.request.urlopen(endpoint, data=data, timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {condition.__doc__}")


def thread_versions(server_url: str) -> dict:
    with urllib.request.urlopen(server_url.rstrip("/") + VERSIONS_PATH, timeout=10) as answer:
        return json.load(answer)["threads"]


def feed_total(output: Path, post_url: str) -> str | None:
    feed = etree.parse(str(output / "feeds" / "all.atom.xml"))
    for entry in feed.xpath("//a:entry", namespaces=ATOM):
        links = entry.xpath("a:link[@rel='alternate']/@href", namespaces=ATOM)
        if links and links[0] == post_url:
            totals = entry.xpath("thr:total/text()", namespaces=ATOM)
            return totals[0] if totals else None
    raise AssertionError(f"{post_url} is not in the feed")


def test_a_mention_from_one_site_reaches_the_other_and_leaves_with_its_link(
    tmp_path, comment_server, served_site, fetch_comments, monkeypatch, capsys
):
    port_a, port_b = free_port(), free_port()
    origin_a, origin_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    # The documented test setting: B's server may fetch A, on 127.0.0.1, and nothing else there.
    monkeypatch.setenv(LOOPBACK_PORTS_ENV, str(port_a))
    server_b, _password = comment_server(origin_b, name="comments-b")
    database = server_b.config_dir / "comments.db"
    endpoint = server_b.url.rstrip("/") + "/webmention"
    env_b = {"COMMONS_SITEURL": origin_b, "COMMONS_ISSO_URL": server_b.url}

    def build_b(name: str) -> Path:
        return build_site(
            tmp_path / name, content=SAMPLE_CONTENT, settings_file=PUBLISH_SETTINGS, env=env_b
        ).output

    site_b = build_b("site-b")
    served_site(site_b, port=port_b)
    target = f"{origin_b}/{SAMPLE_ARTICLE.removesuffix('index.html')}"
    page_b = parse_html(site_b / SAMPLE_ARTICLE)
    # B advertises its endpoint (DISCUSSION['webmention'] is on by default).
    assert page_b.xpath("//link[@rel='webmention']/@href") == [endpoint]

    content_a = tmp_path / "content-a"
    content_a.mkdir()
    (content_a / "hello.md").write_text(HELLO, encoding="utf-8")
    site_a_dir = tmp_path / "site-a"
    build_site(site_a_dir, content=content_a, overrides={"SITEURL": origin_a})
    # A's first publish that sends records what its posts link, and sends nothing.
    sent_file = tmp_path / "a-sent.json"
    sender_rule = AddressRule(frozenset({port_b, server_b.port}))
    first = send_webmentions(site_a_dir, origin_a, sent_file, sender_rule)
    assert first.recorded == 1 and first.sent == []

    post_a(content_a, target)
    build_site(site_a_dir, content=content_a, overrides={"SITEURL": origin_a})
    published_a = time.monotonic()
    served_site(site_a_dir, port=port_a)
    source = f"{origin_a}/2026/11/sharing-tools-reply/"

    # What `invoke publish` runs once the site is sent: A notifies what its new post links.
    report = send_webmentions(site_a_dir, origin_a, sent_file, sender_rule)
    assert report.sent == [(source, target, 202)], report.lines()
    # Found from B's page (its <link rel="webmention">, or the Link header) and remembered.
    assert send_webmentions(site_a_dir, origin_a, sent_file, sender_rule).sent == []
    # The endpoint answers at once; the verification comes after.
    status, seconds = send(endpoint, source, target)
    assert status == 202 and seconds < 1.0
    store = Store(store_path(database))
    held = wait_for(lambda: store.listing("held"))
    with capsys.disabled():
        print(f"publish to held: {time.monotonic() - published_a:.1f} s")
    [mention] = held
    assert mention.mention.kind == "mention"
    assert mention.mention.source == source and mention.mention.target == target
    assert mention.mention.author == "Ana Díaz"
    assert REPLY in mention.mention.content

    # Held: nothing on B's page yet.
    site_b = build_b("site-b")
    assert not parse_html(site_b / SAMPLE_ARTICLE).xpath("//*[@data-discussion-webmentions]")

    versions_before = thread_versions(server_b.url)
    tasks.comments_webmentions(Context(), database=str(database))
    assert f"#{mention.id} held mention from {source}" in capsys.readouterr().out
    tasks.comments_webmentions(Context(), approve=mention.id, database=str(database))

    # Approving changes the thread's version: the publisher and `changed` refresh see it.
    assert thread_versions(server_b.url) != versions_before

    site_b = build_b("site-b")
    shown_b = time.monotonic()
    page = parse_html(site_b / SAMPLE_ARTICLE)
    [block] = page.xpath("//*[@data-discussion-webmentions]")
    assert REPLY in block.text_content()
    # "mentioned this on 127.0.0.1", linking the page that did; the author's site beside.
    assert block.xpath(".//*[@class='comment-source']/a/@href") == [source]
    assert block.xpath(".//*[contains(@class, 'h-card')]/a/@href") == [
        f"{origin_a}/author/ana-diaz/"
    ]
    # No script is needed, and the thread's h-entry has it as a comment (h-cite).
    parsed = mf2py.parse(doc=(site_b / SAMPLE_ARTICLE).read_bytes(), url=target)
    [entry] = [item for item in parsed["items"] if "h-entry" in item["type"]]
    cited = [
        comment
        for comment in entry["properties"].get("comment", [])
        if comment["properties"].get("url") == [source]
    ]
    assert len(cited) == 1
    assert cited[0]["properties"]["author"][0]["properties"]["name"] == ["Ana Díaz"]
    assert feed_total(site_b, target) == "1"
    # The listing's count and the recent discussions (page and feed) have it too.
    [count] = parse_html(site_b / "index.html").xpath(f'//a[@data-discussion-count="{THREAD}"]')
    assert count.get("data-count") == "1" and count.get("data-discussion-mentions") == "1"
    recent = parse_html(site_b / "discussions" / "index.html")
    assert REPLY in recent.xpath("string(//ol[contains(@class, 'recent-comments')])")
    recent_feed = etree.parse(str(site_b / "feeds" / "discussions.atom.xml"))
    titles = recent_feed.xpath("//a:entry/a:title/text()", namespaces=ATOM)
    assert len(titles) == 1 and "Ana Díaz" in titles[0]
    print(f"publish to page: {shown_b - published_a:.1f} s")

    # A edits the link away and publishes again; B verifies the source again.
    post_a(content_a, None)
    build_site(site_a_dir, content=content_a, overrides={"SITEURL": origin_a})
    report = send_webmentions(site_a_dir, origin_a, sent_file, sender_rule)
    # The post changed: the site it linked before is told, so that it checks again.
    assert report.sent == [(source, target, 202)], report.lines()
    wait_for(lambda: not store.listing())
    site_b = build_b("site-b")
    assert not parse_html(site_b / SAMPLE_ARTICLE).xpath("//*[@data-discussion-webmentions]")
    assert feed_total(site_b, target) in (None, "0")
    with sqlite3.connect(store_path(database)) as db:
        assert db.execute("SELECT count(*) FROM queue").fetchone() == (0,)
