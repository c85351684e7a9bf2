"""The real project, built with the local settings, parsed and checked."""

from __future__ import annotations

import feedparser
from lxml import etree

from tests.conftest import SAMPLE_ARTICLE, SAMPLE_CATEGORIES, SAMPLE_TITLE, parse_html

SEED_PARAGRAPH_STARTS = [
    "As you all know, I’ve been doing a lot of thinking lately",
    "Although it might not feel that remarkable",
    "The coworking movement is becoming huge",
    "This larger phenomenon has introduced new way of living",
    "In a word, sharing.",
    "Coworkers know a lot about the value of sharing.",
    "When a high value is placed on sharing rather than claiming territory",
    "What kind of “outside the space” sharing have you engaged in",
]


def article_body(doc):
    (body,) = doc.xpath("//main//article//*[contains(@class, 'entry-content')]")
    return body


def test_article_page_has_title_date_and_the_whole_body(built_site):
    doc = parse_html(built_site / SAMPLE_ARTICLE)
    assert doc.xpath("normalize-space(//main//h1)") == SAMPLE_TITLE
    assert doc.xpath("//main//time/@datetime")[0].startswith("2011-03-07")
    paragraphs = [p.text_content() for p in article_body(doc).xpath(".//p")]
    assert len(paragraphs) == len(SEED_PARAGRAPH_STARTS)
    for paragraph, start in zip(paragraphs, SEED_PARAGRAPH_STARTS, strict=True):
        assert paragraph.startswith(start)
    assert paragraphs[-1].endswith("Share your ideas in a comment!")
    assert "dynamic entity–a movement–that’s" in paragraphs[0]


def test_article_page_shows_the_image_credit(built_site):
    doc = parse_html(built_site / SAMPLE_ARTICLE)
    credits = [" ".join(e.text_content().split()) for e in doc.xpath("//*[@class='image-credit']")]
    assert credits == ["Image credit: Flickr – JW_00000"]


def test_article_is_listed_on_the_index(built_site):
    doc = parse_html(built_site / "index.html")
    links = doc.xpath("//main//a[normalize-space()=$t]/@href", t=SAMPLE_TITLE)
    assert links, "the index does not link to the sample article"
    assert all(
        link.rstrip("/").endswith("sharing-your-work-and-coworking-to-share") for link in links
    )


def test_article_is_listed_on_each_of_its_four_category_pages(built_site):
    slugs = ["benefits-of-coworking", "community", "coworking", "current-members"]
    for slug in slugs:
        doc = parse_html(built_site / "category" / slug / "index.html")
        assert doc.xpath("//main//a[normalize-space()=$t]", t=SAMPLE_TITLE), slug
    listing = parse_html(built_site / "categories" / "index.html")
    names = [" ".join(a.text_content().split()) for a in listing.xpath("//main//li/a")]
    assert sorted(SAMPLE_CATEGORIES) == sorted(n for n in names if n in SAMPLE_CATEGORIES)


def test_feeds_exist_and_parse(built_site):
    for name in ["all.atom.xml", "all.rss.xml"]:
        path = built_site / "feeds" / name
        etree.parse(str(path))  # well-formed XML
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert [entry.title for entry in feed.entries] == [SAMPLE_TITLE]


def test_each_category_feed_carries_the_article(built_site):
    for slug in ["benefits-of-coworking", "community", "coworking", "current-members"]:
        feed = feedparser.parse(
            (built_site / "feeds" / "category" / f"{slug}.atom.xml").read_bytes()
        )
        assert [entry.title for entry in feed.entries] == [SAMPLE_TITLE], slug


def test_about_page_is_built(built_site):
    doc = parse_html(built_site / "about" / "index.html")
    assert doc.xpath("normalize-space(//main//h1)") == "About"


def test_production_build_links_from_the_site_root_and_hides_drafts(published_site):
    doc = parse_html(published_site / SAMPLE_ARTICLE)
    # The site's own files: from the root, so they resolve at any address.
    stylesheets = doc.xpath("//link[@rel='stylesheet']/@href")
    assert stylesheets and all(
        href.startswith("/theme/") and not href.startswith("//") for href in stylesheets
    )
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    assert canonical[0].startswith("https://commons.example.org/")
    assert not (published_site / "drafts").exists()
