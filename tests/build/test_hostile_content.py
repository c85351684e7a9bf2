"""Hostile values in every field an editor controls come out as text, everywhere.

The corpus (tests/hostile_corpus.py) puts markup, script breakers, quotes,
ampersands, Jinja syntax, emoji, right-to-left text, 2,000-character strings
and a NUL byte into titles, summaries, tags, categories, authors, slugs,
thread ids and image credits. Every generated page and feed is parsed, and
nothing may appear that the content did not legitimately ask for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree, html

from tests.conftest import copy_content, guard
from tests.hostile_corpus import (
    IDS_POST,
    IDS_POST_SLUG,
    LINKING_POST,
    MARKER,
    POSTS,
    write_corpus,
)

ATOM = "{http://www.w3.org/2005/Atom}"
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from commons.build import build_site

    root = tmp_path_factory.mktemp("hostile")
    content = copy_content(root / "content")
    write_corpus(content)
    return build_site(root / "output", content=content).output


@pytest.fixture(scope="module")
def hostile_site_keeping_html(tmp_path_factory):
    from commons.build import build_site

    root = tmp_path_factory.mktemp("hostile-keep")
    content = copy_content(root / "content")
    write_corpus(content)
    overrides = {"GUARD": guard(html={"policy": "keep"})}
    return build_site(root / "output", content=content, overrides=overrides).output


def pages(site: Path):
    for path in sorted(site.rglob("*.html")):
        yield path, html.fromstring(path.read_bytes())


def escaped_field_leaks(document) -> list[str]:
    """Elements that only an unescaped plain-text field (title, tag, ...) could have made."""
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        if MARKER in (element.get("class") or "").split():
            found.append(f"<{element.tag} class={MARKER}>")
        if element.tag == "img" and element.get("src") == "x":
            found.append("<img src=x>")
    return found


def injected(document) -> list[str]:
    """Elements, attributes and scripts that no value may add under the sanitize policy."""
    found = escaped_field_leaks(document)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        found += [f"<{element.tag} {name}=…>" for name in element.attrib if name.startswith("on")]
        if element.tag == "script":
            found += script_problems(element)
    return found


def script_problems(script) -> list[str]:
    kind = (script.get("type") or "").strip().lower()
    text = script.text or ""
    if kind in DATA_SCRIPT_TYPES:
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            return [f"<script type={kind}> is not JSON: {error}"]
        return []
    if "__pwned" in text:
        return ["an inline script carrying the payload"]
    # A <template> is inert: the discussion gate clones it only on consent.
    inert = bool(script.xpath("ancestor::template"))
    if script.get("src") and "://" in script.get("src") and not inert:
        return [f"a third-party script {script.get('src')}"]
    return []


def test_no_page_carries_an_element_attribute_or_script_from_a_value(hostile_site):
    problems = {
        str(path.relative_to(hostile_site)): found
        for path, document in pages(hostile_site)
        if (found := injected(document))
    }
    assert problems == {}


def test_titles_read_exactly_as_written(hostile_site):
    for post in POSTS:
        matches = [
            document
            for _, document in pages(hostile_site)
            if document.xpath("normalize-space(//main//h1)") == " ".join(post.shown_title.split())
        ]
        assert matches, f"no page shows the title of {post.filename} as written"


def test_json_ld_carries_the_title_intact(hostile_site):
    post = POSTS[0]
    headlines = []
    for _, document in pages(hostile_site):
        for script in document.xpath("//script[@type='application/ld+json']"):
            data = json.loads(script.text)
            if isinstance(data, dict) and "headline" in data:
                headlines.append(data["headline"])
    assert post.shown_title in headlines


def test_feeds_are_well_formed_and_carry_titles_as_text(hostile_site):
    feeds = sorted((hostile_site / "feeds").rglob("*.xml"))
    assert feeds
    titles = set()
    for feed in feeds:
        tree = etree.parse(str(feed))  # raises on a control character or broken markup
        titles.update(t.text for t in tree.iter(f"{ATOM}title", "title") if t.text)
    for post in POSTS:
        assert post.shown_title in titles, post.filename


def test_sanitize_policy_drops_script_and_handlers_from_body_and_summary(hostile_site):
    for path, document in pages(hostile_site):
        for script in document.xpath("//script[not(@type) or @type='text/javascript']"):
            assert "__pwned" not in (script.text or ""), path
        assert not document.xpath("//*[@onclick or @onmouseover]"), path
        # The summary's legitimate markup survives sanitising.
    assert any(
        document.xpath("//b[@class='summary-markup']") for _, document in pages(hostile_site)
    )


def test_keep_policy_keeps_raw_html_in_the_body_only(hostile_site_keeping_html):
    bodies_with_script = []
    for path, document in pages(hostile_site_keeping_html):
        for script in document.xpath("//script[contains(., '__pwned=3')]"):
            in_body = script.xpath("ancestor::*[contains(@class, 'entry-content')]")
            assert in_body, f"{path}: the body's script escaped the body"
            bodies_with_script.append(path)
        # Plain-text fields are still escaped under the keep policy.
        assert escaped_field_leaks(document) == [], path
    assert bodies_with_script, "policy 'keep' should have kept the body's raw <script>"


# Ids and names that content sets are namespaced (user-content-), and the
# post's own links follow them; the theme's anchors (#discussion) are not.
CONTENT_CONTAINERS = (
    "//*[contains(@class, 'entry-content') or contains(@class, 'post-summary-text')]"
)


@pytest.fixture(scope="module", params=["local", "production"])
def ids_site(request, tmp_path_factory):
    from commons import DEV_SETTINGS, PUBLISH_SETTINGS
    from commons.build import build_site

    root = tmp_path_factory.mktemp(f"ids-{request.param}")
    content = copy_content(root / "content")
    (content / f"{IDS_POST_SLUG}.md").write_text(IDS_POST, encoding="utf-8")
    (content / "linking-to-ids.md").write_text(LINKING_POST, encoding="utf-8")
    settings = DEV_SETTINGS if request.param == "local" else PUBLISH_SETTINGS
    return build_site(root / "output", settings_file=settings, content=content).output


def content_ids(document) -> list[str]:
    return [
        value
        for container in document.xpath(CONTENT_CONTAINERS)
        for value in container.xpath(".//@id | .//@name")
    ]


def test_every_id_and_name_from_content_is_namespaced(ids_site):
    found = set()
    for path, document in pages(ids_site):
        values = content_ids(document)
        found.update(values)
        assert [v for v in values if not v.startswith("user-content-")] == [], path
    assert {
        "user-content-plan",
        "user-content-box",
        "user-content-table",
        "user-content-head",
        "user-content-fn:1",
        "user-content-fnref:1",
        "user-content-summary-id",
    } <= found


def test_links_inside_a_post_and_its_footnotes_still_resolve(ids_site):
    (post,) = ids_site.glob(f"2024/04/{IDS_POST_SLUG}/index.html")
    document = html.fromstring(post.read_bytes())
    ids = set(document.xpath("//@id"))
    (body,) = document.xpath("//*[contains(@class, 'entry-content')]")
    fragments = [href[1:] for href in body.xpath(".//a/@href") if href.startswith("#")]
    assert fragments == [
        "user-content-plan",
        "user-content-box",
        "user-content-table",
        "user-content-fn:1",
        "discussion",  # the theme's own section, left as written
        "user-content-fnref:1",
    ]
    assert set(fragments) <= ids
    assert body.xpath(".//td/@headers") == ["user-content-head"]


def test_links_from_another_post_reach_the_namespaced_ids(ids_site):
    from commons.linkcheck import broken_links

    document = html.fromstring((ids_site / "2024/04/linking-to-ids/index.html").read_bytes())
    (body,) = document.xpath("//*[contains(@class, 'entry-content')]")
    fragments = [href.split("#", 1)[1] for href in body.xpath(".//a/@href")]
    assert fragments == ["user-content-plan", "user-content-box", "discussion"]
    # Every internal link and #fragment of the whole site resolves (publish's check).
    assert broken_links(ids_site, "https://commons.example.org") == []


def test_keep_policy_namespaces_the_ids_markdown_writes(tmp_path):
    from commons.build import build_site

    content = copy_content(tmp_path / "content")
    (content / f"{IDS_POST_SLUG}.md").write_text(IDS_POST, encoding="utf-8")
    output = build_site(
        tmp_path / "output", content=content, overrides={"GUARD": guard(html={"policy": "keep"})}
    ).output
    document = html.fromstring((output / f"2024/04/{IDS_POST_SLUG}/index.html").read_bytes())
    (body,) = document.xpath("//*[contains(@class, 'entry-content')]")
    ids = set(body.xpath(".//@id"))
    assert {"user-content-plan", "user-content-fn:1", "user-content-fnref:1"} <= ids
    assert "box" in ids  # raw HTML is published as written under "keep"
    hrefs = [href[1:] for href in body.xpath(".//a/@href") if href.startswith("#")]
    assert set(hrefs) - {"discussion"} <= ids
