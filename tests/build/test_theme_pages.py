"""The theme's pages, built for real and parsed: structure, metadata, listings."""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from commons import PUBLISH_SETTINGS
from tests.conftest import SAMPLE_ARTICLE, SAMPLE_CATEGORIES, SAMPLE_TITLE, parse_html
from tests.theme_content import EXTRA_POSTS, HOSTILE_TITLE

# Local builds' absolute address is the local server's (COMMONS_SITE_PORT moves it).
LOCAL_ORIGIN = f"http://127.0.0.1:{os.environ.get('COMMONS_SITE_PORT', '8000')}"
SAMPLE_URL = f"{LOCAL_ORIGIN}/2011/03/sharing-your-work-and-coworking-to-share/"


def text(element) -> str:
    return " ".join(element.text_content().split())


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_has_the_landmarks_one_h1_and_a_skip_link(theme_site):
    for path in pages_of(theme_site):
        doc = parse_html(path)
        where = path.relative_to(theme_site)
        assert doc.xpath("/html/@lang") == ["en"], where
        for landmark in ("header", "nav", "main", "footer"):
            assert doc.xpath(f"//body//{landmark}"), (where, landmark)
        assert len(doc.xpath("//h1")) == 1, where
        assert len(doc.xpath("//main//h1")) == 1, where
        (skip,) = doc.xpath("//body/a[1]")
        assert skip.get("href") == "#main" and doc.xpath("//main[@id='main']"), where


def test_headings_never_skip_a_level_going_down(theme_site):
    for path in pages_of(theme_site):
        levels = [int(h.tag[1]) for h in parse_html(path).xpath("//h1|//h2|//h3|//h4|//h5|//h6")]
        assert levels[0] == 1, path
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, (path.relative_to(theme_site), levels)


def test_every_page_declares_a_local_svg_favicon_and_the_stylesheets(theme_site):
    for path in pages_of(theme_site):
        doc = parse_html(path)
        where = path.relative_to(theme_site)
        (icon,) = doc.xpath("//head/link[@rel='icon']")
        assert icon.get("type") == "image/svg+xml"
        target = (path.parent / icon.get("href")).resolve()
        assert target.is_file() and target.read_text().lstrip().startswith("<svg")
        # The site's stylesheet, then the one for the page's kind: posts and
        # pages use post.css, the other pages list.css (plus code.css with code).
        sheets = [
            (path.parent / href).resolve()
            for href in doc.xpath("//head/link[@rel='stylesheet']/@href")
        ]
        kind = "post.css" if doc.xpath("//main/article[contains(@class, 'post')]") else "list.css"
        assert [sheet.name for sheet in sheets[:2]] == ["commons.css", kind], where
        assert all(sheet.is_file() for sheet in sheets), where


def test_every_page_has_canonical_description_open_graph_and_feeds(theme_site):
    for path in pages_of(theme_site):
        doc = parse_html(path)
        where = path.relative_to(theme_site)
        (canonical,) = doc.xpath("//head/link[@rel='canonical']/@href")
        expected = str(where).removesuffix("index.html")
        assert canonical == f"{LOCAL_ORIGIN}/{expected}", where
        assert doc.xpath("//head/meta[@property='og:url']/@content") == [canonical]
        assert doc.xpath("//head/meta[@name='description']/@content")[0].strip(), where
        assert doc.xpath("//head/meta[@property='og:title']/@content"), where
        assert doc.xpath("//head/meta[@name='twitter:card']/@content") == ["summary"]
        feeds = doc.xpath("//head/link[@rel='alternate']/@type")
        assert {"application/atom+xml", "application/rss+xml"} <= set(feeds), where


def test_article_page_shows_date_categories_reading_time_and_credit(built_site):
    doc = parse_html(built_site / SAMPLE_ARTICLE)
    (header,) = doc.xpath("//main//article/header")
    assert header.xpath(".//time/@datetime") == ["2011-03-07T09:00:00-07:00"]
    assert header.xpath(".//time")[0].text == "7 March 2011"
    categories = [text(a) for a in header.xpath(".//*[@class='post-categories']//a")]
    assert categories == SAMPLE_CATEGORIES
    for link in header.xpath(".//*[@class='post-categories']//a/@href"):
        assert (built_site / SAMPLE_ARTICLE).parent.joinpath(link, "index.html").resolve().is_file()
    assert text(header.xpath(".//*[@class='reading-time']")[0]) == "1 min read"
    # No author in the metadata: no person is invented; the site is named as
    # the post's author (its microformats2 h-card, docs/theme.md).
    [site] = header.xpath(".//*[@class='post-authors']/a")
    assert text(site) == "Cohere Commons" and site.get("href") == "../../../"
    assert site.get("class") == "p-author h-card"
    assert doc.xpath("//head/meta[@property='og:type']/@content") == ["article"]


