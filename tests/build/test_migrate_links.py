"""`invoke migrate-links`: the rewrites with one right answer, outside code, undoable."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from invoke import Context, Exit
from pelican.settings import DEFAULT_CONFIG

from commons import tasks
from commons.build import build_site
from commons.check import check_site
from commons.files import Folder, WriteRefused
from commons.migrate_links import migrate
from commons.pelican_addresses import old_settings
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


ELSEWHERE = """Title: Not in content
Date: 2019-5-1

[a link](|filename|/other.md) and ![Desk](images/desk.png)
"""


def test_links_out_of_content_are_neither_followed_nor_rewritten(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    old_blog(content)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "images").mkdir(parents=True)
    (elsewhere / "images" / "desk.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (elsewhere / "private.md").write_text(ELSEWHERE)
    (content / "notes").symlink_to(elsewhere)
    (content / "linked.md").symlink_to(elsewhere / "private.md")

    migration = migrate(content, settings(), dry_run=False)

    assert (elsewhere / "private.md").read_text() == ELSEWHERE
    assert (content / "linked.md").is_symlink()
    assert set(migration.changes) == {"content/old.md"}
    assert "Not in content" not in migration.patch and "2019-5-1" not in migration.patch
    assert f"{content / 'notes'}: a symbolic link to a folder, not followed" in migration.skipped
    assert f"{content / 'linked.md'}: a symbolic link, not followed" in migration.skipped


def migrate_task(tmp_path, monkeypatch, **options):
    """`invoke migrate-links` (the task itself) on tmp_path/content, patch under tmp_path."""
    monkeypatch.setattr(tasks, "CONTENT_DIR", tmp_path / "content")
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(tasks, "DEV_SETTINGS", tmp_path / "pelicanconf.py")
    (tmp_path / "pelicanconf.py").write_text("STATIC_PATHS = ['images', 'files']\n")
    # Pelican loads a settings file as the module of its name: the repository's
    # `pelicanconf` comes back after the test, for publishconf's import of it.
    monkeypatch.delitem(sys.modules, "pelicanconf", raising=False)
    tasks.migrate_links(Context(), **options)


def test_the_patch_is_saved_first_inside_the_repository_and_never_over_another(
    tmp_path, monkeypatch, capsys
):
    content = tmp_path / "content"
    content.mkdir()
    old_blog(content)
    original = (content / "old.md").read_text()
    for outside in ("../away.patch", str(tmp_path.parent / "away.patch")):
        with pytest.raises(Exit) as refused:
            migrate_task(tmp_path, monkeypatch, patch=outside)
        assert outside in str(refused.value) and "Fix:" in str(refused.value)
        assert not (tmp_path.parent / "away.patch").exists()
        assert (content / "old.md").read_text() == original
    (tmp_path / "migrate-links.patch").write_text("an earlier run's diff")
    with pytest.raises(Exit, match="--force"):
        migrate_task(tmp_path, monkeypatch)
    assert (tmp_path / "migrate-links.patch").read_text() == "an earlier run's diff"
    assert (content / "old.md").read_text() == original
    migrate_task(tmp_path, monkeypatch, force=True)
    assert "Saved the diff" in capsys.readouterr().out
    assert "+![Desk]({static}/images/desk.png)" in (tmp_path / "migrate-links.patch").read_text()
    subprocess.run(
        ["patch", "-R", "-p1", "-i", "migrate-links.patch"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    assert (content / "old.md").read_text() == original


def test_a_patch_through_a_link_is_refused_before_any_file_is_rewritten(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    old_blog(content)
    original = (content / "old.md").read_text()
    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "migrate-links.patch").symlink_to(victim)
    with pytest.raises(WriteRefused, match="symbolic link"):
        migrate(
            content,
            settings(),
            dry_run=False,
            patch=(Folder(tmp_path / "repo", force=True), "migrate-links.patch"),
        )
    assert victim.read_text() == "kept"
    assert (content / "old.md").read_text() == original


OLD_RST = """Old habits in rst
#################

:date: 2019-05-01
:category: notes

.. image:: |filename|/images/desk.png

.. figure:: images/desk.png

   The desk.

See `the other post <|filename|/other.md>`_, `the plan <{filename}/files/plan.pdf>`_
and plan_.

.. _plan: https://blog.example.org/files/plan.pdf

A literal block::

    .. image:: images/desk.png
    `kept <|filename|/other.md>`_

.. code-block:: rst

   .. image:: images/desk.png

