"""What the feeds carry for subscribers: whole posts with absolute links, stable
ids, update dates, discussion links, per-author and per-tag feeds, hostile
titles intact, a readable page in a browser, and autodiscovery on every page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from lxml import etree

from commons import PUBLISH_SETTINGS
from commons.build import build_site
from tests.conftest import (
    FEED_HOSTILE_TITLE,
    SAMPLE_TITLE,
    add_feed_posts,
    copy_content,
    guard,
)

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
BASE = "http://127.0.0.1:8000"
SAMPLE_URL = f"{BASE}/2011/03/sharing-your-work-and-coworking-to-share/"
HOSTILE_URL = f"{BASE}/2012/01/hostile/"


def entry(output: Path, feed: str, title: str):
    parsed = feedparser.parse((output / "feeds" / feed).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    matches = [e for e in parsed.entries if e.title == title]
    assert len(matches) == 1, [e.title for e in parsed.entries]
    return matches[0]


def atom_entry(output: Path, feed: str, link: str):
    document = etree.parse(str(output / "feeds" / feed))
    (found,) = document.xpath(
        "//atom:entry[atom:link[@rel='alternate']/@href=$link]", namespaces=ATOM, link=link
    )
    return found


def rss_item(output: Path, feed: str, link: str):
    (found,) = etree.parse(str(output / "feeds" / feed)).xpath("//item[link=$link]", link=link)
    return found


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml"])
def test_a_hostile_title_survives_the_round_trip_as_text(feeds_site, feed):
    assert entry(feeds_site, feed, FEED_HOSTILE_TITLE).title_detail.type == "text/plain"
    # Read without feedparser too: the XML text itself is the title, unchanged.
    titles = etree.parse(str(feeds_site / "feeds" / feed)).xpath(
        "//atom:entry/atom:title/text() | //item/title/text()", namespaces=ATOM
    )
    assert FEED_HOSTILE_TITLE in titles


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml"])
def test_links_and_images_in_posts_and_summaries_are_absolute(feeds_site, feed):
    hostile = entry(feeds_site, feed, FEED_HOSTILE_TITLE)
    content = lxml.html.fragment_fromstring(hostile.content[0].value, create_parent="div")
    assert content.xpath("//a/@href") == [SAMPLE_URL, f"{HOSTILE_URL}#user-content-note"]
    assert content.xpath("//img/@src") == [f"{BASE}/images/pixel.png"] * 2
    summary = lxml.html.fragment_fromstring(hostile.summary, create_parent="div")
    assert summary.xpath("//a/@href") == [f"{BASE}/about/"]
    assert "tea & cake" in summary.text_content()
    for path in (feeds_site / "feeds").rglob("*.xml"):
        for item in feedparser.parse(path.read_bytes()).entries:
            for html in [item.summary, *(c.value for c in item.get("content", []))]:
                fragment = lxml.html.fragment_fromstring(html, create_parent="div")
                for url in fragment.xpath("//@href | //@src"):
                    assert urlsplit(url).scheme in ("http", "https"), (path, url)


def test_updated_comes_from_modified_and_published_from_date(feeds_site):
    hostile = atom_entry(feeds_site, "all.atom.xml", HOSTILE_URL)
    assert hostile.findtext("atom:published", namespaces=ATOM) == "2012-01-02T10:00:00-07:00"
    assert hostile.findtext("atom:updated", namespaces=ATOM) == "2012-02-03T11:30:00-07:00"
    sample = atom_entry(feeds_site, "all.atom.xml", SAMPLE_URL)
    assert sample.findtext("atom:updated", namespaces=ATOM) == "2011-03-07T09:00:00-07:00"


def test_a_post_with_a_thread_links_to_its_discussion(feeds_site):
    sample = atom_entry(feeds_site, "all.atom.xml", SAMPLE_URL)
    replies = sample.xpath("atom:link[@rel='replies']", namespaces=ATOM)
    assert [(link.get("href"), link.get("type")) for link in replies] == [
        (f"{SAMPLE_URL}#discussion", "text/html")
    ]
    assert rss_item(feeds_site, "all.rss.xml", SAMPLE_URL).findtext("comments") == (
        f"{SAMPLE_URL}#discussion"
    )
    # The link leads somewhere: the post's page has the discussion section.
    page = lxml.html.parse(
        str(feeds_site / "2011/03/sharing-your-work-and-coworking-to-share/index.html")
    )
    assert page.xpath("//section[@id='discussion']")


def test_a_post_with_comments_off_has_no_discussion_link(feeds_site):
    hostile = atom_entry(feeds_site, "all.atom.xml", HOSTILE_URL)
    assert not hostile.xpath("atom:link[@rel='replies']", namespaces=ATOM)
    assert rss_item(feeds_site, "all.rss.xml", HOSTILE_URL).find("comments") is None


def test_rss_carries_the_summary_in_description_and_the_post_in_content_encoded(feeds_site):
    item = rss_item(feeds_site, "all.rss.xml", f"{BASE}/2012/03/tool-library-night/")
    assert item.findtext("description") == "<p>Bring a drill, borrow a saw.</p>"
    encoded = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert "Which tool should we buy next?" in encoded
    assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Ana Díaz"


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_author_tag_and_every_category_have_feeds(feeds_site, fmt):
    expected = {
        f"author/ana-diaz.{fmt}.xml": {FEED_HOSTILE_TITLE, "Tool Library Night"},
        f"tag/workshops.{fmt}.xml": {FEED_HOSTILE_TITLE, "Tool Library Night"},
        f"tag/tools-things.{fmt}.xml": {FEED_HOSTILE_TITLE},
        f"category/events.{fmt}.xml": {"Tool Library Night"},
        f"category/community.{fmt}.xml": {FEED_HOSTILE_TITLE, "Tool Library Night", SAMPLE_TITLE},
    }
    for feed, titles in expected.items():
        parsed = feedparser.parse((feeds_site / "feeds" / feed).read_bytes())
        assert {e.title for e in parsed.entries} == titles, feed
    by_author = feedparser.parse((feeds_site / f"feeds/author/ana-diaz.{fmt}.xml").read_bytes())
    assert by_author.feed.title == "Cohere Commons: posts by Ana Díaz"
    assert all(e.author_detail.name == "Ana Díaz" for e in by_author.entries)
    tool_night = entry(feeds_site, f"all.{fmt}.xml", "Tool Library Night")
    assert [tag.term for tag in tool_night.tags] == ["Events", "Community", "Workshops"]


def test_comments_id_names_the_entry(feeds_site):
    tool_night = entry(feeds_site, "all.atom.xml", "Tool Library Night")
    assert tool_night.id == "tag:commons.example.org,2011-03:post/tool-library-2012"


def test_ids_survive_a_new_domain_and_new_urls(tmp_path, feeds_site):
    content = add_feed_posts(copy_content(tmp_path / "content"))
    output = tmp_path / "output"
    build_site(
        output,
        settings_file=PUBLISH_SETTINGS,
        content=content,
        overrides={
            "ARTICLE_URL": "posts/{slug}.html",
            "ARTICLE_SAVE_AS": "posts/{slug}.html",
            # The test posts link to each other by their old addresses, which
            # the new scheme breaks on purpose: the feed ids are the point here.
            "GUARD": guard(PUBLISH_SETTINGS, links={"check_references": False}),
        },
        env={"COMMONS_SITEURL": "https://moved.example.net/community"},
    )
    before = feedparser.parse((feeds_site / "feeds/all.atom.xml").read_bytes()).entries
    after = feedparser.parse((output / "feeds/all.atom.xml").read_bytes()).entries
    assert [e.link for e in after] == [
        "https://moved.example.net/community/posts/tool-library-night.html",
        "https://moved.example.net/community/posts/hostile.html",
        "https://moved.example.net/community/posts/sharing-your-work-and-coworking-to-share.html",
    ]
    assert [e.id for e in after] == [e.id for e in before]


@pytest.mark.parametrize(
    "feed", ["all.atom.xml", "all.rss.xml", "category/community.atom.xml", "tag/workshops.rss.xml"]
)
def test_the_stylesheet_turns_a_feed_into_a_page_that_explains_subscribing(feeds_site, feed):
    path = feeds_site / "feeds" / feed
    transform = etree.XSLT(etree.parse(str(feeds_site / "theme/feeds/feed.xsl")))
    page = lxml.html.fromstring(str(transform(etree.parse(str(path)))))
    parsed = feedparser.parse(path.read_bytes())
    assert page.findtext(".//h1") == parsed.feed.title
    text = " ".join(page.text_content().split())
    assert "This is a web feed" in text
    assert "How to subscribe" in text
    assert page.findtext(".//code[@class='feed-url']") == f"{BASE}/feeds/{feed}"
    links = {a.text_content(): a.get("href") for a in page.iter("a")}
    for item in parsed.entries:
        assert links[item.title] == item.link
    # Its stylesheet is found relative to the feed, as a browser resolves it.
    (css,) = page.xpath("//link[@rel='stylesheet']/@href")
    assert (path.parent / css).resolve() == (feeds_site / "theme/feeds/feed.css").resolve()
    # Summaries are text: the hostile title and markup never become elements.
    assert not page.xpath("//script")


def discovery_links(page: Path) -> list[tuple[str, str, str]]:
    document = lxml.html.parse(str(page))
    return [
        (link.get("type"), link.get("href"), link.get("title"))
        for link in document.xpath("/html/head/link[@rel='alternate'][@type]")
        if link.get("type") in ("application/atom+xml", "application/rss+xml")
    ]


def test_every_page_announces_the_site_feeds_and_they_resolve(feeds_site):
    pages = sorted(feeds_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        links = discovery_links(page)
        assert [(kind, title) for kind, _, title in links[:2]] == [
            ("application/atom+xml", "Cohere Commons (Atom)"),
            ("application/rss+xml", "Cohere Commons (RSS)"),
        ], page
        for _, href, _ in links:
            assert (page.parent / href).resolve().is_file(), (page, href)


@pytest.mark.parametrize(
    ("page", "feed", "title"),
    [
        ("category/events/index.html", "category/events", "Cohere Commons: Events"),
        ("tag/workshops/index.html", "tag/workshops", "Cohere Commons: posts tagged Workshops"),
        ("author/ana-diaz/index.html", "author/ana-diaz", "Cohere Commons: posts by Ana Díaz"),
    ],
)
def test_listing_pages_also_announce_their_own_feeds(feeds_site, page, feed, title):
    links = discovery_links(feeds_site / page)
    assert [
        (kind, Path(href).as_posix().split("feeds/", 1)[1], t) for kind, href, t in links[2:]
    ] == [
        ("application/atom+xml", f"{feed}.atom.xml", f"{title} (Atom)"),
        ("application/rss+xml", f"{feed}.rss.xml", f"{title} (RSS)"),
    ]


def test_production_discovery_links_are_absolute(published_site):
    links = discovery_links(published_site / "category/community/index.html")
    assert [href for _, href, _ in links] == [
        "https://commons.example.org/feeds/all.atom.xml",
        "https://commons.example.org/feeds/all.rss.xml",
        "https://commons.example.org/feeds/category/community.atom.xml",
        "https://commons.example.org/feeds/category/community.rss.xml",
    ]


DEEP = 300  # deeper than libxml2's default limit (256), within huge_tree's (2,048)
DEEP_POST = f"""Title: Deep and linked
Date: 2013-01-01 10:00
Slug: deep
Summary: Read [the note](#note) and [the about page](../../../about/).

{"<div>" * DEEP}Deep text.{"</div>" * DEEP}

## The note {{: #note }}

After the depths.
"""
DEEP_URL = f"{BASE}/2013/01/deep/"
HUGE = lxml.html.HTMLParser(huge_tree=True)  # the test's own reading must not lose text


@pytest.fixture(scope="module")
def deep_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("deep-feeds")
    content = copy_content(root / "content")
    (content / "deep.md").write_text(DEEP_POST, encoding="utf-8")
    return build_site(root / "output", content=content).output


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml"])
def test_a_deeply_nested_post_keeps_all_its_text_in_the_feeds(deep_site, feed):
    deep = entry(deep_site, feed, "Deep and linked")
    assert "Deep text." in deep.content[0].value
    text = lxml.html.fragment_fromstring(deep.content[0].value, create_parent="div", parser=HUGE)
    assert "Deep text." in text.text_content()
    assert "After the depths." in text.text_content()


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml"])
def test_summary_links_resolve_against_the_post_and_into_its_body(deep_site, feed):
    deep = entry(deep_site, feed, "Deep and linked")
    summary = lxml.html.fragment_fromstring(deep.summary, create_parent="div")
    assert summary.xpath("//a/@href") == [f"{DEEP_URL}#user-content-note", f"{BASE}/about/"]
    body = lxml.html.fragment_fromstring(deep.content[0].value, create_parent="div", parser=HUGE)
    assert body.xpath("//h2/@id") == ["user-content-note"]


def test_a_deeply_nested_summary_keeps_its_text_on_the_listings(tmp_path):
    content = copy_content(tmp_path / "content")
    summary = "<span>" * DEEP + "Deep summary. [See](#note)" + "</span>" * DEEP
    (content / "deep.md").write_text(
        DEEP_POST.replace("Summary: Read [the note](#note) and", f"Summary: {summary} and"),
        encoding="utf-8",
    )
    output = build_site(tmp_path / "output", content=content).output
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "Deep summary." in home
    assert "2013/01/deep/#user-content-note" in home  # the link leads into the post
