"""Receivers for the SEARCH setting: plan the shards, feed them, assemble the bundles."""

from __future__ import annotations

import atexit
import json
import logging
import os
import posixpath
import shutil
import time
from pathlib import Path

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from commons.settings import Boolean, Check, Integer, ListOf, Schema, String, install

from .shards import SHARDS_DIR, IndexRun, SearchIndexError, plan_shards

logger = logging.getLogger(__name__)

SETTING = "SEARCH"


def _folder_inside_site(bundle: str) -> str | None:
    if bundle.startswith("/") or posixpath.normpath(bundle) != bundle or bundle.startswith(".."):
        return "it is not a folder inside the site"
    return None


def _search_page(options, settings):
    if options["enabled"] and "search" not in settings.get("DIRECT_TEMPLATES", []):
        return (
            "is True but 'search' is not in DIRECT_TEMPLATES, so there is no search page",
            "",
            "add 'search' to DIRECT_TEMPLATES (with SEARCH_SAVE_AS and SEARCH_URL), or set "
            "enabled to False",
        )
    return None


SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(True),
        "bundle_dir": String(
            "pagefind",
            accepted="a folder inside the site, such as 'pagefind'",
            check=_folder_inside_site,
        ),
        "root_selector": String("main article", accepted="a CSS selector, such as 'main article'"),
        # The discussion, the share links, and the post's categories, date, byline
        # and tags: on every post, they would crowd the excerpts out.
        "exclude_selectors": ListOf(
            String(),
            ["#discussion", ".share", ".post-categories", ".post-meta", ".tag-list"],
            accepted="a list of CSS selectors",
        ),
        # Pagefind holds about 240 KB per page whatever the page's size: 1,000
        # pages stay near 240 MB, under the build's 300 MiB budget and below the
        # Pelican process's own peak. Smaller sites keep a single bundle.
        "pages_per_bundle": Integer(
            1000,
            minimum=1,
            accepted="a whole number of pages, 1 or more, such as 1000 (Pagefind needs about "
            "240 MB per 1,000 pages)",
        ),
    },
    checks=[Check(("enabled",), _search_page)],
)
DEFAULTS = SCHEMA.defaults()
# Next to the first bundle: the list of every bundle, which search.js reads.
MANIFEST = "shards.json"

__all__ = ["SearchIndexError", "register", "validate_settings"]


def validate_settings(raw, settings: dict) -> dict:
    """SEARCH with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw, settings)


# The current build's settings, and its indexing while it lasts.
_build: dict = {}
_state: dict[str, IndexRun | None] = {"run": None}


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)
    _build["settings"] = pelican.settings
    abandon_run()


def searchable_paths(generators) -> list[str]:
    """The site paths of the published posts and pages: what search finds.

    Listings, drafts and hidden pages are not search results.
    """
    paths = set()
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            contents = [*generator.translations, *generator.articles]
        elif isinstance(generator, PagesGenerator):
            contents = [*generator.translations, *generator.pages]
        else:
            continue
        for content in contents:
            if getattr(content, "status", None) == "published" and content.save_as:
                paths.add(posixpath.normpath(content.save_as))
    return sorted(paths)


def remember_generators(generators) -> None:
    abandon_run()  # an autoreload rebuild after a failed build starts clean
    _build["generators"] = generators
    settings = _build.get("settings")
    if settings is not None and settings[SETTING]["enabled"]:
        write_pages_first(generators)


def write_pages_first(generators: list) -> None:
    """Move Pelican's pages generator before its articles generator, in place.

    Pelican writes the posts, then every listing, then the pages (About…).
    A shard is indexed once all its pages are written, so the shard holding
    a page could only start after the last listing, and the build waited for
    it. Written first, the pages complete their shards with the posts, and
    Pagefind indexes while Pelican writes the listings. The order of writing
    changes nothing in what is written: every generator's context is complete
    by now (`all_generators_finalized`), and a test builds both ways.
    """
    pages = [generator for generator in generators if isinstance(generator, PagesGenerator)]
    articles = next(
        (n for n, generator in enumerate(generators) if isinstance(generator, ArticlesGenerator)),
        None,
    )
    if not pages or articles is None or generators.index(pages[0]) < articles:
        return
    for generator in pages:
        generators.remove(generator)
    generators[articles:articles] = pages


def plan_before_writing(pelican) -> None:
    """Pelican asks for its writer just before writing: decide the shards then.

    Later than `all_generators_finalized`, so URLs that plugins settle there
    (frozen_urls) are final and formatted once. Returns no writer of its own.
    """
    start_run(_build.pop("generators", None) or [])


def start_run(generators) -> None:
    """Before anything is written: decide each page's shard, and get ready to index."""
    abandon_run()
    settings = _build.get("settings")
    if settings is None or not settings[SETTING]["enabled"] or not generators:
        return
    options = settings[SETTING]
    output = Path(os.path.abspath(generators[0].output_path))
    plan = plan_shards(searchable_paths(generators), options["pages_per_bundle"])
    _state["run"] = IndexRun(output, plan, pagefind_options(options, settings))
    logger.debug("Search: %d pages in %d shards", sum(map(len, plan)), len(plan))


