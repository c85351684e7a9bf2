"""Replies, likes and reposts from Mastodon and Bluesky, as Bridgy and Bridgy Fed
send them (docs/bridgy.md): their own recorded pages (tests/data/bridgy/) are
the webmentions' sources.

CI cannot reach Bridgy, so each page is read as the verifier reads a fetched
one, with its address on brid.gy; and it goes once through the real endpoint
and its verifying thread, served from 127.0.0.1, then answers 410 as Bridgy
Fed's page does once the reply is deleted.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import lxml.html
import pytest

from commons.comments.limits import Limits
from commons.webmention.fetch import Page
from commons.webmention.verify import read_mention
from plugins.discussion.snapshot import build_snapshot, comment_cleaner
from tests.build.test_webmention_receive import TARGET_PAGE, THREAD, Endpoint
from tests.webmention_servers import PageServer, html_answer

BRIDGY = Path(__file__).resolve().parent.parent / "data" / "bridgy"
TARGET = "https://commons.example.org/2026/11/a-post/"
# Each page names the post it answers with these addresses (its test's stand-ins).
RECORDED_TARGETS = {
    "fed-reply.html": 'href="https://fake.com/123"',
    "comment.html": 'href="http://or.ig/post"',
    "like.html": 'href="http://or.ig/post"',
    "repost.html": 'href="http://or.ig/post"',
}
# Where Bridgy Fed and Bridgy serve each (the source of their webmention).
SOURCES = {
    "fed-reply.html": "https://ap.brid.gy/convert/web/https://fake.com/123456",
    "comment.html": "https://brid.gy/comment/mastodon/@alice@mas.to/000/a1-b2.c3",
    "like.html": "https://brid.gy/like/mastodon/@alice@mas.to/000/111",
    "repost.html": "https://brid.gy/repost/bluesky/did:plc:abc/000/111",
}


def recorded(name: str, target: str) -> bytes:
    text = (BRIDGY / name).read_text(encoding="utf-8")
    assert RECORDED_TARGETS[name] in text
    return text.replace(RECORDED_TARGETS[name], f'href="{target}"').encode("utf-8")


def read(name: str, source: str | None = None, **options):
    source = source or SOURCES[name]
    page = Page(source, 200, "text/html; charset=utf-8", recorded(name, TARGET))
    return read_mention(page, source, TARGET, THREAD, Limits(), comment_cleaner(), **options)


def test_a_fediverse_reply_through_bridgy_fed():
    mention = read("fed-reply.html")
    assert mention.kind == "reply"
    assert mention.author == "Bob"
    # Bridgy Fed's page speaks for the original: its u-url (the reply on the
    # fediverse) and the author's profile are kept although on other hosts.
    assert mention.url == "https://fake.com/123456"
    assert mention.author_url == "https://plus.google.com/bob"
    text = lxml.html.fragment_fromstring(mention.content, create_parent="div").text_content()
    assert text.strip() == "A ☕ reply"
    assert (
        mention.published
        == datetime.datetime(2012, 12, 5, 0, 58, 26, tzinfo=datetime.UTC).timestamp()
    )


def test_a_page_elsewhere_claiming_the_same_is_not_trusted_with_other_hosts():
    # The same page from a host that is not a bridge: its claims about other
    # hosts are dropped, the reply is still a reply.
    mention = read("fed-reply.html", source="https://bridgy.example.net/convert/web/x")
    assert mention.kind == "reply"
    assert mention.author == "Bob"
    assert mention.url == "https://bridgy.example.net/convert/web/x"
    assert mention.author_url is None
    # And a bridge's trust is by name, not by a name that only ends alike.
    lookalike = read("fed-reply.html", source="https://evilbrid.gy/convert/web/x")
    assert lookalike.author_url is None


@pytest.mark.parametrize(
    ("name", "kind", "author"),
    [
        ("comment.html", "reply", "brid.gy"),  # the author has only a photo
        ("like.html", "like", "Alice"),
        ("repost.html", "repost", "personal.domain"),
    ],
)
def test_bridgy_responses_are_told_apart(name, kind, author):
    mention = read(name)
    assert mention.kind == kind
    assert mention.author == author
    if kind == "reply":
        assert "qwert" in mention.content
    else:
        assert mention.content == ""  # counted, not listed


def test_the_thread_shows_the_reply_without_its_pictures_and_counts_the_rest():
    replies = []
    for number, name in enumerate(["fed-reply.html", "comment.html"], start=1):
        mention = read(name)
        replies.append(
            {
                "id": number,
                "kind": mention.kind,
                "url": mention.url,
                "source": mention.source,
                "author": mention.author,
                "author_url": mention.author_url,
                "content": mention.content,
                "published": mention.published,
            }
        )
    snapshot = build_snapshot(
        {
            "fetched": "2026-12-07T10:00:00Z",
            "mentions": [*replies, {"id": 3, "kind": "like", "url": SOURCES["like.html"]}],
        }
    )
    assert snapshot.count == 2
    page = lxml.html.fragment_fromstring(str(snapshot.mentions_html), create_parent="div")
    # No picture of the authors' (a request to Mastodon's or Bridgy's servers).
    assert page.xpath("//img | //*[@src]") == []
    sources = page.xpath("//*[contains(@class, 'comment-source')]/a/@href")
    assert sources == ["https://fake.com/123456", SOURCES["comment.html"]]
    assert "1 like from other sites" in page.text_content()


def test_bridgy_feds_pages_through_the_endpoint_and_a_deleted_reply_leaves(tmp_path):
    answers = {}

    def answer(request):
        name = request.path.strip("/")
        status, body = answers[name]
        html_answer(body, status)(request)

    with PageServer(html_answer(TARGET_PAGE)) as site, PageServer(answer) as bridge:
        endpoint = Endpoint(tmp_path, site, bridge)
        for name in RECORDED_TARGETS:
            answers[name] = (200, recorded(name, endpoint.target).decode("utf-8"))
            endpoint.mention(f"{bridge.origin}/{name}")
        stored = {entry.mention.source.rsplit("/", 1)[1]: entry for entry in endpoint.settled()}
        assert {name: entry.mention.kind for name, entry in stored.items()} == {
            "fed-reply.html": "reply",
            "comment.html": "reply",
            "like.html": "like",
            "repost.html": "repost",
        }
        assert all(entry.status == "held" for entry in stored.values())
        # Deleted on the fediverse: Bridgy Fed's page answers 410 Gone and it
        # sends the webmention again.
        answers["fed-reply.html"] = (410, "Gone")
        endpoint.mention(f"{bridge.origin}/fed-reply.html")
        left = {entry.mention.source.rsplit("/", 1)[1] for entry in endpoint.settled()}
        assert left == {"comment.html", "like.html", "repost.html"}
