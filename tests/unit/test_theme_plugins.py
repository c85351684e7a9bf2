"""The theme's plugins as pure functions: page_meta, post_navigation, css_minify, js_minify,
html_minify."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jinja2
import pytest
from lxml import html as lxml_html
from markupsafe import Markup, escape

from commons import REPO_ROOT
from commons.settings import SettingsError
from plugins.css_minify.css_minify import minify
from plugins.html_minify.compact import attribute_value, compact
from plugins.html_minify.html_minify import CompactMarkup
from plugins.js_minify.js_minify import minify as js_minify
from plugins.page_meta.page_meta import (
    SCHEMA,
    PageMeta,
    plain_text,
    shorten,
)
from plugins.page_meta.share import LINK_NETWORKS, share_links, share_url
from plugins.post_navigation.post_navigation import link_neighbours, link_related


def test_share_urls_encode_title_and_address():
    title, url = "Tools & Co: 50% off?", "https://example.org/a b/"
    for network in LINK_NETWORKS:
        link = share_url(network, title, url, "social.coop")
        assert " " not in link and "&amp;" not in link
    mastodon = urlsplit(share_url("mastodon", title, url, "social.coop"))
    assert mastodon.netloc == "social.coop"
    assert parse_qs(mastodon.query) == {"text": [f"{title} {url}"]}
    email = urlsplit(share_url("email", title, url, "social.coop"))
    assert parse_qs(email.query) == {"subject": [title], "body": [url]}
    assert "+" not in email.query  # mail clients would show a plus sign
    with pytest.raises(ValueError, match="myspace"):
        share_url("myspace", title, url, "social.coop")


def test_share_links_are_the_query_strings_urlencode_writes():
    networks = ["native", *LINK_NETWORKS]
    title = "Çà & ça: 50%+ off? #1 / \"quotes\" 'x' <b> 字\u3000 ~_.-"
    url = "https://example.org/ç a/?q=1&r=2#top"
    text = f"{title} {url}"
    expected = {
        "email": "mailto:?" + urlencode({"subject": title, "body": url}, quote_via=quote),
        "mastodon": "https://social.coop/share?" + urlencode({"text": text}, quote_via=quote),
        "bluesky": "https://bsky.app/intent/compose?" + urlencode({"text": text}, quote_via=quote),
        "linkedin": "https://www.linkedin.com/sharing/share-offsite/?"
        + urlencode({"url": url}, quote_via=quote),
        "facebook": "https://www.facebook.com/sharer/sharer.php?"
        + urlencode({"u": url}, quote_via=quote),
        "x": "https://x.com/intent/tweet?"
        + urlencode({"text": title, "url": url}, quote_via=quote),
    }
    links = share_links(networks, title, url, "social.coop")
    assert [link.network for link in links] == list(LINK_NETWORKS)
    assert {link.network: link.href for link in links} == expected


def test_reading_time_counts_words_between_tags_and_unicode_spaces():
    body = "<p>one\u00a0two\u3000three <b>four</b>five\x1csix\u2003seven</p>\n<p>eight</p>"
    post = SimpleNamespace(content=body)
    meta = PageMeta(post, {"words_per_minute": 2})
    assert meta.word_count == 8
    assert meta.reading_minutes == 4


def test_descriptions_are_plain_text_cut_at_a_word():
    assert plain_text("<p>Tools &amp; <em>co</em>\n ops</p>") == "Tools & co ops"
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 12) == "short"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"mastodon_instance": "https://x.org"}, "mastodon_instance"),
        ({"mastodon_instance": "mastodon.social/"}, "mastodon_instance"),
        ({"share_networks": "email"}, "share_networks"),
        ({"description_length": True}, "description_length"),
        ({"twitter_site": "cohere"}, "twitter_site"),
        ({"site_url": "commons.example.org"}, "site_url"),
    ],
)
def test_page_meta_settings_errors_name_the_key(raw, key):
    with pytest.raises(SettingsError, match=rf"PAGE_META\['{key}'\]"):
        SCHEMA.validate(raw, {"SITEURL": "", "FEED_DOMAIN": "http://127.0.0.1:8000"})


def test_page_meta_site_url_defaults_to_an_absolute_siteurl_then_feed_domain():
    local = SCHEMA.validate({}, {"SITEURL": "", "FEED_DOMAIN": "http://127.0.0.1:8000/"})
    assert local["site_url"] == "http://127.0.0.1:8000"
    prod = SCHEMA.validate({}, {"SITEURL": "https://c.org", "FEED_DOMAIN": "https://c.org"})
    assert prod["site_url"] == "https://c.org"
    with pytest.raises(SettingsError, match="site_url"):
        SCHEMA.validate({}, {"SITEURL": "", "FEED_DOMAIN": ""})


def post(slug, date, categories=(), tags=()):
    label = lambda name: SimpleNamespace(slug=name)  # noqa: E731
    return SimpleNamespace(
        slug=slug,
        date=datetime.fromisoformat(date),
        categories=[label(c) for c in categories],
        tags=[label(t) for t in tags],
    )


def test_related_posts_rank_by_shared_labels_then_date():
    a = post("a", "2024-01-01", ["community"], ["sharing", "bikes"])
    b = post("b", "2023-01-01", ["community"], ["bikes"])  # shares 2
    c = post("c", "2025-01-01", ["events"], ["sharing"])  # shares 1, newest
    d = post("d", "2022-01-01", ["community"])  # shares 1
    e = post("e", "2025-06-01", ["events"])  # shares nothing
    link_related([a, b, c, d, e], count=3)
    assert [p.slug for p in a.related_posts] == ["b", "c", "d"]
    assert e.related_posts == [c]
    link_related([a, b, c, d, e], count=0)
    assert a.related_posts == []


def test_neighbours_follow_dates():
    posts = [post("new", "2025-01-01"), post("old", "2023-01-01"), post("mid", "2024-01-01")]
    link_neighbours(posts)
    new, old, mid = posts
    assert (old.older_article, old.newer_article) == (None, mid)
    assert (mid.older_article, mid.newer_article) == (old, new)
    assert new.newer_article is None


def test_css_minify_keeps_strings_and_selector_spaces():
    css = '/* note */\na :hover ,  b > c {\n  content: " ( /* x */ ) ";\n  color : red ;\n}\n'
    assert minify(css) == 'a :hover,b>c{content:" ( /* x */ ) ";color:red}'
    # A rebuild into an existing output minifies the minified file again.
    assert minify(minify(css)) == minify(css)


def test_css_minify_output_of_the_theme_parses_to_the_same_rules(reading_page):
    # Chromium parses both versions; the rules it sees must be the same (custom
    # properties keep their own spacing, so spaces around commas are ignored).
    script = """css => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);
        return Array.from(sheet.cssRules,
            r => r.cssText.replace(/\\s*,\\s*/g, ",").replace(/\\s+/g, " ")); }"""
    for sheet in sorted((REPO_ROOT / "theme/static/css").glob("*.css")):
        source = sheet.read_text(encoding="utf-8")
        assert reading_page.evaluate(script, minify(source)) == reading_page.evaluate(
            script, source
        ), sheet


def test_js_minify_keeps_strings_regexps_and_the_line_breaks_statements_need():
    script = (
        "/* a header\n   on two lines */\n(function () {\n"
        '  // a note\n  var url = "http://x/*y*/"; // after code\n'
        "  var re = /a\\/\\/b/; // after a regular expression\n"
        "  var t = `\n  // in a template\n`;\n"
        "  var n = 1\n  n++\n  return n\n})();\n"
    )
    assert js_minify(script) == (
        '(function(){var url="http://x/*y*/";var re=/a\\/\\/b/;'
        "var t=`\n  // in a template\n`;"
        # No semicolons in the source: the line breaks stay, so `n++` is
        # still its own statement.
        "var n=1\nn++\nreturn n})();"
    )
    # A rebuild into an existing output minifies the minified file again.
    assert js_minify(js_minify(script)) == js_minify(script)


def test_js_minify_output_of_the_theme_runs_the_same(reading_page):
    # Chromium compiles each minified script: a syntax error would throw.
    for script in sorted((REPO_ROOT / "theme/static/js").rglob("*.js")):
        source = js_minify(script.read_text(encoding="utf-8"))
        kind = "module" if "import(" in source or "export " in source else "script"
        ok = reading_page.evaluate(
            """([source, kind]) => { try {
                if (kind === "module") return true;
                new Function(source); return true; } catch (e) { return String(e); } }""",
            [source, kind],
        )
        assert ok is True, (script.name, ok)


def compacted_environment(templates: dict[str, str], autoescape: bool = True):
    loader = jinja2.DictLoader(templates)
    environment = jinja2.Environment(loader=loader, autoescape=autoescape, trim_blocks=True)
    environment.add_extension(CompactMarkup)
    return environment


COMPACTED_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
  <title>{{ title }}</title>
  <meta property="og:title" content="{{ title }}">
</head>
<body>
  <p class="byline">
    <a href="{{ base }}/{{ url }}" rel="author">{{ name }}</a>
    <span class="when">{{ when }}</span>
  </p>
  <svg width="2" height="2"><rect width="2" rx="1"/></svg>
  <pre>  keep
    this  </pre>
  <script type="application/json">{"a": "b c"}</script>
  <!-- a  comment -->
  <p title="{{ when }}
    and later">{{ when }}</p>
  <ul class='{{ kind }}'>
    <li>{{ body }}</li>
  </ul>
</body>
</html>
"""
HOSTILE_VALUES = {
    "lang": "en",
    "title": '" onmouseover=alert(1) x="',
    "base": "",
    "url": "a b/",
    "name": "<script>alert(2)</script>",
    "when": "today",
    "kind": "x' onfocus='alert(3)",
    "body": "<b>kept</b>  as  given",
}


