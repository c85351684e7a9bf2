"""The README stays a front door a newcomer finishes, and every relative link in
it and in docs/ leads to a file (and, for a page, to a heading) that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
README_MAX_LINES = 300
# A link's target, inline form: [text](target) or ![alt](target "title").
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
# Wording that tells the project's history instead of what is true.
HISTORY = re.compile(
    r"\b(no longer|used to|since round|before this change|formerly|previously|"
    r"an earlier (commit|version))\b",
    re.IGNORECASE,
)


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def outside_code(text: str) -> list[tuple[int, str]]:
    """(line number, line) for each line outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found, seen = set(), {}
    for _, line in outside_code(page.read_text(encoding="utf-8")):
        match = re.match(r"#{1,6} (.+)$", line)
        if match:
            base = anchor(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(page: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in outside_code(page.read_text(encoding="utf-8")):
        # Inline code is not a link: `[x](#y)` in a sentence shows Markdown.
        prose = re.sub(r"`[^`]*`", "", line)
        for target in LINK.findall(prose):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):
                links.append((number, target))
    return links


def broken_links(page: Path) -> list[str]:
    broken = []
    for number, target in relative_links(page):
        path, _, fragment = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(REPO_ROOT)}:{number}: {target}"
        if not resolved.is_relative_to(REPO_ROOT) or not resolved.exists():
            broken.append(f"{where} (no such file)")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(f"{where} (no heading with that anchor)")
    return broken


def test_the_readme_is_under_300_lines():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.name)
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_a_missing_file_or_heading_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.REPO_ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n## Two words\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md#two-words) [gone](docs/b.md) [bad](docs/a.md#three)\n"
        "```\n[in code](nowhere.md)\n```\n[web](https://example.org/)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "README.md:1: docs/b.md (no such file)",
        "README.md:1: docs/a.md#three (no heading with that anchor)",
    ]


def test_the_readme_links_every_docs_page():
    linked = {
        (README.parent / target.partition("#")[0]).resolve() for _, target in relative_links(README)
    }
    missing = [page.name for page in sorted(DOCS.glob("*.md")) if page.resolve() not in linked]
    assert missing == [], f"README.md links no {missing}"


def test_the_readme_has_the_newcomers_path():
    headings = [
        line[3:]
        for _, line in outside_code(README.read_text(encoding="utf-8"))
        if line.startswith("## ")
    ]
    for heading in (
        "Quick start",
        "Make it yours",
        "Write a post",
        "Publish",
        "Who can do what",
        "Where to go next",
        "Dependencies",
    ):
        assert heading in headings, f"README.md has no section {heading!r}"
    text = README.read_text(encoding="utf-8")
    assert "bin/serve" in text and "bin/test" in text


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.name)
def test_no_page_tells_the_projects_history(page):
    told = [
        f"{page.name}:{number}: {match.group(0)!r}"
        for number, line in outside_code(page.read_text(encoding="utf-8"))
        # Inline code names things (Isso's `approve-if-email-previously-approved`).
        for match in HISTORY.finditer(re.sub(r"`[^`]*`", "", line))
    ]
    assert told == [], "write it as what is true: " + "; ".join(told)
