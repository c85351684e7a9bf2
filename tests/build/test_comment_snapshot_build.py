"""What the comment snapshot adds to a build, from a cache written by hand:
listing counts, feed counts (RFC 4685, slash, wfw), JSON-LD, the recent
discussions page and feed, closed threads and the `none` provider, and
byte-identical builds from the same cache."""

from __future__ import annotations

import json

import feedparser
import pytest
from lxml import etree

from commons.build import build_site
from commons.comments.snapshot import thread_file
from tests.conftest import (
    REPO_ROOT,
    SAMPLE_ARTICLE,
    SAMPLE_CONTENT,
    copy_content,
    isso_snapshots,
    parse_html,
    run_newsboat,
)

THREAD_ID = "sharing-your-work-and-coworking-to-share"
ISSO_URL = "http://127.0.0.1:9/"
FEED = "http://127.0.0.1:9/feed?uri=sharing-your-work-and-coworking-to-share"
ATOM = "http://www.w3.org/2005/Atom"
THR = "http://purl.org/syndication/thread/1.0"
COMMENTS = [
    {
        "id": "1",
        "parent": None,
        "author": "Ana",
        "website": None,
        "created": "2024-03-01T10:00:00Z",
        "text": "<p>First words</p>",
        "deleted": False,
    },
    {
        "id": "2",
        "parent": "1",
        "author": "Bob",
        "website": None,
        "created": "2024-03-02T10:00:00Z",
        "text": "<p>A reply</p>",
        "deleted": False,
    },
]
CLOSED_POST = """Title: A Closed Thread
Date: 2012-05-01 10:00
Slug: closed-thread
Comments: closed

An old conversation.
"""


