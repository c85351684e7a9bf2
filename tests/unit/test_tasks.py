"""The Invoke tasks, run as an editor runs them: `invoke -r <repo> ...` from elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commons import REPO_ROOT
from commons.publish import PublishError, publish_command
from tests.conftest import checkout_copy

INVOKE = Path(sys.executable).with_name("invoke")


def run_invoke(*args, cwd, env=None, root=REPO_ROOT):
    return subprocess.run(
        [str(INVOKE), "-r", str(root), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_new_post_writes_a_draft_with_its_metadata_and_prints_the_path(tmp_path):
    title = "Tool Library Night, Take 2"
    # The task writes into its checkout's content/: a copy's, not the repository's.
    checkout = checkout_copy(tmp_path / "checkout")
    expected = checkout / "content" / "tool-library-night-take-2.md"
    try:
        result = run_invoke("new-post", title, cwd=tmp_path, root=checkout)
        assert result.returncode == 0, result.stderr
        assert Path(result.stdout.strip()) == expected
        lines = expected.read_text(encoding="utf-8").splitlines()
        fields = dict(line.split(": ", 1) for line in lines[: lines.index("")])
        assert fields["Title"] == title
        assert fields["Slug"] == "tool-library-night-take-2"
        assert fields["Status"] == "draft"
        assert fields["Date"][:4].isdigit()
        again = run_invoke("new-post", title, cwd=tmp_path, root=checkout)
        assert again.returncode != 0 and "already exists" in again.stderr
    finally:
        expected.unlink(missing_ok=True)


def new_post(tmp_path, monkeypatch, title):
    """`invoke new-post` (the task itself) writing into tmp_path/content."""
    from invoke import Context

    from commons import tasks

    monkeypatch.setattr(tasks, "CONTENT_DIR", tmp_path / "content")
    tasks.new_post(Context(), title)


def test_new_post_keeps_a_title_on_its_line_and_the_post_a_draft(tmp_path, monkeypatch):
    new_post(tmp_path, monkeypatch, "Tool night\nStatus: published\r\nSave_as: index.html")
    (path,) = (tmp_path / "content").iterdir()
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = dict(line.split(": ", 1) for line in lines[: lines.index("")])
    assert fields["Title"] == "Tool night Status: published Save_as: index.html"
    assert fields["Status"] == "draft"
    assert "Save_as" not in fields


def test_new_post_does_not_write_through_a_planted_link(tmp_path, monkeypatch):
    from invoke import Exit

    (tmp_path / "content").mkdir()
    victim = tmp_path / "victim.md"
    (tmp_path / "content" / "tool-night.md").symlink_to(victim)
    with pytest.raises(Exit, match="already exists"):
        new_post(tmp_path, monkeypatch, "Tool night")
    assert not victim.exists()


def test_publish_without_configuration_says_what_to_set_without_a_traceback(tmp_path):
    checkout = checkout_copy(tmp_path / "checkout", content=True)
    result = run_invoke("publish", cwd=tmp_path, env={"COMMONS_PUBLISH_METHOD": ""}, root=checkout)
    assert result.returncode == 1
    assert "PUBLISH['method']" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Built" not in result.stdout, "it should say what to set before building anything"


def test_publish_rsync_to_a_local_folder_after_a_dry_run(tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    (target / "keep-me-until-real-run.txt").write_text("old")
    env = {
        "COMMONS_PUBLISH_METHOD": "rsync",
        "COMMONS_RSYNC_TARGET": f"{target}/",
        "COMMONS_SITEURL": "https://blog.cohere.coop",
        "COMMONS_ISSO_URL": "https://comments.cohere.coop/",
        "COMMONS_FEEDS_ID_AUTHORITY": "cohere.coop",
    }
    checkout = checkout_copy(tmp_path / "checkout", content=True)
    # --offline: the comment server is not asked (tests/build/test_publish_discussion.py asks one)
    dry = run_invoke("publish", "--dry-run", "--offline", cwd=tmp_path, env=env, root=checkout)
    assert dry.returncode == 0, dry.stderr
    assert not (target / "index.html").exists()
    assert (target / "keep-me-until-real-run.txt").exists()

    real = run_invoke("publish", "--offline", cwd=tmp_path, env=env, root=checkout)
    assert real.returncode == 0, real.stderr
    assert (target / "index.html").is_file()
    assert (target / "feeds" / "all.atom.xml").is_file()


def test_rsync_publish_needs_a_target():
    with pytest.raises(PublishError) as failure:
        publish_command(Path("site"), {"method": "rsync", "rsync_target": ""}, False)
    assert "rsync_target" in str(failure.value)


def test_publish_refuses_a_site_with_a_broken_link(tmp_path, published_site):
    import shutil

    from pelican.settings import read_settings

    from commons.publish import check_site

    site = tmp_path / "site"
    shutil.copytree(published_site, site)
    (site / "about" / "index.html").write_text(
        '<!DOCTYPE html><title>x</title><a href="https://commons.example.org/nowhere/">x</a>'
    )
    settings = read_settings(str(REPO_ROOT / "publishconf.py"))
    with pytest.raises(PublishError) as failure:
        check_site(site, settings)
    assert "about/index.html" in str(failure.value) and "nowhere" in str(failure.value)


def test_publish_refuses_an_empty_build(tmp_path):
    from commons.publish import check_site

    with pytest.raises(PublishError) as failure:
        check_site(tmp_path, {"SITEURL": "https://commons.example.org"})
    assert "index.html" in str(failure.value) and "nothing was published" in str(failure.value)