def page_written(path, context) -> None:
    run = _state["run"]
    if run is not None:
        run.page_written(Path(path))


def build_index(pelican) -> None:
    run, _state["run"] = _state["run"], None
    if run is None:
        return
    options = pelican.settings[SETTING]
    bundle = Path(pelican.output_path) / options["bundle_dir"]
    started = time.monotonic()
    logger.info(
        "Search: the site is written; %d of %d shards were already queued for Pagefind",
        run.queued_count,
        len(run.shards),
    )
    try:
        built = run.finish()
        failures = [shard for shard in built if shard.failure is not None]
        if failures:
            _fail(failures[0].failure)
        assemble(built, bundle)
    finally:
        run.close()
    logger.info(
        "Search: indexed %d pages in %d bundles into %s (%.1f s after the site was written)",
        sum(len(shard.written) for shard in built),
        len(built),
        bundle,
        time.monotonic() - started,
    )


def assemble(built, bundle: Path) -> None:
    """Move the bundles into the site: the first at `bundle`, the others under shards/."""
    if bundle.exists():
        shutil.rmtree(bundle)  # a previous build's bundles, in a non-atomic build
    bundle.parent.mkdir(parents=True, exist_ok=True)
    entries = []
    for position, shard in enumerate(built, start=1):
        if position == 1:
            target, entry = bundle, "./"
        else:
            target = bundle / SHARDS_DIR / str(position)
            entry = f"{SHARDS_DIR}/{position}/"
            target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(shard.bundle), str(target))
        entries.append(entry)
    manifest = json.dumps({"bundles": entries}, indent=1) + "\n"
    (bundle / MANIFEST).write_text(manifest, encoding="utf-8")


def abandon_run() -> None:
    """Stop the indexing of a build that ended early (or of an earlier build)."""
    run, _state["run"] = _state["run"], None
    if run is not None:
        run.close()


def pagefind_options(options: dict, settings: dict) -> list[str]:
    arguments = [
        "--root-selector",
        options["root_selector"],
        "--force-language",
        settings.get("DEFAULT_LANG") or "en",
        "--quiet",
    ]
    for selector in options["exclude_selectors"]:
        arguments += ["--exclude-selectors", selector]
    return arguments


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
    signals.all_generators_finalized.connect(remember_generators)
    signals.get_writer.connect(plan_before_writing)
    signals.content_written.connect(page_written)
    signals.finalized.connect(build_index)
    # A build that fails never reaches `finalized`: stop its Pagefind before
    # the process exits, so nothing keeps running or writing after it.
    atexit.unregister(abandon_run)  # once, however often Pelican loads plugins
    atexit.register(abandon_run)
