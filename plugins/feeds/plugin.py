"""Receivers for the FEEDS setting: validation, the feed writer, discovery, the sitemap."""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals
from pelican.generators import ArticlesGenerator

from commons.errors import CommonsError, InputError
from commons.partial_build import writes_some_pages
from commons.paths import source_name
from commons.receivers import BuildReceivers
from commons.settings import install
from commons.urls import site_base

from . import sitemap
from .discovery import FeedLinks
from .entries import entry_id
from .options import SCHEMA, SETTING, feeds_enabled
from .writer import CommonsFeedWriter

logger = logging.getLogger(__name__)


class DuplicateEntryIdError(InputError):
    """Two posts would share one feed id, and feed readers would show only one."""


class MissingStylesheetError(CommonsError, FileNotFoundError):
    """The feeds point at a stylesheet the build did not write."""


class SitemapPages(BuildReceivers):
    """One build's sitemap: an entry for each page the build writes, written at the end.

    Made when the build starts and connected for that build alone; a build
    that starts after it (the preview's next pass) disconnects it, so a build
    that failed halfway leaves nothing behind.
    """

    def __init__(self, pelican):
        self.settings = pelican.settings
        self.output_path = pelican.output_path
        self.unlisted = sitemap.unlisted_paths(pelican.settings)
        self.entries: list[sitemap.SitemapEntry] = []

    def receivers(self) -> list:
        return [
            (signals.initialized, self.stop_if_replaced),
            (signals.content_written, self.page_written),
            (signals.finalized, self.write),
        ]

    def page_written(self, path, context=None) -> None:
        entry = sitemap.entry_for(path, self.output_path, context or {}, self.unlisted)
        if entry is not None:
            self.entries.append(entry)

    def write(self, pelican) -> None:
        if pelican.settings is not self.settings:
            return
        self.disconnect()
        target = Path(pelican.output_path) / self.settings[SETTING]["sitemap"]
        target.parent.mkdir(parents=True, exist_ok=True)
        base = site_base(self.settings)
        if writes_some_pages(self.settings) and target.is_file():
            # Over a copy of the last build: its sitemap, with this build's pages.
            data = sitemap.updated_sitemap_xml(target.read_bytes(), self.entries, base)
        else:
            data = sitemap.sitemap_xml(self.entries, base)
        target.write_bytes(data)
        logger.info('Writing "%s"', target)


def check_settings(pelican) -> None:
    options = install(pelican.settings, SCHEMA)
    if options["sitemap"]:
        SitemapPages(pelican).connect()


def provide_writer(pelican):
    return CommonsFeedWriter


def add_template_globals(generator) -> None:
    env = getattr(generator, "env", None)
    if env is not None:
        env.globals["feed_links"] = FeedLinks()


def check_entry_ids(generators) -> None:
    """Fail on two posts that would share a feed id (same slug, no Comments_id).

    Runs after every generator has finished, so that the content checks, which
    report this with the rest of a post's problems, speak first.
    """
    articles = [g for g in generators if isinstance(g, ArticlesGenerator)]
    if not articles or not feeds_enabled(articles[0].settings):
        return
    generator = articles[0]
    settings = generator.settings
    seen: dict[str, object] = {}
    for article in [*generator.articles, *generator.translations]:
        identifier = entry_id(settings[SETTING], article, settings.get("DEFAULT_LANG"))
        other = seen.setdefault(identifier, article)
        if other is not article:
            error = DuplicateEntryIdError(
                f"{source_name(other.source_path, settings['PATH'])} and "
                f"{source_name(article.source_path, settings['PATH'])} would have the "
                f"same feed id {identifier!r}. Fix: give one of them a different slug or a "
                "`Comments_id:` line of its own."
            )
            logger.error("%s", error)
            raise error


def finish(pelican) -> None:
    settings = pelican.settings
    options = settings[SETTING]
    output = Path(pelican.output_path)
    base = site_base(settings)
    stylesheet = options["stylesheet"]
    if stylesheet and feeds_enabled(settings) and not (output / stylesheet).is_file():
        error = MissingStylesheetError(
            f"{SETTING}['stylesheet'] is {stylesheet!r}, but the build wrote no such file. "
            "Fix: point it at the XSL file the theme copies (theme/static/feeds/feed.xsl is "
            "written as theme/feeds/feed.xsl), or set it to None."
        )
        logger.error("%s", error)
        raise error
    if options["robots_txt"]:
        target = output / "robots.txt"
        target.write_text(sitemap.robots_txt(base, options["sitemap"]), encoding="utf-8")
        logger.info('Writing "%s"', target)


def register():
    signals.initialized.connect(check_settings)
    signals.get_writer.connect(provide_writer)
    signals.generator_init.connect(add_template_globals)
    signals.all_generators_finalized.connect(check_entry_ids)
    signals.finalized.connect(finish)


__all__ = ["register"]
