"""Each provider, built for real: one thread per article, its embed made only
after consent (by the provider's adapter, tests/browser/test_discussion_embeds.py;
a custom provider's from its inert template), none where `Comments: off`, a
closed line where `Comments: closed`, threads on pages only on request, and
count slots on listings where the provider has a count API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html

from commons import DEV_SETTINGS
from commons.build import build_site
from tests.conftest import SAMPLE_ARTICLE, SAMPLE_TITLE, copy_content, parse_html
from tests.unit.test_discussion_settings import GISCUS_ATTRIBUTES, SAMPLES

SAMPLE_ID = "sharing-your-work-and-coworking-to-share"
CUSTOM_TEMPLATE = (
    '<div class="talk-thread" data-talk-id="{{ discussion.thread_id }}" '
    'data-talk-title="{{ discussion.title }}" data-talk-url="{{ discussion.url }}"></div>\n'
)
EXTRA = {
    "tool-night.md": "Title: Tool Night\nDate: 2026-01-15 18:30\nCategory: Community\n\n"
    "Bring a drill.\n",
    "quiet-post.md": "Title: Quiet Post\nDate: 2026-01-10 09:00\nCategory: Community\n"
    "Comments: off\n\nNo thread.\n",
    "old-thread.md": "Title: Old Thread\nDate: 2026-01-05 09:00\nCategory: Community\n"
    "Comments: closed\n\nClosed.\n",
    "pages/house-rules.md": "Title: House Rules\nSlug: house-rules\nComments: on\n\nBe kind.\n",
}


def with_provider(name: str, options: dict) -> dict:
    return {"provider": name, name: options}


@pytest.fixture(scope="module")
def provider_site(tmp_path_factory):
    """A factory: the content plus EXTRA, built once per provider; returns the output folder."""
    root = tmp_path_factory.mktemp("discussion-providers")
    content = copy_content(root / "content")
    for name, text in EXTRA.items():
        (content / name).write_text(text, encoding="utf-8")
    templates = root / "templates"
    (templates / "partials").mkdir(parents=True)
    (templates / "partials" / "talk.html").write_text(CUSTOM_TEMPLATE, encoding="utf-8")
    built: dict[str, Path] = {}

    def site(name: str) -> Path:
        if name not in built:
            options = SAMPLES[name]
            if name == "custom":
                options = {**options, "template": "partials/talk.html"}
            output = root / f"output-{name}"
            build_site(
                output,
                settings_file=DEV_SETTINGS,
                content=content,
                overrides={
                    "DISCUSSION": with_provider(name, options),
                    "THEME_TEMPLATES_OVERRIDES": [str(templates)],
                },
            )
            built[name] = output
        return built[name]

    return site


def discussion_sections(doc):
    return doc.xpath("//section[@id='discussion']")


# Each provider's key in the page's settings, which its adapter makes the
# embed from (custom has none: its template is the embed).
PROVIDER_SETTINGS = {
    "isso": {"lang": "en", "css": True},
    "giscus": {
        **GISCUS_ATTRIBUTES,
        "data-reactions-enabled": "1",
        "data-emit-metadata": "0",
        "data-input-position": "bottom",
    },
    "utterances": {
        "src": "https://utteranc.es/client.js",
        "data-repo": "cohere/commons",
        "data-label": "comments",
        "crossorigin": "anonymous",
    },
    "disqus": {"language": "en", "src": "https://cohere-commons.disqus.com/embed.js"},
    "remark42": {
        "host": "https://remark42.example.org",
        "site_id": "cohere",
        "locale": "en",
        "components": ["embed", "counter"],
    },
    "cusdis": {
        "host": "https://cusdis.com/",
        "app_id": "0f8c1c9e-1111-2222-3333-444455556666",
        "lang": "en",
    },
    "comentario": {
        "url": "https://comentario.example.org/",
        "lang": "en",
        "max_level": "10",
        "fonts": False,
    },
    "custom": None,
}
COUNT_SLOTS = {
    "isso": "span[@data-discussion-count-value]",
    "disqus": "span[contains(@class, 'disqus-comment-count')]"
    f"[@data-disqus-identifier='{SAMPLE_ID}']",
    "remark42": "span[contains(@class, 'remark42__counter')]"
    f"[@data-url='/{SAMPLE_ARTICLE.removesuffix('index.html')}']",
    "cusdis": f"span[@data-cusdis-count-page-id='{SAMPLE_ID}']",
}


@pytest.mark.parametrize("name", sorted(PROVIDER_SETTINGS))
def test_the_article_carries_one_thread_and_no_embed_before_consent(provider_site, name):
    doc = parse_html(provider_site(name) / SAMPLE_ARTICLE)
    (section,) = discussion_sections(doc)
    assert section.get("data-discussion-provider") == name
    assert section.get("data-discussion-id") == SAMPLE_ID
    # The adapters take the title from the head, written before the body.
    assert section.get("data-discussion-title") is None
    (title,) = doc.xpath("/html/head/meta[@property='og:title']/@content")
    assert title == SAMPLE_TITLE
    assert section.get("data-discussion-state") is None  # open: only "closed" is written
    templates = section.xpath(".//template[@data-discussion-embed]")
    if name == "custom":
        (template,) = templates
        (thread,) = template.xpath(".//*[@class='talk-thread']")
        assert thread.get("data-talk-id") == SAMPLE_ID
        assert thread.get("data-talk-title") == SAMPLE_TITLE
    else:
        assert templates == [], "only a custom provider's embed is a template"
    # The page loads the site's own theme.js alone; discussion.js comes from it.
    assert [src.rsplit("/", 1)[-1] for src in doc.xpath("//script/@src")] == ["theme.js"]
    # The settings, found by position: the section's own child.
    (config,) = doc.xpath("//script[@data-discussion-config]")
    assert config.getparent() is section and section.getparent().tag == "main"
    settings = json.loads(config.text)
    assert settings.get(name) == PROVIDER_SETTINGS[name]
    assert SAMPLE_ID not in config.text and "Sharing" not in config.text


@pytest.mark.parametrize("name", sorted(PROVIDER_SETTINGS))
def test_off_has_no_thread_and_pages_need_to_ask(provider_site, name):
    output = provider_site(name)
    assert discussion_sections(parse_html(output / "2026/01/quiet-post/index.html")) == []
    assert discussion_sections(parse_html(output / "about/index.html")) == []
    (page,) = discussion_sections(parse_html(output / "house-rules/index.html"))
    assert page.get("data-discussion-id") == "pages/house-rules"


def test_closed_shows_a_line_and_the_read_only_thread_where_the_provider_has_one(provider_site):
    for name, read_only in [("isso", False), ("cusdis", False), ("giscus", True), ("disqus", True)]:
        doc = parse_html(provider_site(name) / "2026/01/old-thread/index.html")
        (section,) = discussion_sections(doc)
        assert section.get("data-discussion-state") == "closed"
        closed = section.xpath(".//*[contains(@class, 'discussion-closed')]")
        assert [" ".join(p.text_content().split()) for p in closed] == [
            "The discussion on this post is closed."
        ]
        has_thread = bool(section.xpath(".//*[@data-discussion-gate]"))
        assert has_thread is read_only, name


@pytest.mark.parametrize("name", sorted(PROVIDER_SETTINGS))
def test_the_index_shows_count_slots_where_the_provider_counts(provider_site, name):
    doc = parse_html(provider_site(name) / "index.html")
    slots = doc.xpath("//a[@data-discussion-count]")
    links = doc.xpath("//a[contains(@class, 'discussion-count')]")
    hrefs = [a.get("href") for a in links]
    assert any(h.endswith("sharing-your-work-and-coworking-to-share/#discussion") for h in hrefs)
    assert not any("quiet-post" in h for h in hrefs), "a post without a thread links to one"
    if name not in COUNT_SLOTS:
        assert slots == []
        assert doc.xpath("//script[@data-discussion-config]") == []
        return
    (sample,) = [a for a in slots if a.get("data-discussion-count") == SAMPLE_ID]
    assert sample.xpath(COUNT_SLOTS[name])
    assert " ".join(sample.text_content().split()).startswith("Discussion")
    assert {a.get("data-discussion-count") for a in slots} >= {SAMPLE_ID, "tool-night"}
    (config,) = doc.xpath("//main/script[@data-discussion-config]")
    # A listing has no thread: its settings are those the counts need, no more;
    # the post's page has the thread's too.
    listing = json.loads(config.text)
    (post_config,) = parse_html(provider_site(name) / SAMPLE_ARTICLE).xpath(
        "//script[@data-discussion-config]/text()"
    )
    thread = json.loads(post_config)
    assert {"label", "themes"} & set(thread)
    assert listing == {key: thread[key] for key in listing}
    assert not {"label", "themes"} & set(listing)
    # The embed's settings are the thread's alone (Remark42's serve its counter too).
    assert (name in listing) is (name == "remark42")
    assert {"mode", "storageKey"} <= set(listing)


def test_noscript_offers_the_providers_own_page_where_there_is_one(provider_site):
    doc = parse_html(provider_site("giscus") / SAMPLE_ARTICLE)
    (noscript,) = doc.xpath("//section[@id='discussion']//noscript")
    markup = html.tostring(noscript, encoding="unicode")
    assert 'href="https://github.com/cohere/commons/discussions"' in markup
    # Isso, which Commons runs, links to the plain comment form instead of a note.
    doc = parse_html(provider_site("isso") / SAMPLE_ARTICLE)
    assert not doc.xpath("//section[@id='discussion']//noscript")
    (link,) = doc.xpath("//section[@id='discussion']//*[@data-discussion-form]/a")
    assert "/form/new?uri=" in link.get("href") and link.text == "Leave a comment"
    doc = parse_html(provider_site("remark42") / SAMPLE_ARTICLE)
    (noscript,) = doc.xpath("//section[@id='discussion']//noscript")
    markup = html.tostring(noscript, encoding="unicode")
    assert "Comments need JavaScript." in markup and "href" not in markup


def test_every_providers_markup_is_valid_html(provider_site, tmp_path):
    import shutil

    from tests.build.test_html_validity import run_vnu

    for name in sorted(PROVIDER_SETTINGS):
        output = provider_site(name)
        for page in (SAMPLE_ARTICLE, "2026/01/old-thread/index.html", "index.html"):
            target = tmp_path / name / page
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(output / page, target)
    pages, messages = run_vnu(tmp_path)
    assert len(pages) == 3 * len(PROVIDER_SETTINGS)
    errors = [
        f"{m['url'].rsplit(str(tmp_path), 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == []
