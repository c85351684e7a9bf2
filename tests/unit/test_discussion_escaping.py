"""Hostile titles and ids, escaped for each context they travel through.

- JSON inside `<script type="application/json">`: the theme's `tojson`;
- HTML attributes: the theme's partials, rendered by Jinja with autoescaping
  as Pelican renders them, then parsed back;
- JavaScript source: none is ever built from a value; the partials hold no
  script but the JSON block, and the adapters read values as data (their
  embeds, made in the browser: tests/browser/test_discussion_embeds.py).
"""

from __future__ import annotations

import json
from functools import partial
from types import SimpleNamespace

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader
from lxml import html

from commons import REPO_ROOT
from commons.discussion.providers import script_config
from commons.discussion.settings import validate_settings
from commons.urls import absolute_url
from plugins.discussion.identity import discussion_for
from plugins.discussion.plugin import AssetsOncePerPage
from tests.unit.test_discussion_settings import SAMPLES

HOSTILE_TITLES = [
    "</script><script>alert(1)</script>",
    "Tools & \"things\" 'shared' </script><script>window.__pwned=1</script>",
    "<!-- <script> &amp; &lt;b&gt; \u2028 \u2029 ${x} `tick` \\ end",
]
HOSTILE_ID = "id \"q\" & 'a' </script><script>window.__pwned=2</script> <!--"
TEMPLATES = REPO_ROOT / "theme" / "templates"
# A site-supplied template for the `custom` provider.
CUSTOM_TEMPLATE = (
    '<div class="talk" data-talk-id="{{ discussion.thread_id }}"'
    ' data-talk-title="{{ discussion.title }}"></div>'
)


@pytest.mark.parametrize("value", HOSTILE_TITLES)
def test_the_script_config_is_inert_html_and_parses_back_to_the_value(value):
    data = {"title": value, "nested": [value, {"id": HOSTILE_ID}]}
    env = pelican_like_environment()
    env.globals["discussion_config"] = data
    rendered = env.get_template("partials/discussion/assets.html").render(
        SITEURL="", THEME_STATIC_DIR="theme"
    )
    doc = html.fromstring(f"<div>{rendered}<p id='after'>x</p></div>")
    (config,) = doc.xpath("//script[@data-discussion-config]")
    for character in "<>&":
        assert character not in config.text
    assert json.loads(config.text) == data
    assert doc.xpath("//p[@id='after']"), "the JSON ended the script element early"
    assert len(doc.xpath("//script")) == 1  # the config, nothing more: theme.js loads the rest


def pelican_like_environment() -> Environment:
    # As pelicanconf.py's JINJA_ENVIRONMENT sets it: autoescape on.
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(TEMPLATES)),
                DictLoader({"talk.html": CUSTOM_TEMPLATE}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # plugins/page_meta's filter, for a site whose address is https://site.example.
    env.filters["absolute_url"] = partial(absolute_url, "https://site.example")
    return env


def render_section(provider: str, title: str, identifier: str, state: str = "open"):
    options = {**SAMPLES[provider], "template": "talk.html"} if provider == "custom" else None
    config = validate_settings({"provider": provider, provider: options or SAMPLES[provider]})
    thread = discussion_for(
        config=config,
        metadata={"comments_id": identifier, "comments": state},
        slug="tools",
        title=title,
        url="/2026/01/tools/?a=1&b=2",
        is_page=False,
        source="tools.md",
    )
    env = pelican_like_environment()
    env.globals["discussion_assets_once"] = AssetsOncePerPage()
    env.globals["discussion_config"] = script_config(config)
    rendered = env.get_template("partials/discussion.html").render(
        article=SimpleNamespace(discussion=thread, url="2026/01/tools/", title=title),
        SITEURL="",
        THEME_STATIC_DIR="theme",
        output_file="tools.html",
    )
    return html.fromstring(f"<body>{rendered}</body>"), thread


# Where the page's markup puts the title and the id besides the section's
# data-*: (XPath, attribute, value). Only a custom provider's template does;
# the others' adapters make their embeds from the section's data-*.
CARRIERS = {
    "isso": [],
    "giscus": [],
    "utterances": [],
    "disqus": [],
    "remark42": [],
    "cusdis": [],
    "comentario": [],
    "custom": [
        ("//*[@data-talk-id]", "data-talk-id", "id"),
        ("//div[@class='talk']", "data-talk-title", "title"),
    ],
}


@pytest.mark.parametrize("provider", sorted(CARRIERS))
@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_values_reach_every_attribute_intact(provider, title):
    doc, _thread = render_section(provider, title, HOSTILE_ID)
    (section,) = doc.xpath("//section[@id='discussion']")
    # The widget's title is the head's og:title (tests/browser/test_discussion_embeds.py).
    assert section.get("data-discussion-title") is None
    assert section.get("data-discussion-id") == HOSTILE_ID
    assert section.get("data-discussion-url") == "/2026/01/tools/?a=1&b=2"
    expected = {"title": title, "id": HOSTILE_ID, "path": "/" + HOSTILE_ID}
    for selector, attribute, value in CARRIERS[provider]:
        (element,) = doc.xpath(selector)
        assert element.get(attribute) == expected[value], (selector, attribute)


@pytest.mark.parametrize("provider", sorted(CARRIERS))
def test_no_script_is_built_from_a_value(provider):
    doc, _ = render_section(provider, HOSTILE_TITLES[1], HOSTILE_ID)
    scripts = doc.xpath("//script")
    assert scripts
    for script in scripts:
        if script.get("type") == "application/json":
            assert json.loads(script.text)["mode"] == "consent"
            continue
        assert not (script.text or "").strip(), "inline JavaScript in the discussion markup"
        assert script.get("src")
    # The JSON block holds only settings: no title or id from a post.
    (config,) = doc.xpath("//script[@data-discussion-config]")
    assert "pwned" not in config.text