@pytest.mark.parametrize("autoescape", [True, False])
def test_compacted_templates_render_the_same_page(autoescape):
    plain = jinja2.Environment(
        loader=jinja2.DictLoader({"page.html": COMPACTED_PAGE}),
        autoescape=autoescape,
        trim_blocks=True,
    )
    compacted = compacted_environment({"page.html": COMPACTED_PAGE}, autoescape)
    for values in (HOSTILE_VALUES, {**HOSTILE_VALUES, "url": "about/", "title": "Tools"}):
        before = plain.get_template("page.html").render(values)
        after = compacted.get_template("page.html").render(values)
        assert len(after) < len(before)
        if autoescape:
            parsed = [lxml_html.fromstring(page) for page in (before, after)]
            for path in ("//meta", "//a", "//ul", "//svg/*", "//html"):
                assert [dict(e.attrib) for e in parsed[1].xpath(path)] == [
                    dict(e.attrib) for e in parsed[0].xpath(path)
                ], path
            assert parsed[1].xpath("//script/@type") == ["application/json"]
            assert [e.text for e in parsed[1].xpath("//body//script")] == ['{"a": "b c"}']
        body = escape(values["body"]) if autoescape else values["body"]
        for kept in ("<pre>  keep\n    this  </pre>", "<!-- a  comment -->", body):
            assert kept in after
    page = compacted.get_template("page.html").render({**HOSTILE_VALUES, "url": "about/"})
    # What may be written unquoted is; what may not keeps its quotes.
    assert "<a href=/about/ rel=author>" in page and '<rect width=2 rx="1"/>' in page
    assert "<p class=byline><a " in page and "</a>\n<span class=when>" in page


