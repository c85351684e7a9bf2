"""Every feed of a local and a production build is valid: RFC 4287's schema for
Atom, feedparser without complaint for both formats, and the stylesheet
instruction where browsers look for it."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import etree

from commons import REPO_ROOT
from tests.conftest import SAMPLE_CATEGORIES, SAMPLE_TITLE

ATOM_NS = "http://www.w3.org/2005/Atom"
SCHEMA = REPO_ROOT / "tests" / "schemas" / "atom.rng"
SCHEMATRON_NS = "http://www.ascc.net/xml/schematron"
SAMPLE_PATH = "2011/03/sharing-your-work-and-coworking-to-share/"
BUILDS = {
    # fixture name: the absolute address the build's links start with
    "built_site": "http://127.0.0.1:8000",
    "published_site": "https://commons.example.org",
    "feeds_site": "http://127.0.0.1:8000",
}


@pytest.fixture(scope="module")
def atom_schema():
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


@pytest.fixture(scope="module")
def schematron_rules():
    """The RFC's own Schematron rules, kept in the schema as annotations."""
    rules = etree.parse(str(SCHEMA)).iter(f"{{{SCHEMATRON_NS}}}rule")
    return [
        (rule.get("context"), assertion.get("test"), assertion.text)
        for rule in rules
        for assertion in rule.iter(f"{{{SCHEMATRON_NS}}}assert")
    ]


def feeds(output: Path, suffix: str) -> list[Path]:
    found = sorted((output / "feeds").rglob(f"*{suffix}"))
    assert found, f"no {suffix} feeds in {output}"
    return found


@pytest.mark.parametrize("site", BUILDS)
def test_every_atom_feed_matches_rfc_4287(request, site, atom_schema, schematron_rules):
    output = request.getfixturevalue(site)
    namespaces = {"atom": ATOM_NS}
    assert len(schematron_rules) == 3
    for path in feeds(output, ".atom.xml"):
        document = etree.parse(str(path))
        assert atom_schema.validate(document), f"{path}: {atom_schema.error_log}"
        for context, test, message in schematron_rules:
            for node in document.xpath(f"//{context}", namespaces=namespaces):
                assert node.xpath(f"boolean({test})", namespaces=namespaces), f"{path}: {message}"


@pytest.mark.parametrize("site", BUILDS)
def test_every_feed_parses_cleanly_with_absolute_links(request, site):
    output = request.getfixturevalue(site)
    base = BUILDS[site]
    for path in feeds(output, ".xml"):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version in ("atom10", "rss20"), path
        assert parsed.feed.title.startswith("Cohere Commons"), path
        assert parsed.feed.link.startswith(base + "/"), path
        assert parsed.entries, path
        for entry in parsed.entries:
            assert entry.link.startswith(base + "/"), (path, entry.link)
            assert entry.id.startswith("tag:commons.example.org,2011-03:post/"), entry.id
            assert entry.published_parsed is not None
            assert entry.tags, (path, entry.title)


@pytest.mark.parametrize("site", ["built_site", "published_site"])
@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_the_sample_post_is_in_the_site_feed_and_in_each_of_its_categories(request, site, fmt):
    output = request.getfixturevalue(site)
    base = BUILDS[site]
    paths = [output / "feeds" / f"all.{fmt}.xml"]
    for category in SAMPLE_CATEGORIES:
        slug = category.lower().replace(" ", "-")
        paths.append(output / "feeds" / "category" / f"{slug}.{fmt}.xml")
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        (entry,) = [e for e in parsed.entries if e.title == SAMPLE_TITLE]
        assert entry.link == f"{base}/{SAMPLE_PATH}"
        assert entry.published_parsed[:5] == (2011, 3, 7, 16, 0)  # 09:00 in Denver
        assert sorted(tag.term for tag in entry.tags) == SAMPLE_CATEGORIES
        # The whole post, not an excerpt: its last paragraph is there.
        assert "Share your ideas in a comment!" in entry.content[0].value
        # ... and its summary beside it (summary / description).
        assert entry.summary == (
            "<p>Coworking is one part of something bigger called collaborative consumption. "
            "What sharing have you done outside the space, and what would you like to see "
            "next?</p>"
        )


@pytest.mark.parametrize("site", ["built_site", "published_site"])
def test_category_feeds_are_named_and_link_to_their_page(request, site):
    output = request.getfixturevalue(site)
    parsed = feedparser.parse((output / "feeds/category/current-members.atom.xml").read_bytes())
    assert parsed.feed.title == "Cohere Commons: Current Members"
    assert parsed.feed.link == f"{BUILDS[site]}/category/current-members/"
    assert parsed.feed.id == "tag:commons.example.org,2011-03:feed/category/current-members"


@pytest.mark.parametrize("site", BUILDS)
def test_the_stylesheet_instruction_comes_right_after_the_xml_declaration(request, site):
    output = request.getfixturevalue(site)
    for path in feeds(output, ".xml"):
        lines = path.read_text(encoding="utf-8").split("\n", 1)
        assert lines[0] == '<?xml version="1.0" encoding="utf-8"?>', path
        root = etree.parse(str(path)).getroot()
        instruction = root.getprevious()
        assert isinstance(instruction, etree._ProcessingInstruction), path
        assert instruction.target == "xml-stylesheet"
        assert instruction.getprevious() is None, f"{path}: something precedes the stylesheet"
        assert lines[1].startswith(f"<?xml-stylesheet {instruction.text}?>"), path
        assert instruction.get("type") == "text/xsl"
        target = (path.parent / instruction.get("href")).resolve()
        assert target == (output / "theme" / "feeds" / "feed.xsl").resolve()
        assert target.is_file()


def test_feeds_carry_the_site_as_feed_level_author(built_site):
    # AUTHOR is unset and the sample post has no byline; Atom needs an author.
    parsed = feedparser.parse((built_site / "feeds/all.atom.xml").read_bytes())
    assert parsed.feed.author_detail.name == "Cohere Commons"
    assert "author" not in parsed.entries[0]


def test_entry_ids_do_not_depend_on_the_domain(built_site, published_site):
    local = feedparser.parse((built_site / "feeds/all.atom.xml").read_bytes())
    published = feedparser.parse((published_site / "feeds/all.atom.xml").read_bytes())
    assert [e.link for e in local.entries] != [e.link for e in published.entries]
    assert [e.id for e in local.entries] == [e.id for e in published.entries]
