"""Where Commons' parts are: in a checkout of its repository, or installed from its wheel.

A checkout keeps the Pelican plugins in `plugins/<name>/`, imported as
`plugins.<name>`, and the theme in `theme/`, both beside `commons/`. The wheel
(`pelican-commons`) installs each plugin as the Pelican namespace plugin
`pelican.plugins.commons_<name>`, which `pelican-plugins` lists and PLUGINS
may name `commons_<name>`, and the theme inside this package, as
`commons/theme/`. Code that needs another plugin's module asks here for it,
so it imports the same module object Pelican loaded, in either layout.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import tomllib
from pathlib import Path
from types import ModuleType

# The distribution's name on PyPI (`commons` is another project's there).
DISTRIBUTION = "pelican-commons"
PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout's root, when this package sits in a checkout.
CHECKOUT_ROOT = PACKAGE_DIR.parent
# A plugin `plugins/<name>/` is installed as `pelican.plugins.commons_<name>`.
NAMESPACE = "pelican.plugins"
NAMESPACE_PREFIX = "commons_"
SITE_TEMPLATE_DIR = PACKAGE_DIR / "site_template"


def in_checkout() -> bool:
    """True when this code runs from a checkout of the repository, not an install."""
    return (CHECKOUT_ROOT / "plugins" / "__init__.py").is_file()


def commons_version() -> str:
    """Commons' version: the installed distribution's, else the checkout's pyproject.toml's."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        with (CHECKOUT_ROOT / "pyproject.toml").open("rb") as project:
            return tomllib.load(project)["project"]["version"]


def plugin_package(name: str) -> str:
    """The module name of Commons' plugin `name` (a folder name under plugins/)."""
    if in_checkout():
        return f"plugins.{name}"
    return f"{NAMESPACE}.{NAMESPACE_PREFIX}{name}"


def plugin_module(name: str, module: str) -> ModuleType:
    """The module `module` of Commons' plugin `name`, as Pelican imports it."""
    return importlib.import_module(f"{plugin_package(name)}.{module}")


def theme_path() -> Path:
    """The folder of Commons' theme, for THEME."""
    installed = PACKAGE_DIR / "theme"
    if (installed / "templates").is_dir():
        return installed
    return CHECKOUT_ROOT / "theme"


def plugin_listed(settings: dict, name: str) -> bool:
    """True when the site's PLUGINS loads Commons' plugin `name`, by any name Pelican
    accepts for it; with PLUGINS unset, Pelican loads every installed namespace plugin."""
    listed = settings.get("PLUGINS")
    if listed is None:
        return not in_checkout()
    names = {
        f"plugins.{name}",
        f"{NAMESPACE_PREFIX}{name}",
        f"{NAMESPACE}.{NAMESPACE_PREFIX}{name}",
    }
    return any(
        (plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")) in names
        for plugin in listed
    )