def test_article_page_links_authors_and_tags(theme_site):
    doc = parse_html(theme_site / "2025/11/bike-lending-shelf/index.html")
    (header,) = doc.xpath("//main//article/header")
    assert [text(a) for a in header.xpath(".//*[@class='post-authors']/a")] == [
        "Ada Byron",
        "Lin Ma",
    ]
    assert text(header.xpath(".//*[@class='post-authors']")[0]) == "by Ada Byron and Lin Ma"
    tags = header.xpath(".//ul[@class='tag-list']//a")
    assert [text(a) for a in tags] == ["#sharing", "#bikes"]
    assert [a.get("href") for a in tags] == ["../../../tag/sharing/", "../../../tag/bikes/"]
    assert doc.xpath("//head/meta[@property='article:tag']/@content") == ["sharing", "bikes"]


def json_ld(doc) -> dict:
    (script,) = doc.xpath("//head/script[@type='application/ld+json']")
    return json.loads(script.text)


def test_article_json_ld_is_a_blog_posting(built_site):
    data = json_ld(parse_html(built_site / SAMPLE_ARTICLE))
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == SAMPLE_TITLE
    assert data["url"] == SAMPLE_URL
    assert data["datePublished"] == "2011-03-07T09:00:00-07:00"
    assert data["articleSection"] == SAMPLE_CATEGORIES
    assert data["publisher"]["name"] == "Cohere Commons"
    assert "author" not in data


def test_json_ld_says_date_modified_only_for_a_post_changed_after_publishing(
    built_site, feeds_site
):
    # The sample post has no Modified date: it says when it was published, once.
    doc = parse_html(built_site / SAMPLE_ARTICLE)
    assert "dateModified" not in json_ld(doc)
    assert not doc.xpath("//head/meta[@property='article:modified_time']")
    changed = parse_html(feeds_site / "2012/01/hostile/index.html")
    assert json_ld(changed)["datePublished"].startswith("2012-01-02T10:00")
    assert json_ld(changed)["dateModified"].startswith("2012-02-03T11:30")
    assert changed.xpath("//head/meta[@property='article:modified_time']/@content") == [
        json_ld(changed)["dateModified"]
    ]


def test_json_ld_keeps_a_hostile_title_inside_its_script(theme_site):
    path = theme_site / "2026/03/hostile-title/index.html"
    raw = path.read_text(encoding="utf-8")
    opening = re.search(r"<script type=\"?application/ld\+json\"?>", raw)
    script_text = raw[opening.end() : raw.index("</script>", opening.end())]
    assert "<" not in script_text
    doc = parse_html(path)
    assert json_ld(doc)["headline"] == HOSTILE_TITLE
    # The script elements in the page are exactly the theme's own.
    assert [s.get("src", s.get("type")) for s in doc.xpath("//script")][:2] == [
        "application/ld+json",
        "../../../theme/js/theme.js",
    ]
    assert not doc.xpath("//img[@onerror] | //*[@onerror]")


def test_production_uses_the_real_address_everywhere(published_site):
    doc = parse_html(published_site / SAMPLE_ARTICLE)
    url = "https://commons.example.org/2011/03/sharing-your-work-and-coworking-to-share/"
    assert doc.xpath("//head/link[@rel='canonical']/@href") == [url]
    assert json_ld(doc)["url"] == url
    # The description is said once for each reader of it: the meta description
    # (search engines) and og:description (link previews), not again in JSON-LD.
    (description,) = doc.xpath("//head/meta[@name='description']/@content")
    assert doc.xpath("//head/meta[@property='og:description']/@content") == [description]
    assert "description" not in json_ld(doc)
    # The footer's feed links start at the site's root, as its other links do;
    # autodiscovery in the head stays absolute.
    footer = doc.xpath("//footer//a/@href")
    assert footer[:2] == ["/feeds/all.atom.xml", "/feeds/all.rss.xml"]
    assert doc.xpath("//head/link[@rel='alternate']/@href")[0] == (
        "https://commons.example.org/feeds/all.atom.xml"
    )
    assert doc.xpath("//head/meta[@property='og:url']/@content") == [url]
    assert not (published_site / "drafts").exists()


