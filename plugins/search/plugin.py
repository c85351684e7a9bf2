"""Receivers and indexing for the SEARCH setting."""

from __future__ import annotations

import asyncio
import logging
import posixpath
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pelican import signals

logger = logging.getLogger(__name__)

SETTING = "SEARCH"
DEFAULTS = {
    "enabled": True,
    "bundle_dir": "pagefind",
    "root_selector": "main article",
    "exclude_selectors": ["#discussion", ".share"],
}


class SettingsError(ValueError):
    """SEARCH has a value the plugin cannot use."""


class SearchIndexError(RuntimeError):
    """Pagefind could not index the site."""


@dataclass(frozen=True)
class IndexedPage:
    path: Path  # the written HTML file
    url: str  # its URL from the site's root, as search results link to it


def validate_settings(raw, settings: dict) -> dict:
    """Return SEARCH with defaults filled in, or raise SettingsError naming the key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{SETTING} must be a dict with the keys {sorted(DEFAULTS)}")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise SettingsError(
            f"{SETTING}: unknown key(s) {unknown}; accepted keys are {sorted(DEFAULTS)}"
        )
    options = {**DEFAULTS, **raw}
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


def site_path(settings: dict) -> str:
    """The path the site lives under ('' at a domain's root, '/blog' under a folder)."""
    siteurl = settings.get("SITEURL") or ""
    if siteurl.startswith(("http://", "https://")):
        return urlsplit(siteurl).path.rstrip("/")
    return ""


def result_url(settings: dict, content_url: str) -> str:
    return f"{site_path(settings)}/{content_url.lstrip('/')}"


# The current build's settings, and the pages it wrote that search should find.
_build: dict = {}
_pages: list[IndexedPage] = []


def check_settings(pelican) -> None:
    pelican.settings[SETTING] = validate_settings(pelican.settings.get(SETTING), pelican.settings)
    _build["settings"] = pelican.settings
    _pages.clear()


def queue_page(path, context) -> None:
    settings = _build.get("settings")
    if settings is None or not settings[SETTING]["enabled"]:
        return
    content = context.get("article") or context.get("page")
    if content is None or getattr(content, "status", "published") != "published":
        return  # listings, drafts and hidden pages are not search results
    _pages.append(IndexedPage(Path(path), result_url(settings, content.url)))


def build_index(pelican) -> None:
    options = pelican.settings[SETTING]
    pages, _pages[:] = list(_pages), []
    if not options["enabled"]:
        return
    bundle = Path(pelican.output_path) / options["bundle_dir"]
    started = time.monotonic()
    try:
        indexed = asyncio.run(_index(pages, bundle, options, pelican.settings))
    except (OSError, AssertionError, RuntimeError) as error:
        # AssertionError: the Pagefind client reports an unexpected answer so.
        failure = SearchIndexError(
            f"Pagefind could not index the site ({error}). Fix: reinstall the pinned "
            "pagefind and pagefind_bin packages (pip install -r requirements.txt), or set "
            f"{SETTING}['enabled'] to False."
        )
        logger.error("%s", failure)
        raise failure from error
    logger.info(
        "Search: indexed %d of %d pages into %s in %.1f s",
        indexed,
        len(pages),
        bundle,
        time.monotonic() - started,
    )


async def _index(pages: list[IndexedPage], bundle: Path, options: dict, settings: dict) -> int:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(
        root_selector=options["root_selector"],
        exclude_selectors=options["exclude_selectors"],
        force_language=settings.get("DEFAULT_LANG") or "en",
        output_path=str(bundle),
    )
    indexed = 0
    async with PagefindIndex(config=config) as index:
        for page in pages:
            result = await index.add_html_file(
                content=page.path.read_text(encoding="utf-8"), url=page.url
            )
            indexed += 1 if result["page_word_count"] else 0
    return indexed


def register():
    signals.initialized.connect(check_settings)
    signals.content_written.connect(queue_page)
    signals.finalized.connect(build_index)
