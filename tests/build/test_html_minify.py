"""The theme's templates are compacted (plugins/html_minify) and every page says
what it said.

The theme's content, a post with every kind of markup and a post with a
hostile title are built twice, compacted and with HTML_MINIFY off; every page
is compared as parsed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree, html

from tests.conftest import SAMPLE_ARTICLE
from tests.theme_content import MARKUP_POST_SLUG, build_minified_and_plain

MARKUP_ARTICLE = f"2026/04/{MARKUP_POST_SLUG}/index.html"
HOSTILE_ARTICLE = "2026/03/hostile-title/index.html"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, Path]:
    return build_minified_and_plain(tmp_path_factory.mktemp("minify"))


def words(text: str | None) -> str:
    return " ".join((text or "").split())


def parsed_tree(path: Path) -> list[tuple]:
    """Every element in document order: its tag, its attributes and the words of
    its text and tail (what a minifier may change is the whitespace between)."""
    elements = []
    for element in html.parse(str(path)).iter():
        if not isinstance(element.tag, str):
            elements.append(("comment", words(element.tail)))
            continue
        attributes = sorted((name, words(value)) for name, value in element.attrib.items())
        elements.append((element.tag, attributes, words(element.text), words(element.tail)))
    return elements


def html_pages(root: Path) -> list[Path]:
    return sorted(path.relative_to(root) for path in root.rglob("*.html"))


def test_every_page_is_smaller_and_parses_to_the_same_tree(sites):
    minified, plain = sites
    pages = html_pages(plain)
    assert len(pages) > 40
    assert html_pages(minified) == pages
    for page in pages:
        small, large = (minified / page).stat().st_size, (plain / page).stat().st_size
        assert small < large, page
        assert parsed_tree(minified / page) == parsed_tree(plain / page), page


@pytest.mark.parametrize("page", [SAMPLE_ARTICLE, MARKUP_ARTICLE, HOSTILE_ARTICLE])
def test_what_a_page_inserts_is_written_as_it_was(sites, page):
    # A post's body, its title in the head's attributes, its scripts: only the
    # template's own markup is compacted. Serialized from the parsed page, so
    # whitespace between the body's paragraphs counts too.
    minified, plain = sites
    small, large = html.parse(str(minified / page)), html.parse(str(plain / page))
    for path in ("//*[contains(@class, 'e-content')]", "//pre", "//script", "//head/meta"):
        written = [
            etree.tostring(e, encoding="unicode", with_tail=False) for e in large.xpath(path)
        ]
        assert written or path == "//pre", path
        assert [
            etree.tostring(e, encoding="unicode", with_tail=False) for e in small.xpath(path)
        ] == written
    code = html.parse(str(minified / MARKUP_ARTICLE)).xpath("//pre")
    assert code[0].text_content() == "indented    code\n    keeps   its  spaces\n"
    assert '"two  spaces"' in code[1].text_content()


def test_the_theme_markup_loses_its_layout_whitespace_and_quotes(sites):
    minified, plain = sites
    text = (minified / SAMPLE_ARTICLE).read_text(encoding="utf-8")
    assert text.startswith('<!DOCTYPE html><html lang="en"><head><meta charset=utf-8>')
    assert '<main class="h-entry" id=main tabindex=-1>' in text
    # The values made with expressions lost their quotes too, and kept them
    # where a value needs them.
    assert re.search(r"<a href=[./]+archives/>Archives</a>", text)
    assert '<meta property=og:title content="Sharing Your Work' in text
    lines = text.count("\n")
    assert lines < (plain / SAMPLE_ARTICLE).read_text(encoding="utf-8").count("\n") / 3
