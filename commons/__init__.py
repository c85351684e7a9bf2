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
    for folder in (here, *here.parents):
        if (folder / SITE_SETTINGS_NAME).is_file():
            return folder
    return here


SITE_ROOT = site_root()
# The older name, which most modules still import: the root of the site.
REPO_ROOT = SITE_ROOT
CONTENT_DIR = SITE_ROOT / "content"
DEV_SETTINGS = SITE_ROOT / SITE_SETTINGS_NAME
PUBLISH_SETTINGS = SITE_ROOT / "publishconf.py"
DEFAULT_OUTPUT = SITE_ROOT / "output"

__all__ = [
    "CONTENT_DIR",
    "DEFAULT_OUTPUT",
    "DEV_SETTINGS",
    "PUBLISH_SETTINGS",
    "REPO_ROOT",
    "SITE_ROOT",
    "SITE_ROOT_VARIABLE",
    "site_root",
    "theme_path",
]