def test_share_section_has_the_native_button_and_plain_links_for_three_networks(built_site):
    doc = parse_html(built_site / SAMPLE_ARTICLE)
    (section,) = doc.xpath("//main//section[@aria-labelledby='share-heading']")
    assert text(section.xpath(".//h2")[0]) == "Share this"
    assert section.get("hidden") is None
    links = {a.get("class"): a.get("href") for a in section.xpath(".//a")}
    # LinkedIn, Facebook and X are there only when a site lists them.
    assert list(links) == ["share-email", "share-mastodon", "share-bluesky"]
    parts = {name: urlsplit(href) for name, href in links.items()}
    assert parts["share-email"].scheme == "mailto"
    assert SAMPLE_URL in parse_qs(parts["share-email"].query)["body"][0]
    assert parts["share-mastodon"].netloc == "mastodon.social"
    assert parse_qs(parts["share-mastodon"].query)["text"] == [f"{SAMPLE_TITLE} {SAMPLE_URL}"]
    assert parts["share-bluesky"].netloc == "bsky.app"
    # The Web Share button waits, hidden, for theme.js to find navigator.share.
    (native,) = section.xpath(".//button[@data-share-native]")
    assert native.getparent().get("hidden") is not None
    # It shares what the head says (theme.js): the page's og:title and canonical address.
    assert doc.xpath("//head/meta[@property='og:title']/@content") == [SAMPLE_TITLE]
    assert doc.xpath("//head/link[@rel='canonical']/@href") == [SAMPLE_URL]
    # Nothing on the page loads from those sites.
    for src in doc.xpath("//*[@src]/@src | //link/@href"):
        sites = ("mastodon", "bsky", "linkedin", "facebook", "x.com")
        assert not any(site in src for site in sites)


def test_share_settings_choose_networks_and_the_mastodon_instance(build):
    site = build(
        overrides={
            "PAGE_META": {
                "share_networks": ["x", "mastodon", "email", "linkedin", "facebook"],
                "mastodon_instance": "social.coop",
            }
        }
    )
    doc = parse_html(site / SAMPLE_ARTICLE)
    (section,) = doc.xpath("//main//section[@aria-labelledby='share-heading']")
    links = {a.get("class"): urlsplit(a.get("href")) for a in section.xpath(".//a")}
    assert [h.netloc or h.scheme for h in links.values()] == [
        "x.com",
        "social.coop",
        "mailto",
        "www.linkedin.com",
        "www.facebook.com",
    ]
    assert parse_qs(links["share-linkedin"].query)["url"] == [SAMPLE_URL]
    assert parse_qs(links["share-facebook"].query)["u"] == [SAMPLE_URL]
    assert parse_qs(links["share-x"].query) == {"text": [SAMPLE_TITLE], "url": [SAMPLE_URL]}
    # Not listed: no native share button.
    assert section.xpath(".//button") == []


def test_share_section_with_the_native_button_alone_waits_hidden_for_the_script(build):
    site = build(overrides={"PAGE_META": {"share_networks": ["native"]}})
    doc = parse_html(site / SAMPLE_ARTICLE)
    (section,) = doc.xpath("//main//section[@aria-labelledby='share-heading']")
    # A heading over an empty list where the browser has no share sheet: no.
    assert section.get("hidden") is not None
    assert section.xpath(".//a") == []
    assert len(section.xpath(".//button[@data-share-native]")) == 1
    site = build(overrides={"PAGE_META": {"share_networks": []}})
    doc = parse_html(site / SAMPLE_ARTICLE)
    assert doc.xpath("//section[@aria-labelledby='share-heading']") == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"mastodon_instance": "https://mastodon.social/"}, "PAGE_META['mastodon_instance']"),
        ({"share_networks": ["myspace"]}, "PAGE_META['share_networks']"),
        ({"words_per_minute": 0}, "PAGE_META['words_per_minute']"),
        ({"colour": "teal"}, "unknown key(s) ['colour']"),
    ],
)
def test_bad_page_meta_settings_fail_the_build_naming_the_key(build, value, message):
    from commons.build import BuildError

    with pytest.raises(BuildError) as failure:
        build(overrides={"PAGE_META": value})
    assert message in failure.value.log


