"""No file name or post text can send control sequences to the terminal that
runs `invoke build` or `invoke check`."""

from __future__ import annotations

import re

import pytest
from invoke import Exit

import tasks
from commons.check import check_site

# OSC 52 (set the clipboard), a screen clear and a right-to-left override.
CLIPBOARD = "\x1b]52;c;SGVsbG8=\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_tree(content):
    content.mkdir()
    # No title: the metadata check names the file.
    (content / f"post{CLIPBOARD}{CLEAR}{RLO}.md").write_text("Date: 2020-01-01\n\nA.\n")
    # A folder's name, and a post with two posts' slug: both files are named.
    folder = content / f"{CLEAR}folder"
    folder.mkdir()
    for name in ("one.md", "two.md"):
        (folder / name).write_text("Title: Twin\nDate: 2020-01-01\nSlug: twin\n\nA.\n")
    return content


def test_build_prints_file_names_and_links_with_controls_escaped(tmp_path, capsys):
    content = hostile_tree(tmp_path / "content")
    with pytest.raises(Exit) as failed:
        tasks._build(tmp_path / "output", content=content)
    printed = str(failed.value.message) + "".join(capsys.readouterr())
    assert "post\\x1b]52;c;SGVsbG8=\\x07\\x1b[2J\\u202e.md" in printed
    assert not RAW_CONTROLS.search(printed), repr(printed)


def test_check_lists_the_files_with_controls_escaped(tmp_path):
    content = hostile_tree(tmp_path / "content")
    report = check_site(content=content)
    rendered = report.render()
    assert "content/post\\x1b]52;c;SGVsbG8=\\x07\\x1b[2J\\u202e.md\n  - " in rendered
    assert "\\x1b[2Jfolder/two.md" in rendered
    assert not RAW_CONTROLS.search(rendered), repr(rendered)
