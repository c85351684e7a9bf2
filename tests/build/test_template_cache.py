"""Builds that share compiled templates write the same site as cold builds."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from commons import DEV_SETTINGS
from commons.build import BuildError, build_site, cache_path
from commons.defaults import JINJA_ENVIRONMENT
from plugins.template_cache.template_cache import PATH_VARIABLE
from tests.conftest import REPO_ROOT, SAMPLE_CONTENT, site_files

FOOTER = "partials/site_footer.html"


def built(output: Path, compiled: Path, monkeypatch, **overrides) -> dict[str, bytes]:
    monkeypatch.setenv(PATH_VARIABLE, str(compiled))
    build_site(output, settings_file=DEV_SETTINGS, content=SAMPLE_CONTENT, overrides=overrides)
    return site_files(output)


def test_a_changed_jinja_option_between_builds_gives_the_cold_builds_site(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    first = built(tmp_path / "first", shared, monkeypatch)
    # Same templates (names and sources), compiled with other options.
    changed = {"JINJA_ENVIRONMENT": {**JINJA_ENVIRONMENT, "trim_blocks": False}}
    warm = built(tmp_path / "warm", shared, monkeypatch, **changed)
    cold = built(tmp_path / "cold", tmp_path / "empty", monkeypatch, **changed)
    assert warm == cold
    # The option shows in the site: a folder keyed on nothing would have
    # served the first build's compiled templates.
    assert warm != first
    assert len(list((shared / "templates").iterdir())) == 2


def test_an_edited_template_is_compiled_again(tmp_path, monkeypatch):
    overrides_folder = tmp_path / "templates" / "partials"
    overrides_folder.mkdir(parents=True)
    footer = overrides_folder / "site_footer.html"
    shutil.copyfile(REPO_ROOT / "theme" / "templates" / FOOTER, footer)
    overrides = {"THEME_TEMPLATES_OVERRIDES": [str(tmp_path / "templates")]}
    shared = tmp_path / "shared"
    first = built(tmp_path / "first", shared, monkeypatch, **overrides)
    text = footer.read_text(encoding="utf-8")
    footer.write_text(text.replace("</footer>", "<p>Edited between builds</p></footer>"))
    warm = built(tmp_path / "warm", shared, monkeypatch, **overrides)
    cold = built(tmp_path / "cold", tmp_path / "empty", monkeypatch, **overrides)
    assert warm == cold
    assert warm != first
    assert b"Edited between builds" in warm["index.html"]


def test_without_a_path_they_are_kept_privately_in_the_content_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(PATH_VARIABLE)
    output = tmp_path / "output"
    build_site(output, settings_file=DEV_SETTINGS, content=SAMPLE_CONTENT)
    folder = cache_path(output) / "templates"
    compiled = list(folder.glob("*/*.cache"))
    assert len(compiled) >= 20
    for path in [folder, *folder.iterdir(), *compiled]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_the_suite_shares_one_folder_outside_the_repository(
    session_template_cache, tmp_path_factory, build
):
    folder = session_template_cache
    assert folder.is_relative_to(tmp_path_factory.getbasetemp())
    assert not folder.resolve().is_relative_to(REPO_ROOT.resolve())
    build()
    assert list(folder.glob("templates/*/*.cache"))


def test_a_linked_template_folder_fails_the_build_naming_it(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    compiled = tmp_path / "compiled"
    compiled.mkdir()
    (compiled / "templates").symlink_to(elsewhere)
    monkeypatch.setenv(PATH_VARIABLE, str(compiled))
    with pytest.raises(BuildError) as failed:
        build_site(tmp_path / "output", settings_file=DEV_SETTINGS, content=SAMPLE_CONTENT)
    message = str(failed.value)
    assert f"{compiled / 'templates'} is a symbolic link" in message
    assert "Fix: remove it" in message
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "output").exists()