def test_listings_show_title_date_authors_categories_summary_and_count_slot(theme_site):
    doc = parse_html(theme_site / "author/lin-ma/index.html")
    items = doc.xpath("//main//article[contains(@class, 'post-summary')]")
    expected = [p for p in EXTRA_POSTS if "Lin Ma" in p[4]]
    assert len(items) == len(expected)
    for item, (slug, date, categories, _tags, authors) in zip(items, expected, strict=True):
        title = slug.replace("-", " ").title()
        assert text(item.xpath(".//h2/a")[0]) == title
        assert item.xpath(".//time/@datetime")[0].startswith(date[:10])
        assert [text(a) for a in item.xpath(".//*[@class='post-authors']/a")] == authors.split(", ")
        shown = [text(a) for a in item.xpath(".//*[@class='post-categories']/a")]
        assert shown == categories.split(", ")
        summary = item.xpath(".//*[contains(@class, 'post-summary-text')]")[0]
        assert text(summary).startswith("A short note")
        (footer,) = item.xpath("./footer")
        assert footer.xpath("a[@class='read-more']/@href") == item.xpath(".//h2/a/@href")


def test_index_is_paginated_newest_first(theme_site):
    first = parse_html(theme_site / "index.html")
    titles = [text(a) for a in first.xpath("//main//article//h2/a")]
    assert len(titles) == 10
    assert titles[0] == HOSTILE_TITLE
    (older,) = first.xpath("//nav[@aria-label='Pages']//a[@rel='next']/@href")
    assert older == "./page/2/"
    second = parse_html(theme_site / "page/2/index.html")
    rest = [text(a) for a in second.xpath("//main//article//h2/a")]
    # 14 published posts in all: the 12 extra, the hostile one and the sample.
    assert len(rest) == 4 and rest[-1] == SAMPLE_TITLE
    assert text(second.xpath("//main//h1")[0]) == "Cohere Commons, page 2"
    assert second.xpath("//title")[0].text == "Page 2 · Cohere Commons"
    assert second.xpath("//nav[@aria-label='Pages']//a[@rel='prev']/@href") == ["../../"]


def test_archives_group_posts_by_year_newest_first(theme_site):
    doc = parse_html(theme_site / "archives/index.html")
    years = [text(h) for h in doc.xpath("//main//section/h2")]
    assert years == ["2026", "2025", "2024", "2011"]
    (year_2011,) = doc.xpath("//main//section[h2='2011']")
    assert [text(a) for a in year_2011.xpath(".//div[@class='archive-entry']/a[1]")] == [
        SAMPLE_TITLE
    ]
    assert doc.xpath("//main//section/h2/a/@href")[-1] == "../archives/2011/"
    period = parse_html(theme_site / "archives/2024/index.html")
    assert text(period.xpath("//main//h1")[0]) == "2024"
    assert len(period.xpath("//main//div[@class='archive-entry']/a[1]")) == 6


def test_category_tag_and_author_pages_say_what_they_list(theme_site):
    for path, kind, name in [
        ("category/events/index.html", "Category", "Events"),
        ("tag/sharing/index.html", "Tag", "sharing"),
        ("author/ada-byron/index.html", "Author", "Ada Byron"),
    ]:
        doc = parse_html(theme_site / path)
        assert text(doc.xpath("//main//*[@class='kicker']")[0]) == kind
        assert text(doc.xpath("//main//h1")[0]) == name
        assert doc.xpath("//title")[0].text == f"{kind}: {name} · Cohere Commons"
        description = doc.xpath("//head/meta[@name='description']/@content")[0]
        assert name in description and description.endswith("on Cohere Commons.")


def test_categories_tags_and_authors_lists_count_posts(theme_site):
    tags = parse_html(theme_site / "tags/index.html")
    rows = {
        text(li.xpath("./a")[0]): text(li.xpath("./span")[0]) for li in tags.xpath("//main//li")
    }
    assert rows["sharing"] == "6 posts" and rows["spotlight"] == "1 post"
    assert list(rows) == sorted(rows)
    authors = parse_html(theme_site / "authors/index.html")
    names = [text(a) for a in authors.xpath("//main//li/a")]
    assert names == ["Ada Byron", "Ines Duarte", "Lin Ma"]


