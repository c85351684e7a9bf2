"""The feed plugin's pure functions: ids, absolute links, discussion links, feed names."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urljoin

import lxml.html
import pytest

from commons.discussion.settings import validate_settings as discussion_settings
from plugins.discussion.identity import discussion_for
from plugins.feeds.discovery import links_for
from plugins.feeds.entries import (
    absolutize_html,
    describe_feed,
    discussion_link,
    entry_id,
    feed_title,
    tag_uri,
)
from plugins.feeds.writer import terms

OPTIONS = {"id_authority": "commons.example.org", "id_date": "2011-03"}
FEED_PATHS = {
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "CATEGORY_FEED_ATOM": "feeds/category/{slug}.atom.xml",
    "CATEGORY_FEED_RSS": "feeds/category/{slug}.rss.xml",
    "TAG_FEED_ATOM": "feeds/tag/{slug}.atom.xml",
    "AUTHOR_FEED_RSS": "feeds/author/{slug}.rss.xml",
    "CATEGORY_URL": "category/{slug}/",
    "TAG_URL": "tag/{slug}/",
    "AUTHOR_URL": "author/{slug}/",
}


DISCUSSION = discussion_settings({"provider": "isso", "isso": {"url": "https://talk.x.org/"}})


def post(**attributes):
    """A post as the feeds see it: with the thread the discussion plugin attaches."""
    metadata = attributes.pop("metadata", {})
    defaults = {"slug": "a-post", "url": "2011/03/a-post/", "lang": "en", "title": "A post"}
    article = SimpleNamespace(metadata=metadata, **{**defaults, **attributes})
    if "discussion" not in attributes:
        article.discussion = thread(article)
    return article


def thread(article):
    return discussion_for(
        config=DISCUSSION,
        metadata=article.metadata,
        slug=article.slug,
        title=article.title,
        url=f"/{article.url}",
        is_page=False,
        source=f"{article.slug}.md",
    )


def test_entry_id_is_a_tag_uri_on_the_authority_and_the_slug():
    assert entry_id(OPTIONS, post()) == "tag:commons.example.org,2011-03:post/a-post"


def test_entry_id_ignores_the_url_and_the_title():
    moved = post(url="posts/renamed-elsewhere.html", title="A new title")
    assert entry_id(OPTIONS, moved) == entry_id(OPTIONS, post())


def test_entry_id_is_the_discussion_thread_id_so_a_new_slug_keeps_the_id():
    before = post(slug="old-slug", metadata={"comments_id": "thread-7"})
    after = post(slug="new-slug", metadata={"comments_id": "thread-7"})
    assert entry_id(OPTIONS, before) == entry_id(OPTIONS, after)
    assert entry_id(OPTIONS, before).endswith(":post/thread-7")
    # Read from the thread the discussion plugin worked out, not derived again.
    moved = post(slug="a-post", discussion=SimpleNamespace(thread_id="kept-elsewhere"))
    assert entry_id(OPTIONS, moved).endswith(":post/kept-elsewhere")


def test_a_translation_gets_its_own_id():
    original = post(lang="en")
    translation = post(lang="fr")
    assert entry_id(OPTIONS, original, "en") != entry_id(OPTIONS, translation, "en")


def test_tag_uri_escapes_what_a_tag_uri_cannot_hold():
    assert tag_uri("example.org", "2020", "post/a b#c") == "tag:example.org,2020:post/a%20b%23c"


def test_absolutize_html_rewrites_links_images_srcset_and_fragments():
    page = "https://x.org/2011/03/a/"
    fragment = (
        'Intro <a href="../../../about/">about</a>'
        '<p><img src="/images/a.png" srcset="/images/a.png 1x, b.png 2x" alt="A">'
        '<a href="#note">note</a> <a href="https://other.org/">out</a></p>'
        '<video poster="still.jpg"></video> tail &amp; more'
    )
    result = lxml.html.fragment_fromstring(absolutize_html(fragment, page), create_parent="div")
    assert result.xpath("//a/@href") == [
        "https://x.org/about/",
        "https://x.org/2011/03/a/#note",
        "https://other.org/",
    ]
    assert result.xpath("//img/@src") == ["https://x.org/images/a.png"]
    assert result.xpath("//img/@srcset") == [
        "https://x.org/images/a.png 1x, https://x.org/2011/03/a/b.png 2x"
    ]
    assert result.xpath("//video/@poster") == ["https://x.org/2011/03/a/still.jpg"]
    # Text before, between and after the elements is kept, entities included.
    assert result.text_content().startswith("Intro about")
    assert result.text_content().endswith("tail & more")


SITE_PAGE = "https://x.org/2011/03/a/"


@pytest.mark.parametrize(
    "fragment",
    [
        '<A HREF="rel/">upper case</A>',
        "<a href=rel/>unquoted</a>",
        "<img\nsrc='rel.png' alt=a>",
        '<code>x href="https://x.org/"</code> <a href="rel/">after code</a>',
        # An attribute value holding markup, then the relative link.
        '<p title="a<b c=" href="rel/">held</p>',
        "x=https://x.org/<a/href=rel/>slash</a>",
        """<p title='a src="https://x.org/' href="rel/">held in a value</p>""",
        '<!-- <p title=" --><a href="rel/">after a comment</a>',
        '<a "x" href=rel/>stray quote</a> <a title=">" href=rel/>quoted end</a>',
        "<a href>no value</a>",
        '<a href=" https://x.org/spaced ">spaced</a>',
        '<a href="https&colon;//other.org/">reference</a>',
        '<a href="https://x.org/?a=1&amp;b=2">query</a> <a href="">empty</a>',
        '<div style="background: url(rel.png)">style</div>',
        '<blockquote cite="rel/">cite</blockquote>',
        '<a href="HTTPS://x.org/">scheme</a>',
        '<form action="rel/"><button formaction="other/">go</button></form>',
        '<img src="https://x.org/a.png" srcset="b.png 2x"><video poster="c.jpg"></video>',
    ],
)
def test_absolutize_html_leaves_no_relative_link_in_any_way_html_writes_one(fragment):
    result = lxml.html.fragment_fromstring(
        absolutize_html(fragment, SITE_PAGE), create_parent="div"
    )
    links = [link for _element, _attribute, link, _pos in result.iterlinks()]
    links += [
        candidate.split()[0]
        for element in result.iter()
        for candidate in (element.get("srcset") or "").split(",")
        if candidate.strip()
    ]
    links += [element.get("poster") for element in result.iter() if element.get("poster")]
    assert links
    assert [link for link in links if urljoin(SITE_PAGE, link.strip()) != link] == []


def test_absolutize_html_gives_back_a_body_whose_links_are_all_absolute_as_it_is():
    # As a production build writes bodies: the site's own address in every link.
    # Not parsed and written again: the unquoted alt stays as written.
    fragment = (
        '<p>Intro <a href="https://x.org/2011/03/b/">b</a> &amp; '
        '<img alt=photo src="https://x.org/images/a.png"></p>'
    )
    assert absolutize_html(fragment, SITE_PAGE) == fragment


def test_absolutize_html_leaves_empty_content_alone():
    assert absolutize_html("", "https://x.org/") == ""


def discussion(**attributes):
    return SimpleNamespace(**{"enabled": True, "url": "/2011/03/a-post/", **attributes})


def test_discussion_link_is_the_post_url_and_the_anchor():
    article = post(discussion=discussion(anchor="discussion"))
    assert discussion_link(article, "https://x.org") == "https://x.org/2011/03/a-post/#discussion"


def test_no_discussion_link_when_comments_are_off_or_the_plugin_is_absent():
    assert discussion_link(post(discussion=discussion(enabled=False)), "https://x.org") is None
    assert discussion_link(post(discussion=None), "https://x.org") is None


@pytest.mark.parametrize(
    ("path", "kind", "slug", "page_url"),
    [
        ("feeds/all.atom.xml", "all", "", ""),
        (
            "feeds/category/current-members.rss.xml",
            "category",
            "current-members",
            "category/current-members/",
        ),
        ("feeds/tag/tools-things.atom.xml", "tag", "tools-things", "tag/tools-things/"),
        ("feeds/author/ana-diaz.rss.xml", "author", "ana-diaz", "author/ana-diaz/"),
        ("elsewhere/odd.xml", "other", "elsewhere/odd", ""),
    ],
)
def test_describe_feed_recognises_each_feed_path_setting(path, kind, slug, page_url):
    about = describe_feed(path, FEED_PATHS)
    assert (about.kind, about.slug, about.page_url) == (kind, slug, page_url)


def test_feed_titles_say_what_the_feed_holds():
    assert feed_title("Commons", "all") == "Commons"
    assert feed_title("Commons", "category", "Community") == "Commons: Community"
    assert feed_title("Commons", "tag", "Workshops") == "Commons: posts tagged Workshops"
    assert feed_title("Commons", "author", "Ana") == "Commons: posts by Ana"


def test_terms_are_every_category_then_every_tag_once():
    item = SimpleNamespace(categories=["Community", "Coworking"], tags=["Community", "Tools"])
    assert terms(item) == ["Community", "Coworking", "Tools"]
    assert terms(SimpleNamespace(category="Misc")) == ["Misc"]


class Category(SimpleNamespace):
    def __str__(self):
        return self.name


def test_discovery_on_a_category_page_adds_that_categorys_feeds():
    category = Category(slug="community", name="Community")
    context = {**FEED_PATHS, "SITENAME": "Commons", "SITEURL": "../..", "category": category}
    links = links_for(context)
    assert [(link.href, link.type) for link in links] == [
        ("../../feeds/all.atom.xml", "application/atom+xml"),
        ("../../feeds/all.rss.xml", "application/rss+xml"),
        ("../../feeds/category/community.atom.xml", "application/atom+xml"),
        ("../../feeds/category/community.rss.xml", "application/rss+xml"),
    ]
    assert links[2].title == "Commons: Community (Atom)"


def test_discovery_on_a_post_announces_only_the_site_feeds():
    category = SimpleNamespace(slug="community")
    context = {
        **FEED_PATHS,
        "SITENAME": "C",
        "SITEURL": "",
        "category": category,
        "article": post(),
    }
    assert [link.href for link in links_for(context)] == [
        "/feeds/all.atom.xml",
        "/feeds/all.rss.xml",
    ]


def test_the_site_feeds_each_page_announces_are_worked_out_once_per_site_address():
    from jinja2 import Environment

    from plugins.feeds.discovery import FeedLinks

    env = Environment(autoescape=True)
    env.globals["feed_links"] = FeedLinks()
    template = env.from_string("{% for f in feed_links() %}{{ f.href }}|{{ f.title }};{% endfor %}")
    category = Category(slug="community", name="Community")
    pages = [
        {"SITEURL": "../..", "category": category},
        {"SITEURL": "", "category": category, "article": post()},
        {"SITEURL": "../..", "tag": Category(slug="food", name="Food")},
        {"SITEURL": ".."},
        {"SITEURL": "..", "SITENAME": "Renamed"},
    ]
    for page in pages:
        context = {**FEED_PATHS, "SITENAME": "Commons", **page}
        expected = "".join(f"{link.href}|{link.title};" for link in links_for(context))
        assert template.render(context) == expected
    # One list of site-wide links per site address and name: four, for five pages.
    assert len(env.globals["feed_links"].site_links) == 4


def test_two_posts_that_would_share_an_id_stop_the_build():
    from pelican.generators import ArticlesGenerator

    from plugins.feeds.plugin import DuplicateEntryIdError, check_entry_ids

    generator = object.__new__(ArticlesGenerator)
    generator.settings = {
        "FEEDS": OPTIONS,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "DEFAULT_LANG": "en",
        "PATH": "/site/content",
    }
    first = post(source_path="/site/content/2011/talk.md", slug="talk")
    second = post(source_path="/site/content/2012/talk.md", slug="talk")
    generator.articles, generator.translations = [first, second], []
    with pytest.raises(DuplicateEntryIdError, match=r"2011/talk.md and 2012/talk.md .*Comments_id"):
        check_entry_ids([generator])
    second.metadata = {"comments_id": "talk-2012"}
    second.discussion = thread(second)
    check_entry_ids([generator])


def every_tag_read(fragment: str, page_url: str) -> bool:
    """links_all_absolute as it read every start tag, attribute by attribute (the reference)."""
    from plugins.feeds import entries

    if fragment.count("<") > entries.SCAN_MAX_TAGS or entries.NOT_SCANNED.search(fragment.lower()):
        return False
    for tag in entries.TAG_START.finditer(fragment):
        position = tag.end()
        while (attribute := entries.ATTRIBUTE.match(fragment, position)) is not None:
            position = attribute.end()
            if attribute.group(1).lower() not in entries.LINK_ATTRIBUTES:
                continue
            value = next((group for group in attribute.groups()[1:] if group is not None), "")
            if not entries.url_kept(value, page_url):
                return False
        if not entries.TAG_END.match(fragment, position):
            return False
    return True


def test_the_scan_skips_only_tags_that_reading_every_attribute_would_pass():
    import random

    from plugins.feeds.entries import links_all_absolute

    pieces = [
        "<p>", "<span class=\"k\">", "</span>", "<a href=\"https://x.org/b/\">", "<a href=rel/>",
        "<span class='k'>", "<span CLASS=\"k\">", "<span class=\"k\" >", "<span class=\"k\"/>",
        "<span  class=\"k\">", "<span class=\"<a href=rel/>\">", "<a<b>", "<a<b href=rel/>",
        "<b class=\"x\" href=\"rel/\">", "<img src=\"https://x.org/i.png\" alt=\"a\">",
        "<img src=\"i.png\">", "<p class=\"a\"", "<p", "text ", "<code>", "a < b", "<li>",
        "<div class=\"highlight\"><pre>", "<span class=\"\">", "<i class=\"a\"b\">",
        "<em class=x>", "<a href=\"https://other.org/\" class=\"k\">",
    ]  # fmt: skip
    chooser = random.Random(4)
    fragments = ["".join(chooser.choices(pieces, k=chooser.randint(1, 12))) for _ in range(5000)]
    verdicts = set()
    for fragment in fragments:
        verdict = every_tag_read(fragment, SITE_PAGE)
        assert links_all_absolute(fragment, SITE_PAGE) == verdict, fragment
        verdicts.add(verdict)
    assert verdicts == {True, False}
