"""Site search for one Pelican build: SiteSearch, and the signals that drive it.

Timeline of a build, in the order Pelican sends its signals:

1. `initialized`: `start` checks SEARCH and, when search is on, creates this
   Pelican's SiteSearch and connects its receivers (steps 2 to 5).
2. `all_generators_finalized` (every post and page is read):
   `SiteSearch.keep_generators` keeps the generators for step 3, and
   `write_pages_first` moves the pages generator before the posts' (why: in
   its docstring).
3. `get_writer` (Pelican asks for its writer just before it writes the first
   file): `SiteSearch.plan` cuts the published posts and pages into shards of
   at most `pages_per_bundle` pages and starts an `IndexRun` (shards.py). Not
   at step 2: URLs that plugins settle there (frozen_urls) are final only now.
4. `content_written` (each file Pelican writes): `SiteSearch.page_written`;
   when the last page of a shard is written, the shard goes to Pagefind, in a
   background thread, one shard at a time, while Pelican writes the rest.
5. `finalized` (the site is written): `SiteSearch.finish` waits for Pagefind,
   moves the bundles into the site and writes the list of bundles.

A build that fails never reaches step 5: the IndexRun stops its Pagefind and
removes its workspace when the process exits (or, in Pelican's autoreload,
when the next build plans, or another Pelican starts).
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import shutil
import time
from pathlib import Path

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from commons.build import LAST_SITE_VARIABLE
from commons.partial_build import writes_some_pages
from commons.receivers import BuildReceivers
from commons.settings import Boolean, Check, Integer, ListOf, Schema, String, install

from .shards import MANIFEST, SHARDS_DIR, IndexRun, LastIndex, SearchIndexError, plan_shards

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
        "enabled": Boolean(
            True,
            help=(
                'build the Pagefind index; needs `"search"` in `DIRECT_TEMPLATES` (with '
                "`SEARCH_SAVE_AS`, `SEARCH_URL`)"
            ),
        ),
        # Whether this build runs Pagefind. False: the search page is written
        # and says that this build has no index (a local build: Pagefind costs
        # about 2 s of CPU per 1,000 pages, for a page an editor rarely uses).
        "index": Boolean(
            True,
            help=(
                "run Pagefind in this build; `False` writes the search page and a `shards.json` "
                "saying there is no index, and the page says so (docs/search.md; `invoke build "
                "--search` turns it on)"
            ),
        ),
        "bundle_dir": String(
            "pagefind",
            accepted="a folder inside the site, such as 'pagefind'",
            check=_folder_inside_site,
            help="the folder of the built site the index goes into",
        ),
        "root_selector": String(
            "main article",
            accepted="a CSS selector, such as 'main article'",
            help="the part of each page that is indexed; its first `h1` is the result's title",
        ),
        # The discussion, the share links, and the post's categories, date, byline
        # and tags: on every post, they would crowd the excerpts out.
        "exclude_selectors": ListOf(
            String(),
            ["#discussion", ".share", ".post-categories", ".post-meta", ".tag-list"],
            accepted="a list of CSS selectors",
            help=(
                "parts of that root left out of the index: the discussion, the share links, and a "
                "post's categories, byline and tags, which would otherwise fill every excerpt"
            ),
        ),
        # Pagefind holds about 240 KB per page whatever the page's size: 1,000
        # pages stay near 240 MB, under the build's 300 MiB budget and below the
        # Pelican process's own peak. Smaller sites keep a single bundle.
        "pages_per_bundle": Integer(
            1000,
            minimum=1,
            accepted="a whole number of pages, 1 or more, such as 1000 (Pagefind needs about "
            "240 MB per 1,000 pages)",
            help=(
                "at most this many pages per Pagefind bundle (a whole number, 1 or more). Pagefind"
                " needs about 240 MB per 1,000 pages, so this bounds the build's memory. A larger "
                "site gets ceil(pages / this) bundles of near-equal size; each costs a reader who "
                "searches a few more small requests (its entry, metadata and the index chunks of "
                "the words searched), and each ranks its pages by its own word statistics, so "
                "results from different bundles are ranked a little less evenly than in one index."
            ),
        ),
    },
    checks=[Check(("enabled",), _search_page)],
)
DEFAULTS = SCHEMA.defaults()
# In the content cache's folder (emptied with it when its key changes): what
# each shard's bundle was made from, for the next build over this site.
SEARCH_RECORD = "search-record.json"

__all__ = ["SearchIndexError", "SiteSearch", "register"]


def start(pelican) -> None:
    """`initialized`: check SEARCH; with search on, this Pelican's SiteSearch starts listening."""
    options = install(pelican.settings, SCHEMA)
    # A previous build in this process that failed before `finalized`.
    signals.finalized.disconnect(write_unindexed_manifest)
    # A build that writes only some pages keeps the last build's index.
    if not options["enabled"] or writes_some_pages(pelican.settings):
        return
    if options["index"]:
        SiteSearch(pelican.settings).connect()
    else:
        signals.finalized.connect(write_unindexed_manifest)