def test_compacting_keeps_every_line_of_the_template():
    source = COMPACTED_PAGE.replace("<li>{{ body }}</li>", "<li>{{ body | nosuchfilter }}</li>")
    compacted = compact(source)
    assert compacted.count("\n") == source.count("\n") and compact(compacted) == compacted
    environment = compacted_environment({"broken.html": source})
    with pytest.raises(jinja2.TemplateAssertionError) as error:
        environment.get_template("broken.html")
    assert (
        error.value.lineno
        == source.splitlines().index("    <li>{{ body | nosuchfilter }}</li>") + 1
    )


@pytest.mark.parametrize(
    ("parts", "written"),
    [
        (("", "/about/"), "/about/"),
        (("", "a b"), '"a b"'),
        (("", '" onmouseover=alert(1)'), '"&#34; onmouseover=alert(1)"'),
        (("x", "=y"), '"x=y"'),
        (("", "`"), '"`"'),
        (("", ""), '""'),
        (("", Markup("<b>")), '"<b>"'),
    ],
)
def test_an_attribute_value_loses_its_quotes_only_where_it_may(parts, written):
    assert attribute_value(parts, '"') == written


def test_a_template_with_other_delimiters_is_left_as_it_is():
    source = '<p class="x">\n<%= a %>\n</p>'
    environment = jinja2.Environment(
        loader=jinja2.DictLoader({"other.html": source}),
        variable_start_string="<%=",
        variable_end_string="%>",
        extensions=[CompactMarkup],
    )
    assert environment.get_template("other.html").render(a="1") == '<p class="x">\n1\n</p>'


def test_compacting_the_themes_templates_twice_changes_nothing():
    templates = sorted((REPO_ROOT / "theme" / "templates").rglob("*.html"))
    assert len(templates) > 20
    for path in templates:
        source = path.read_text(encoding="utf-8")
        compacted = compact(source)
        assert compacted.count("\n") == source.count("\n"), path
        assert compact(compacted) == compacted, path
