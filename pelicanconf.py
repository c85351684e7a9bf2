"""This repository's site: the sample community's choices over Commons' defaults.

Local work: relative URLs, drafts visible, the local comment server (all in
commons/defaults.py, which every Commons site starts from). `publishconf.py`
turns these into the production settings. Every setting Commons reads is
checked by one loader (commons/config.py); docs/settings.md lists them all.
"""

import importlib.util
import sys
from pathlib import Path

SITE_ROOT = Path(__file__).resolve().parent


def site_package(name: str) -> None:
    """Commons' code (`commons`, `plugins`) from the site's root, by its location.

    `python -m pelican` and the tasks run from the root, where Python finds it;
    Pelican's own `pelican` command starts with only its install on Python's
    path. The package is then registered under the same name, from the same
    files, so every module is still imported one way.
    """
    if importlib.util.find_spec(name) is not None:
        return
    folder = SITE_ROOT / name
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


site_package("commons")
site_package("plugins")

from commons.defaults import *  # noqa: E402, F403
from commons.defaults import public_url  # noqa: E402

SITENAME = "Cohere Commons"
SITESUBTITLE = "Notes and conversations from the Cohere coworking community"
PUBLIC_URL = public_url("https://commons.example.org")
TIMEZONE = "America/Denver"
DEFAULT_LANG = "en"

# Uploads: folders copied as they are (images, a site-verification file in
# extra/...). They are never read for posts: a folder added here is excluded too.
STATIC_PATHS = ["images", "extra"]
ARTICLE_EXCLUDES = ["pages", *STATIC_PATHS]

# Links written with the site's own address are checked like relative ones.
GUARD = {**GUARD, "links": {**GUARD["links"], "site_urls": [PUBLIC_URL]}}  # noqa: F405

# Feed entry ids are tag: URIs built on these, never on the site's address:
# set them once and keep them, or every subscriber sees every post again as new.
FEEDS = {**FEEDS, "id_authority": "commons.example.org", "id_date": "2011-03"}  # noqa: F405