Inline ``.. image:: images/desk.png`` stays.
"""


def test_restructuredtext_links_and_images_are_rewritten_outside_literal_blocks(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    (content / "old.md").unlink()
    (content / "old.rst").write_text(OLD_RST)

    migrate(content, settings(), dry_run=False, site_url="https://blog.example.org")
    text = (content / "old.rst").read_text()

    assert ".. image:: {static}/images/desk.png\n" in text
    assert ".. figure:: {static}/images/desk.png\n" in text
    assert "`the other post <{filename}/other.md>`_" in text
    assert "`the plan <{static}/files/plan.pdf>`_" in text
    assert ".. _plan: {static}/files/plan.pdf\n" in text
    # Literal blocks, code directives and inline literals are left alone.
    assert "    .. image:: images/desk.png\n    `kept <|filename|/other.md>`_\n" in text
    assert "   .. image:: images/desk.png\n" in text
    assert "``.. image:: images/desk.png``" in text


OWN_DOMAIN = """Title: Links home
Date: 2019-05-02

[the other post](https://blog.example.org/other-post.html#details),
![the desk](http://www.blog.example.org/images/desk.png),
[not ours](https://elsewhere.example/other-post.html) and [a reference][1].

[1]: https://blog.example.org/other-post.html
"""


def test_links_to_the_old_blogs_own_domain_become_internal(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    (content / "home.md").write_text(OWN_DOMAIN)
    old, _ = old_settings(None)  # Pelican's defaults: posts were at /slug.html

    migration = migrate(
        content, settings(), dry_run=False, old_settings=old, site_url="https://blog.example.org"
    )
    text = (content / "home.md").read_text()

    assert "[the other post]({filename}/other.md#details)" in text
    assert "![the desk]({static}/images/desk.png)" in text
    assert "[not ours](https://elsewhere.example/other-post.html)" in text
    assert "[1]: {filename}/other.md\n" in text
    assert (
        "https://blog.example.org/other-post.html -> {filename}/other.md"
        in (migration.changes["content/home.md"])
    )


YAML_POST = """---
title: "Notes: from the field"
date: 2019-6-3
tags: [field, notes]
category: 'Work'
authors:
  - Ana
  - Bo
---

![Desk](images/desk.png)
"""


def test_yaml_front_matter_becomes_pelican_metadata_and_its_links_are_rewritten(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    (content / "field.md").write_text(YAML_POST)
    assert "field.md" in check_site(content=content).problems

    migrate(content, settings(), dry_run=False)

    assert (content / "field.md").read_text() == (
        "Title: Notes: from the field\nDate: 2019-06-03\nTags: field, notes\n"
        "Category: Work\nAuthors: Ana, Bo\n\n![Desk]({static}/images/desk.png)\n"
    )
    assert "field.md" not in check_site(content=content).problems


def test_a_yaml_front_matter_beyond_plain_fields_is_left_for_a_person(tmp_path):
    content = copy_content(tmp_path / "content")
    nested = "---\ntitle: Nested\nextra: {a: 1}\n---\n\nText.\n"
    (content / "nested.md").write_text(nested)

    migrate(content, settings(), dry_run=False)

    assert (content / "nested.md").read_text() == nested


HEADING_POST = """# Bread from the market

Sourdough, [the desk](images/desk.png).
"""


def test_titles_and_dates_from_headings_and_file_names_are_an_opt_in_step(tmp_path):
    content = copy_content(tmp_path / "content")
    old_blog(content)
    (content / "2019-06-04-bread.md").write_text(HEADING_POST)
    (content / "2019-06-05-old.rst").write_text("Old rst\n#######\n\n:tags: x\n\nBody.\n")
    (content / "2019-13-45-not-a-date.md").write_text("Title: Not a date\n\nText.\n")
    before = check_site(content=content).problems
    assert "2019-06-04-bread.md" in before

    plain = migrate(content, settings(), dry_run=True)
    assert "+Title:" not in plain.patch
    shown = migrate(content, settings(), dry_run=True, titles=True)
    assert "+Title: Bread from the market\n+Date: 2019-06-04\n" in shown.patch
    assert "-# Bread from the market\n" in shown.patch
    assert "+:date: 2019-06-05\n" in shown.patch
    assert "2019-13-45-not-a-date.md" not in shown.patch
    (content / "2019-13-45-not-a-date.md").unlink()
    assert (content / "2019-06-04-bread.md").read_text() == HEADING_POST

    migrate(content, settings(), dry_run=False, titles=True)

    assert (content / "2019-06-04-bread.md").read_text() == (
        "Title: Bread from the market\nDate: 2019-06-04\n\n"
        "Sourdough, [the desk]({static}/images/desk.png).\n"
    )
    after = check_site(content=content).problems
    assert "2019-06-04-bread.md" not in after and "2019-06-05-old.rst" not in after, after


@pytest.mark.parametrize("flag", ["draft: true", "published: false", "Published: no"])
def test_a_yaml_draft_stays_a_draft(tmp_path, flag):
    content = copy_content(tmp_path / "content")
    (content / "unpublished.md").write_text(
        f"---\ntitle: Not yet\ndate: 2019-06-03\nstatus: published\n{flag}\n---\n\nText.\n"
    )

    migrate(content, settings(), dry_run=False)

    assert (content / "unpublished.md").read_text() == (
        "Title: Not yet\nDate: 2019-06-03\nStatus: draft\n\nText.\n"
    )
