"""The content cache is keyed on the settings, Commons' code and each file's bytes."""

from __future__ import annotations

from pathlib import Path

from commons import PUBLISH_SETTINGS, REPO_ROOT
from commons.build import (
    CACHE_RECORD,
    cache_key,
    cache_settings,
    prepare_cache,
    record_sound_cache,
)
from commons.preview.server import code_paths


def small_root(root: Path) -> Path:
    """A folder shaped like the repository: settings files, plugins, commons, theme."""
    for folder in ("plugins/a_plugin", "commons", "theme/templates"):
        (root / folder).mkdir(parents=True)
    (root / "pelicanconf.py").write_text("MARKDOWN = {}\n")
    (root / "publishconf.py").write_text("from pelicanconf import *\n")
    (root / "plugins/a_plugin/__init__.py").write_text("def register(): pass\n")
    (root / "commons/__init__.py").write_text("")
    (root / "theme/templates/base.html").write_text("<html></html>\n")
    return root


def test_the_key_follows_the_settings_the_code_and_the_overrides(tmp_path):
    root = small_root(tmp_path / "root")
    settings = root / "pelicanconf.py"
    first = cache_key(settings, {"PATH": "content"}, root=root)
    assert cache_key(settings, {"PATH": "content"}, root=root) == first
    assert cache_key(settings, {"PATH": "elsewhere"}, root=root) != first
    for edited, text in [
        ("pelicanconf.py", "MARKDOWN = {'extension_configs': {}}\n"),
        ("publishconf.py", "from pelicanconf import *\nSITEURL = 'x'\n"),
        ("plugins/a_plugin/__init__.py", "def register(): return None\n"),
        ("commons/__init__.py", "# changed\n"),
        ("theme/templates/base.html", "<html lang=en></html>\n"),
    ]:
        before = cache_key(settings, {}, root=root)
        (root / edited).write_text(text)
        assert cache_key(settings, {}, root=root) != before, edited
    before = cache_key(settings, {}, root=root)
    (root / "plugins/a_plugin/new_module.py").write_text("")
    assert cache_key(settings, {}, root=root) != before, "a new plugin file"


def test_a_cache_made_under_another_key_is_emptied(tmp_path):
    cache = tmp_path / "cache"
    assert prepare_cache(cache, "first") == []
    (cache / "ArticlesGenerator-Readers").write_bytes(b"entries of the first key")
    record_sound_cache(cache, "first")
    assert prepare_cache(cache, "first") == []
    assert (cache / "ArticlesGenerator-Readers").exists(), "same key: the cache is kept"
    assert prepare_cache(cache, "second") == []
    assert sorted(path.name for path in cache.iterdir()) == [CACHE_RECORD]


def test_every_build_keys_the_cache_on_each_files_bytes(tmp_path):
    assert cache_settings(tmp_path / "output")["CHECK_MODIFIED_METHOD"] != "mtime"


def test_the_preview_restarts_for_commons_plugins_and_settings(tmp_path):
    code = code_paths([], REPO_ROOT / "pelicanconf.py")
    assert REPO_ROOT / "plugins" in code
    assert REPO_ROOT / "commons" in code
    assert PUBLISH_SETTINGS in code
    assert REPO_ROOT / "pelicanconf.py" not in code, "reloaded in place, not restarted"
    extra = tmp_path / "extra-plugins"
    assert extra.resolve() in code_paths([extra], PUBLISH_SETTINGS)


def test_the_key_follows_the_values_the_settings_file_gives(tmp_path, monkeypatch):
    """Production builds load their cache too: a value the settings file takes
    from the environment (COMMONS_SITEURL) or from its own code is in the key,
    and so is which of the two settings files the build reads."""
    root = small_root(tmp_path / "root")
    settings = root / "pelicanconf.py"
    settings.write_text("import os\nSITEURL = os.environ.get('SITE_ADDRESS', '')\n")
    monkeypatch.setenv("SITE_ADDRESS", "https://one.example")
    first = cache_key(settings, {}, root=root)
    assert cache_key(settings, {}, root=root) == first
    monkeypatch.setenv("SITE_ADDRESS", "https://two.example")
    assert cache_key(settings, {}, root=root) != first
    (root / "publishconf.py").write_text("from pelicanconf import *\nRELATIVE_URLS = False\n")
    assert cache_key(root / "publishconf.py", {}, root=root) != cache_key(settings, {}, root=root)


def test_a_build_loads_its_own_cache_whatever_the_settings_file_says(tmp_path):
    assert cache_settings(tmp_path / "output")["LOAD_CONTENT_CACHE"] is True


def test_the_plugins_json_files_are_left_to_their_readers(tmp_path):
    """Only Pelican's pickles are test-read before a build: a plugin's JSON file
    (derived values, the render record) that another build left half written is
    not reported as a broken cache, and its reader ignores it."""
    cache = tmp_path / "cache"
    assert prepare_cache(cache, "key") == []
    (cache / "derived-feed-html.json").write_text('{"format": 1, "val', encoding="utf-8")
    (cache / "ArticlesGenerator-Readers").write_bytes(b"\x80\x04truncated")
    notices = prepare_cache(cache, "key")
    assert len(notices) == 1 and "ArticlesGenerator-Readers" in notices[0]
    assert (cache / "derived-feed-html.json").is_file()
    assert not (cache / "ArticlesGenerator-Readers").exists()
