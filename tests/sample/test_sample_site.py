"""The repository's own sample site, `content/`: it builds strictly, `check`
finds nothing, and every post and page it holds is published under its title.

The only tests that read `content/`: the machinery's tests build the tests'
own sample (tests/data/sites/sample/), so a fork that replaces the posts keeps
them all, and this module checks whatever its posts now are.
"""

from __future__ import annotations

from pathlib import Path

from commons import CONTENT_DIR, PUBLISH_SETTINGS
from commons.check import check_site
from tests.conftest import parse_html


def titles(content: Path) -> dict[str, str]:
    """The title each published Markdown file of `content` declares, by its path."""
    found = {}
    for path in sorted(content.rglob("*.md")):
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        fields = dict(line.split(":", 1) for line in header.splitlines() if ":" in line)
        fields = {key.strip().lower(): value.strip() for key, value in fields.items()}
        if fields.get("status", "published") == "published":
            found[str(path.relative_to(content))] = fields["title"]
    return found


def headings(output: Path) -> set[str]:
    """The text of every page's first-level heading."""
    return {
        " ".join(heading.text_content().split())
        for page in output.rglob("*.html")
        for heading in parse_html(page).xpath("//h1")
    }


def test_the_sample_site_builds_with_every_post_under_its_title(build):
    expected = titles(CONTENT_DIR)
    assert expected, f"{CONTENT_DIR} holds no published post"
    output = build(content=CONTENT_DIR)
    shown = headings(output)
    missing = {path: title for path, title in expected.items() if title not in shown}
    assert not missing, f"not published under their titles: {missing}"


def test_the_sample_site_builds_for_production(build):
    output = build(content=CONTENT_DIR, settings_file=PUBLISH_SETTINGS)
    assert parse_html(output / "index.html").xpath("//main")


def test_check_finds_no_problem_in_the_sample_site():
    report = check_site(content=CONTENT_DIR)
    assert report.count == 0, report.render()
