"""Commons' site machinery: the code that the `commons` command, tasks.py, the tests and
the benchmarks share.

The Pelican plugins live in plugins/; this package holds what runs around
Pelican: the strict, atomic build, and the local servers (site and Isso).

Every default path below is in the site Commons works on (`site_root`): this
repository when the code runs from a checkout of it, otherwise the site in the
current folder, or the one the `commons` command's `--site` names.
"""

import os
from pathlib import Path

from .layout import CHECKOUT_ROOT, in_checkout, theme_path

# Set by `commons --site PATH` before the machinery is imported, and inherited
# by every process it starts (Pelican, Isso), so that all of them work on one site.
SITE_ROOT_VARIABLE = "COMMONS_SITE"
SITE_SETTINGS_NAME = "pelicanconf.py"


def find_site(start: Path) -> Path | None:
    """The folder holding a site's pelicanconf.py: `start` or the nearest one above it."""
    start = start.resolve()
    return next(
        (folder for folder in (start, *start.parents) if (folder / SITE_SETTINGS_NAME).is_file()),
        None,
    )


def site_root(start: Path | None = None) -> Path:
    """The folder of the site: the one that holds its pelicanconf.py.

    COMMONS_SITE when set; else this checkout, when the code runs from one (the
    repository is a site too); else `start` (the current folder) or the nearest
    folder above it with a pelicanconf.py; else `start` itself.
    """
    named = os.environ.get(SITE_ROOT_VARIABLE, "")
    if named:
        return Path(named).resolve()
    if in_checkout():
        return CHECKOUT_ROOT
    here = (start or Path.cwd()).resolve()
    return find_site(here) or here


# The site's paths, found when first asked for (PEP 562), not when this package
# is imported: the `commons` command sets COMMONS_SITE from its arguments first.
SITE_PATHS = {
    "SITE_ROOT": lambda root: root,
    # The older name, which most modules still import: the root of the site.
    "REPO_ROOT": lambda root: root,
    "CONTENT_DIR": lambda root: root / "content",
    "DEV_SETTINGS": lambda root: root / SITE_SETTINGS_NAME,
    "PUBLISH_SETTINGS": lambda root: root / "publishconf.py",
    "DEFAULT_OUTPUT": lambda root: root / "output",
}


def __getattr__(name: str) -> Path:
    if name in SITE_PATHS:
        return SITE_PATHS[name](site_root())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [*SITE_PATHS, "SITE_ROOT_VARIABLE", "find_site", "site_root", "theme_path"]