def write_cache(cache_root, thread_id, comments, feed=None):
    path = thread_file(isso_snapshots(cache_root, ISSO_URL), thread_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format": 1,
        "thread": thread_id,
        "provider": "isso",
        "comments": comments,
        "fetched": "2024-04-01T00:00:00Z",
        "feed": feed,
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def overrides(provider="isso", recent=30):
    discussion = {"provider": provider, "snapshot": {"refresh": "never", "recent": recent}}
    if provider in ("isso", "none"):
        # `none` keeps the sub-dict of the server it left: its snapshots are the archive.
        discussion["isso"] = {"url": ISSO_URL}
    return {"DISCUSSION": discussion}


@pytest.fixture
def snapshot_site(tmp_path, comments_cache):
    content = copy_content(tmp_path / "content")
    (content / "closed-thread.md").write_text(CLOSED_POST, encoding="utf-8")
    write_cache(comments_cache, THREAD_ID, COMMENTS, FEED)
    write_cache(comments_cache, "closed-thread", [{**COMMENTS[0], "text": "<p>Archived</p>"}])
    return content


def test_counts_feeds_and_structured_data_come_from_the_snapshot(snapshot_site, tmp_path):
    output = build_site(tmp_path / "out", content=snapshot_site, overrides=overrides()).output

    listing = parse_html(output / "index.html")
    slot = listing.xpath(f'//a[@data-discussion-count="{THREAD_ID}"]')[0]
    assert slot.get("data-count") == "2"
    assert " ".join(slot.text_content().split()).startswith("2 comments")

    schema = etree.RelaxNG(etree.parse(str(REPO_ROOT / "tests/schemas/atom.rng")))
    atom = etree.parse(str(output / "feeds/all.atom.xml"))
    assert schema.validate(atom), schema.error_log
    ns = {"a": ATOM, "thr": THR}
    entry = atom.xpath(f'//a:entry[contains(a:id, "{THREAD_ID}")]', namespaces=ns)[0]
    assert entry.xpath("string(thr:total)", namespaces=ns) == "2"
    replies = entry.xpath('a:link[@rel="replies"]', namespaces=ns)
    assert {link.get("type") for link in replies} == {"text/html", "application/atom+xml"}
    assert all(link.get(f"{{{THR}}}count") == "2" for link in replies)
    assert FEED in [link.get("href") for link in replies]

    rss = feedparser.parse((output / "feeds/all.rss.xml").read_bytes())
    assert not rss.bozo, rss.bozo_exception
    item = next(i for i in rss.entries if THREAD_ID in i.link)
    assert item.slash_comments == "2"
    assert item.wfw_commentrss == FEED
    parsed_atom = feedparser.parse((output / "feeds/all.atom.xml").read_bytes())
    assert not parsed_atom.bozo, parsed_atom.bozo_exception

    head = parse_html(output / SAMPLE_ARTICLE)
    data = json.loads(head.xpath('//script[@type="application/ld+json"]')[0].text)
    assert data["commentCount"] == 2
    assert [c["text"] for c in data["comment"]] == ["First words", "A reply"]
    assert data["comment"][0]["author"]["name"] == "Ana"

    # Recent discussions: page, feed, link from the home page.
    assert listing.xpath('//a[contains(@href, "discussions/")]')
    recent = parse_html(output / "discussions/index.html")
    texts = [" ".join(li.text_content().split()) for li in recent.xpath("//li[@class='comment']")]
    assert texts[0].startswith("Bob on Sharing Your Work") and "A reply" in texts[0]
    assert len(texts) == 3
    feed = etree.parse(str(output / "feeds/discussions.atom.xml"))
    assert schema.validate(feed), schema.error_log
    assert len(feed.xpath("//a:entry", namespaces=ns)) == 3
    assert not feedparser.parse((output / "feeds/discussions.atom.xml").read_bytes()).bozo

    # A closed thread keeps its snapshot, read-only.
    closed = parse_html(output / "2012/05/closed-thread/index.html")
    section = closed.xpath('//section[@id="discussion"]')[0]
    assert "Archived" in section.text_content()
    assert not section.xpath(".//*[@data-discussion-gate]|.//template")


def test_two_builds_from_the_same_cache_are_byte_identical(snapshot_site, tmp_path):
    first = build_site(tmp_path / "a", content=snapshot_site, overrides=overrides()).output
    second = build_site(tmp_path / "b", content=snapshot_site, overrides=overrides()).output
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    differ = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert differ == []


def test_provider_none_shows_the_last_snapshot_read_only(snapshot_site, tmp_path):
    output = build_site(
        tmp_path / "out", content=snapshot_site, overrides=overrides(provider="none")
    ).output
    page = parse_html(output / SAMPLE_ARTICLE)
    section = page.xpath('//section[@id="discussion"]')[0]
    assert "First words" in section.text_content() and "A reply" in section.text_content()
    assert not section.xpath(".//*[@data-discussion-gate]|.//template|.//noscript")
    assert section.xpath('.//p[@class="discussion-closed"]')
    assert "127.0.0.1:9" not in (output / SAMPLE_ARTICLE).read_text(encoding="utf-8")


def test_snapshot_pages_are_valid_html(snapshot_site, tmp_path):
    from tests.build.test_html_validity import run_vnu

    output = build_site(tmp_path / "out", content=snapshot_site, overrides=overrides()).output
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, path in {
        "article.html": output / SAMPLE_ARTICLE,
        "closed.html": output / "2012/05/closed-thread/index.html",
        "recent.html": output / "discussions/index.html",
        "home.html": output / "index.html",
    }.items():
        (pages / name).write_bytes(path.read_bytes())
    checked, messages = run_vnu(pages)
    assert len(checked) == 4
    errors = [m for m in messages if m.get("type") == "error"]
    assert errors == []


def test_newsboat_reads_the_feeds_that_carry_counts_and_the_recent_discussions(
    snapshot_site, tmp_path, served_site
):
    import shutil
    import sqlite3

    from commons.servers import free_port
    from tests.conftest import require

    newsboat = shutil.which("newsboat")
    require(newsboat is not None, "newsboat", "apt-get install newsboat")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    settings = {**overrides(), "FEED_DOMAIN": origin}
    output = build_site(tmp_path / "out", content=snapshot_site, overrides=settings).output
    served_site(output, port=port)
    feeds = [
        f"{origin}/feeds/all.atom.xml",
        f"{origin}/feeds/all.rss.xml",
        f"{origin}/feeds/discussions.atom.xml",
    ]
    by_feed = {}
    # One run per feed: newsboat keeps one copy of an item per guid, and the
    # Atom and RSS feeds share their entries' ids.
    for number, feed in enumerate(feeds):
        folder = tmp_path / f"newsboat-{number}"
        completed = run_newsboat(newsboat, feed, folder, "reload")
        assert completed.returncode == 0, completed.stderr
        with sqlite3.connect(folder / "cache.db") as database:
            by_feed[feed] = database.execute("SELECT title, url FROM rss_item").fetchall()
    assert len(by_feed[feeds[0]]) == len(by_feed[feeds[1]]) >= 2
    recent = by_feed[feeds[2]]
    # Names and titles are isolated (FSI…PDI): see test_discussion_feed_bidi.py.
    assert sorted(title.replace("\u2068", "").replace("\u2069", "") for title, _ in recent) == [
        "Ana on A Closed Thread",
        "Ana on Sharing Your Work And (Co)Working To Share",
        "Bob on Sharing Your Work And (Co)Working To Share",
    ]
    assert all(url.startswith(origin + "/") and "#discussion-comment-" in url for _, url in recent)


def test_a_provider_without_snapshots_gets_no_recent_discussions_page(tmp_path):
    # An empty cache: giscus threads cannot be snapshotted, so there is nothing to list.
    giscus = {
        "provider": "giscus",
        "giscus": {
            "repo": "cohere/commons",
            "repo_id": "R_1",
            "category": "Comments",
            "category_id": "DIC_1",
        },
        "snapshot": {"refresh": "never"},
    }
    output = build_site(
        tmp_path / "out", content=SAMPLE_CONTENT, overrides={"DISCUSSION": giscus}
    ).output
    assert not (output / "discussions").exists()
    assert not (output / "feeds/discussions.atom.xml").exists()
    assert not parse_html(output / "index.html").xpath('//a[contains(@href, "discussions/")]')