def write_unindexed_manifest(pelican) -> None:
    """`finalized`, in a build without index: the list of bundles says there is none.

    The search page then tells the reader so (search.js) instead of finding nothing.
    """
    # Connected for one build only: the next Pelican decides again.
    signals.finalized.disconnect(write_unindexed_manifest)
    bundle = Path(pelican.output_path) / pelican.settings[SETTING]["bundle_dir"]
    assemble([], bundle, indexed=False)
    logger.info("Search: no index in this build (SEARCH['index'] is False)")


class SiteSearch(BuildReceivers):
    """The search index of one Pelican's builds: steps 2 to 5 of the timeline above.

    It holds what one build needs between signals (the generators, then the
    IndexRun) and lets go of it when the build ends.
    """

    def __init__(self, settings: dict):
        self.settings = settings
        self.options = settings[SETTING]
        self.generators: list = []
        self.run: IndexRun | None = None
        # Set by plan when no page is published: finish writes an empty index.
        self.nothing_to_index = False

    def receivers(self) -> list:
        return [
            (signals.initialized, self.stop_if_replaced),
            (signals.all_generators_finalized, self.keep_generators),
            (signals.all_generators_finalized, write_pages_first),
            (signals.get_writer, self.plan),
            (signals.content_written, self.page_written),
            (signals.finalized, self.finish),
        ]

    def forget_build(self) -> None:
        self.abandon_run()

    def keep_generators(self, generators: list) -> None:
        """Step 2: the generators hold the posts and pages that step 3 plans."""
        self.generators = generators

    def plan(self, pelican) -> None:
        """Step 3, before anything is written: decide each page's shard, get ready to index.

        Returns no writer of its own (`get_writer` is only the moment).
        """
        self.abandon_run()  # a build that failed midway in this process (autoreload)
        self.nothing_to_index = False
        generators, self.generators = self.generators, []
        if not generators:
            return
        output = Path(os.path.abspath(generators[0].output_path))
        paths = searchable_paths(generators)
        if not paths:
            # Nothing published yet (a new fork, only drafts): Pagefind refuses
            # to build an empty index, so the site gets an empty list of bundles.
            self.nothing_to_index = True
            return
        plan = plan_shards(paths, self.options["pages_per_bundle"])
        options = pagefind_options(self.options, self.settings)
        self.run = IndexRun(output, plan, options, last_index(self.settings, options))
        logger.debug("Search: %d pages in %d shards", sum(map(len, plan)), len(plan))

    def page_written(self, path, context=None) -> None:
        """Step 4: note a written file; a shard whose pages are all written goes to Pagefind."""
        if self.run is not None:
            self.run.page_written(path)

    def finish(self, pelican) -> None:
        """Step 5: wait for Pagefind, then put the bundles into the site."""
        run, self.run = self.run, None
        bundle = Path(pelican.output_path) / self.options["bundle_dir"]
        if run is None:
            if self.nothing_to_index:
                assemble([], bundle)
                logger.info("Search: no published post or page yet; the index is empty")
            return
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
            if run.last is not None:
                run.last.write(built)
        finally:
            run.close()
        logger.info(
            "Search: indexed %d pages in %d bundles into %s, %d kept from the last build "
            "(%.1f s after the site was written)",
            sum(len(shard.written) for shard in built),
            len(built),
            bundle,
            sum(shard.reused for shard in built),
            time.monotonic() - started,
        )

    def abandon_run(self) -> None:
        """Stop the indexing of a build that ended early."""
        run, self.run = self.run, None
        if run is not None:
            run.close()


def last_index(settings: dict, options: list[str]) -> LastIndex | None:
    """The last build's bundles, in a build commons.build runs (it names the
    site it replaces, "" for none); None elsewhere (a bare `pelican`, the
    preview): every shard is indexed, and no record is kept."""
    chosen = os.environ.get(LAST_SITE_VARIABLE)
    if chosen is None:
        return None
    last_bundle = Path(chosen) / settings[SETTING]["bundle_dir"] if chosen else None
    if last_bundle is not None and not last_bundle.is_dir():
        last_bundle = None
    return LastIndex(Path(settings["CACHE_PATH"]) / SEARCH_RECORD, last_bundle, options)


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


def write_pages_first(generators: list) -> None:
    """Step 2: move Pelican's pages generator before its articles generator, in place.

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


def assemble(built, bundle: Path, indexed: bool = True) -> None:
    """Move the bundles into the site: the first at `bundle`, the others under shards/.

    `indexed` False: Pagefind did not run for this build (SEARCH['index']).
    """
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
    listing = {"bundles": entries} if indexed else {"bundles": entries, "indexed": False}
    manifest = json.dumps(listing, indent=1) + "\n"
    bundle.mkdir(parents=True, exist_ok=True)  # no bundle at all when nothing is indexed
    (bundle / MANIFEST).write_text(manifest, encoding="utf-8")


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
    signals.initialized.connect(start)
