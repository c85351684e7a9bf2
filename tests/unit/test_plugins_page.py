"""docs/plugins.md, "Add one Commons plugin to an existing Pelican site", says
of each plugin what the code and the installed-package tests say: its load
name, its setting, the values it requires and what it needs to build alone."""

from __future__ import annotations

import re

from commons.config import plugin_schemas
from commons.settings import REQUIRED
from tests.conftest import REPO_ROOT
from tests.package.test_plugin_alone import NEEDS, PLUGIN_FOLDERS, QUICKSTART_SETTINGS

PAGE = REPO_ROOT / "docs" / "plugins.md"
ROW = re.compile(r"^\| `commons_(\w+)` \| (.+?) \| (.+?) \| (.+?) \|$", re.MULTILINE)


def rows() -> dict[str, tuple[str, str]]:
    """Each plugin's row of the page: (its setting, what it says it needs alone)."""
    found = ROW.findall(PAGE.read_text(encoding="utf-8"))
    names = [name for name, *_ in found]
    assert len(names) == len(set(names)), "a plugin has two rows"
    return {name: (setting, alone) for name, setting, _, alone in found}


def test_the_page_lists_every_plugin_with_its_setting():
    listed = rows()
    assert sorted(listed) == PLUGIN_FOLDERS
    for name, (setting, _) in listed.items():
        schemas = plugin_schemas([f"plugins.{name}"])
        assert setting == (f"`{schemas[0].name}`" if schemas else "none"), name


def test_the_page_names_what_each_plugin_needs_to_build_alone():
    for name, (_, alone) in rows().items():
        if name in NEEDS:
            assert NEEDS[name] in alone and "requires" in alone, name
        else:
            assert alone.startswith("builds"), name
        # The keys without a default the plugin's own schema declares.
        for schema in plugin_schemas([f"plugins.{name}"]):
            for key, option in schema.options.items():
                if option.default is REQUIRED:
                    assert f"{schema.name}['{key}']" in alone, (name, key)


def test_the_example_is_the_one_the_installed_package_builds():
    page = PAGE.read_text(encoding="utf-8")
    for line in QUICKSTART_SETTINGS.splitlines():
        if line.startswith(("DISCUSSION = ", "FEEDS = ")):
            assert line in page, line
    assert 'PLUGINS = ["commons_discussion", "commons_feeds"]' in page
