"""Receivers and indexing for the SEARCH setting."""

from __future__ import annotations

import logging
import posixpath
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pelican import signals

from commons.settings import SettingsError, install, with_defaults

logger = logging.getLogger(__name__)

SETTING = "SEARCH"
DEFAULTS = {
    "enabled": True,
    "bundle_dir": "pagefind",
    "root_selector": "main article",
    # The discussion, the share links, and the post's categories, date, byline
    # and tags: on every post, they would crowd the excerpts out.
    "exclude_selectors": ["#discussion", ".share", ".post-categories", ".post-meta", ".tag-list"],
}


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site."""


def validate_settings(raw, settings: dict) -> dict:
    """Return SEARCH with defaults filled in, or raise SettingsError naming the key."""
    options = with_defaults(SETTING, raw, DEFAULTS)
    if not isinstance(options["enabled"], bool):
        raise SettingsError(f"{SETTING}['enabled'] must be True or False")
    bundle = options["bundle_dir"]
    if (
        not isinstance(bundle, str)
        or not bundle
        or bundle.startswith("/")
        or posixpath.normpath(bundle) != bundle
        or bundle.startswith("..")
    ):
        raise SettingsError(
            f"{SETTING}['bundle_dir'] is {bundle!r}; it must be a folder inside the site, "
            "such as 'pagefind'"
        )
    if not isinstance(options["root_selector"], str) or not options["root_selector"].strip():
        raise SettingsError(
            f"{SETTING}['root_selector'] must be a CSS selector, such as 'main article'"
        )
    excluded = options["exclude_selectors"]
    if not isinstance(excluded, (list, tuple)) or not all(
        isinstance(selector, str) and selector.strip() for selector in excluded
    ):
        raise SettingsError(
            f"{SETTING}['exclude_selectors'] must be a list of CSS selectors, got {excluded!r}"
        )
    options["exclude_selectors"] = list(excluded)
    if options["enabled"] and "search" not in settings.get("DIRECT_TEMPLATES", []):
        raise SettingsError(
            f"{SETTING}['enabled'] is True but 'search' is not in DIRECT_TEMPLATES, so there "
            "is no search page. Fix: add 'search' to DIRECT_TEMPLATES (with SEARCH_SAVE_AS "
            "and SEARCH_URL), or set enabled to False."
        )
    return options


# The current build's settings, and the pages it wrote that search should find.
_build: dict = {}
_pages: list[Path] = []


def check_settings(pelican) -> None:
    install(pelican.settings, SETTING, validate_settings, pelican.settings)
    _build["settings"] = pelican.settings
    _pages.clear()


def queue_page(path, context) -> None:
    settings = _build.get("settings")
    if settings is None or not settings[SETTING]["enabled"]:
        return
    content = context.get("article") or context.get("page")
    if content is None or getattr(content, "status", "published") != "published":
        return  # listings, drafts and hidden pages are not search results
    _pages.append(Path(path))


def build_index(pelican) -> None:
    options = pelican.settings[SETTING]
    pages, _pages[:] = sorted(set(_pages)), []
    if not options["enabled"]:
        return
    output = Path(pelican.output_path)
    bundle = output / options["bundle_dir"]
    started = time.monotonic()
    # Pagefind indexes a folder. Give it one holding only the posts and pages,
    # at their paths in the site, so that its result URLs are theirs.
    with tempfile.TemporaryDirectory(prefix="commons-search-") as mirror:
        for page in pages:
            copy = Path(mirror) / page.relative_to(output)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, copy)
        command = pagefind_command(Path(mirror), bundle, options, pelican.settings)
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=600, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            _fail(str(error))
    if completed.returncode != 0:
        _fail((completed.stdout + completed.stderr).strip()[-2000:])
    logger.info(
        "Search: indexed %d pages into %s in %.1f s",
        len(pages),
        bundle,
        time.monotonic() - started,
    )


def pagefind_command(site: Path, bundle: Path, options: dict, settings: dict) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site),
        "--output-path",
        str(bundle),
        "--root-selector",
        options["root_selector"],
        "--force-language",
        settings.get("DEFAULT_LANG") or "en",
        "--quiet",
    ]
    for selector in options["exclude_selectors"]:
        command += ["--exclude-selectors", selector]
    return command


def _fail(detail: str):
    failure = SearchIndexError(
        f"Pagefind could not index the site: {detail}\nFix: reinstall the pinned pagefind "
        "and pagefind-bin packages (pip install -r requirements.txt), or set "
        f"{SETTING}['enabled'] to False."
    )
    logger.error("%s", failure)
    raise failure


def register():
    signals.initialized.connect(check_settings)
    signals.content_written.connect(queue_page)
    signals.finalized.connect(build_index)
