"""Plugins are imported one way: as `plugins.<name>`, from the repository's root."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from pelican.plugins._utils import load_plugins
from pelican.settings import read_settings

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT

PLUGIN_NAMES = sorted(
    path.name for path in (REPO_ROOT / "plugins").iterdir() if (path / "__init__.py").is_file()
)


def test_pelican_loads_each_plugin_as_the_module_the_code_imports():
    for settings_file in (DEV_SETTINGS, PUBLISH_SETTINGS):
        settings = read_settings(str(settings_file))
        loaded = {module.__name__: module for module in load_plugins(settings)}
        ours = sorted(name for name in loaded if name.startswith("plugins."))
        assert ours == [f"plugins.{name}" for name in PLUGIN_NAMES]
        for name in ours:
            assert loaded[name] is importlib.import_module(name)
    # No plugin was loaded a second time under its bare name.
    assert not [name for name in PLUGIN_NAMES if name in sys.modules]


def test_no_settings_file_test_or_module_edits_pythons_path():
    sources = [
        path
        for folder in ("commons", "plugins", "bench", "tests")
        for path in (REPO_ROOT / folder).rglob("*.py")
        # tests/data holds other projects' files as data (old blogs' settings), never run.
        if "node_modules" not in path.parts
        and path.parts[len(REPO_ROOT.parts) : len(REPO_ROOT.parts) + 2] != ("tests", "data")
        and path != Path(__file__)
    ]
    sources += [REPO_ROOT / name for name in ("pelicanconf.py", "publishconf.py", "tasks.py")]
    assert len(sources) > 50
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in sources
        if "sys.path" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