def test_related_posts_share_categories_or_tags(theme_site):
    doc = parse_html(theme_site / "2025/11/bike-lending-shelf/index.html")
    (related,) = doc.xpath("//main//section[@aria-labelledby='related-heading']")
    titles = [text(a) for a in related.xpath(".//li/a")]
    # Each shares Community and #sharing with it (two labels), newest first; posts
    # sharing one label only (Seed Exchange, Desk Swap Week) come after them.
    assert titles == [HOSTILE_TITLE, "Tool Library Night", "Coffee Co Op"]


def test_previous_and_next_posts_follow_the_dates(theme_site):
    doc = parse_html(theme_site / "2025/06/member-spotlight-ines/index.html")
    (nav,) = doc.xpath("//main//nav[@aria-label='Previous and next posts']")
    older = nav.xpath(".//a[@rel='prev']")[0]
    newer = nav.xpath(".//a[@rel='next']")[0]
    assert text(older.xpath(".//*[@class='post-nav-title']")[0]) == "Coffee Co Op"
    assert text(newer.xpath(".//*[@class='post-nav-title']")[0]) == "Quiet Room Rules"
    oldest = parse_html(theme_site / SAMPLE_ARTICLE)
    assert not oldest.xpath("//a[@rel='prev']") and oldest.xpath("//nav//a[@rel='next']")


def test_404_page_is_written_with_links_home(theme_site, published_site):
    doc = parse_html(theme_site / "404.html")
    assert text(doc.xpath("//main//h1")[0]) == "Page not found"
    assert doc.xpath("//main//a/@href")[:2] == ["./", "./archives/"]
    assert doc.xpath("//head/meta[@name='robots']/@content") == ["noindex"]
    # In production every link starts at the site's root, so the page works at
    # any missing address.
    prod = parse_html(published_site / "404.html")
    hrefs = prod.xpath("//head/link[@rel='stylesheet']/@href | //main//a/@href")
    assert hrefs[0] == "/theme/css/commons.css"
    assert all(href.startswith(("/", "https://")) and not href.startswith("//") for href in hrefs)


def test_a_site_in_a_folder_links_from_its_folder(build):
    # SITEURL with a path: the theme's links keep it; canonical addresses stay absolute.
    site = build(
        settings_file=PUBLISH_SETTINGS, env={"COMMONS_SITEURL": "https://example.org/blog"}
    )
    doc = parse_html(site / SAMPLE_ARTICLE)
    assert doc.xpath("//head/link[@rel='stylesheet']/@href")[:2] == [
        "/blog/theme/css/commons.css",
        "/blog/theme/css/post.css",
    ]
    assert doc.xpath("//header//a[contains(concat(' ', @class, ' '), ' site-name ')]/@href") == [
        "/blog/"
    ]
    categories = doc.xpath("//*[@class='post-categories']//a/@href")
    assert categories[0] == "/blog/category/benefits-of-coworking/"
    assert doc.xpath("//head/link[@rel='canonical']/@href") == [
        "https://example.org/blog/2011/03/sharing-your-work-and-coworking-to-share/"
    ]


def test_drafts_are_listed_in_local_builds_only(theme_site, published_site):
    doc = parse_html(theme_site / "drafts/index.html")
    assert [text(a) for a in doc.xpath("//main//article//h2/a")] == ["Unfinished Idea"]
    assert doc.xpath("//main//article//*[@class='badge']")
    footer_links = parse_html(theme_site / "index.html").xpath("//footer//a/text()")
    assert "Drafts (1)" in footer_links
    assert not (published_site / "drafts").exists()
    assert "Drafts (1)" not in parse_html(published_site / "index.html").xpath("//footer//a/text()")


def test_drafts_page_says_when_there_are_none(built_site):
    doc = parse_html(built_site / "drafts/index.html")
    assert " ".join(doc.xpath("normalize-space(//main//p[@class='empty'])").split()) == (
        "No drafts: every post is published."
    )
    assert not [a for a in doc.xpath("//footer//a/text()") if a.startswith("Drafts")]


def test_post_navigation_settings_are_checked(build):
    from commons.build import BuildError

    with pytest.raises(BuildError) as failure:
        build(overrides={"POST_NAVIGATION": {"related_count": 50}})
    assert "POST_NAVIGATION['related_count']" in failure.value.log
