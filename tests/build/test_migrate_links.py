"""`invoke migrate-links`: the rewrites with one right answer, outside code, undoable."""

from __future__ import annotations

import shutil
import subprocess

from pelican.settings import DEFAULT_CONFIG

from commons.build import build_site
from commons.check import check_site
from commons.migrate_links import migrate
from tests.conftest import copy_content, parse_html

OLD_POST = """Title: Old habits
Date: 2019-05-01

![Desk](images/desk.png) and <img src="images/desk.png" alt="Desk again">

[The plan]({filename}/files/plan.pdf), [the other post](|filename|/other.md),
[again](other-post.html#details) and [a relative one](other.md).

```
![not this](images/desk.png) |filename|/kept.md
```

    <img src="images/desk.png">  (indented code)

Inline `[code](other-post.html)` stays.
"""

OTHER_POST = """Title: Other post
Date: 2019-04-01

## Details {: #details }

Text.
"""


def old_blog(content):
    (content / "images").mkdir()
    (content / "images" / "desk.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (content / "files").mkdir()
    (content / "files" / "plan.pdf").write_bytes(b"%PDF-1.4\n")
    (content / "old.md").write_text(OLD_POST)
    (content / "other.md").write_text(OTHER_POST)


def settings(static_paths=("images", "files")):
    return {
        "STATIC_PATHS": list(static_paths),
        "SLUG_REGEX_SUBSTITUTIONS": DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"],
    }


def test_dry_run_shows_the_diff_and_changes_nothing(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    before = (content / "old.md").read_text()

    migration = migrate(content, settings(), dry_run=True)

    assert (content / "old.md").read_text() == before
    assert "-![Desk](images/desk.png)" in migration.patch
    assert "+![Desk]({static}/images/desk.png)" in migration.patch
    assert set(migration.changes) == {"content/old.md"}


def test_rewrites_links_outside_code_only(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)

    migrate(content, settings(), dry_run=False)
    text = (content / "old.md").read_text()

    assert "![Desk]({static}/images/desk.png)" in text
    assert '<img src="{static}/images/desk.png" alt="Desk again">' in text
    assert "[The plan]({static}/files/plan.pdf)" in text
    assert "[the other post]({filename}/other.md)" in text
    assert "[again]({filename}/other.md#details)" in text
    assert "[a relative one]({filename}/other.md)" in text
    # Code is untouched: fenced, indented and inline.
    assert "![not this](images/desk.png) |filename|/kept.md" in text
    assert '    <img src="images/desk.png">  (indented code)' in text
    assert "`[code](other-post.html)`" in text


def test_migrated_site_builds_under_the_strict_build(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    overrides = {"STATIC_PATHS": ["images", "files", "extra"]}
    before = check_site(content=content)
    assert "old.md" in before.problems

    migrate(content, settings(overrides["STATIC_PATHS"]), dry_run=False)
    # Code blocks still hold an old-style path; the check does not read code.
    output = tmp_path / "output"
    build_site(output, content=content, overrides=overrides)
    post = parse_html(output / "2019" / "05" / "old-habits" / "index.html")
    assert "../../../images/desk.png" in post.xpath("//img/@src")


def test_the_saved_patch_undoes_the_run(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    original = (content / "old.md").read_text()
    migration = migrate(content, settings(), dry_run=False)
    patch = tmp_path / "migrate-links.patch"
    patch.write_text(migration.patch)

    assert shutil.which("patch"), "patch(1) is part of Debian's base system"
    subprocess.run(
        ["patch", "-R", "-p1", "-i", str(patch)], cwd=tmp_path, check=True, capture_output=True
    )
    assert (content / "old.md").read_text() == original


def test_dates_without_leading_zeros_are_written_out_in_the_metadata_only(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "old.md").write_text(
        "Title: Old\nDate: 2015-8-5 9:09\nModified: 2016-1-27\n\n"
        "Date: 2015-8-5 stays in the body.\n"
    )
    (content / "old.rst").write_text(
        "Old rst\n#######\n\n:date: 2015-9-2 18:56\n:tags:\n\nBody: 2015-9-2 stays.\n"
    )
    before = check_site(content=content)
    assert "Fix: write 2015-08-05 09:09" in before.problems["old.md"][0]

    migrate(content, settings(), dry_run=False)

    assert (content / "old.md").read_text() == (
        "Title: Old\nDate: 2015-08-05 09:09\nModified: 2016-01-27\n\n"
        "Date: 2015-8-5 stays in the body.\n"
    )
    assert (
        ":date: 2015-09-02 18:56\n:tags:\n\nBody: 2015-9-2 stays.\n"
        in (content / "old.rst").read_text()
    )
    after = check_site(content=content)
    assert "old.md" not in after.problems and "old.rst" not in after.problems, after.problems
