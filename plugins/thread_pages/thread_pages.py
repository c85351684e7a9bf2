"""Receivers and the write filter for the THREAD_PAGES setting."""

from __future__ import annotations

import logging
from functools import partial

from pelican import signals
from pelican.contents import Content
from pelican.generators import (
    ArticlesGenerator,
    PagesGenerator,
    SourceFileGenerator,
    StaticGenerator,
)

from commons.contents import every_article, every_page
from commons.partial_build import THREAD_PAGES
from commons.receivers import BuildReceivers
from commons.settings import ListOf, Schema, String, install

logger = logging.getLogger(__name__)

SETTING = THREAD_PAGES
SCHEMA = Schema(
    SETTING,
    {
        # Empty: an ordinary build that writes everything.
        "threads": ListOf(
            String(),
            [],
            accepted="a list of thread ids (a post's `discussion.thread_id`), such as "
            "['sharing-your-work']",
        ),
        # Templates that show the threads of the posts a page is given: its
        # post, or the posts it lists (with their counts). Pelican gives every
        # template of DIRECT_TEMPLATES the whole site's posts, shown or not,
        # so a template not named here (404, tags, search) is never written.
        "post_templates": ListOf(
            String(),
            [
                *("article", "page", "index", "category", "tag", "author"),
                *("archives", "period_archives"),
            ],
            accepted="a list of template names without '.html', such as ['article', 'index']",
        ),
        # Templates that show the site's discussion as a whole rather than
        # one post's: the recent discussions page, and the home page, whose
        # first page links to it once there is a comment anywhere.
        "site_templates": ListOf(
            String(),
            ["index", "discussions"],
            accepted="a list of template names without '.html', such as ['index', 'discussions']",
        ),
    },
)
# Generators that copy files a comment never changes: the copy of the last
# build that a partial build starts from holds them already.
COPYING_GENERATORS = (StaticGenerator, SourceFileGenerator)


def validate_settings(raw) -> dict:
    """THREAD_PAGES with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


class ThreadPages(BuildReceivers):
    """What one partial build writes: the pages and feeds that show a chosen thread."""

    def __init__(self, options: dict, contents: list):
        wanted = set(options["threads"])
        # By identity: two posts may be equal by Pelican's comparison (same
        # source) while being a translation and its original.
        self.shown = {
            id(content)
            for content in contents
            if getattr(getattr(content, "discussion", None), "thread_id", None) in wanted
        }
        self.post_templates = set(options["post_templates"])
        self.site_templates = set(options["site_templates"])
        self.written = 0
        self.skipped = 0

    def shows_thread(self, values) -> bool:
        """Whether a page's own variables (its post, its listed posts) include a chosen post."""
        for value in values:
            if isinstance(value, dict):
                if self.shows_thread(value.values()):
                    return True
            elif isinstance(value, (list, tuple)):
                if any(id(item) in self.shown for item in value if isinstance(item, Content)):
                    return True
            elif isinstance(value, Content) and id(value) in self.shown:
                return True
        return False

    def wanted_page(self, template, kwargs: dict) -> bool:
        name = getattr(template, "name", "") or ""
        base = name[:-5] if name.endswith(".html") else name
        if base in self.site_templates:
            return True
        return base in self.post_templates and self.shows_thread(kwargs.values())

    def output(self, generate_output, writer) -> None:
        """A generator's `generate_output`, writing only the wanted pages and feeds."""
        write_file, write_feed = writer.write_file, writer.write_feed

        def filtered_file(name, template, context, *args, **kwargs):
            if not self.wanted_page(template, kwargs):
                self.skipped += 1
                return None
            self.written += 1
            return write_file(name, template, context, *args, **kwargs)

        def filtered_feed(elements, context, path=None, *args, **kwargs):
            if not self.shows_thread([elements]):
                self.skipped += 1
                return None
            self.written += 1
            return write_feed(elements, context, path, *args, **kwargs)

        writer.write_file, writer.write_feed = filtered_file, filtered_feed
        try:
            generate_output(writer)
        finally:
            writer.write_file, writer.write_feed = write_file, write_feed

    def receivers(self) -> list:
        return [(signals.finalized, self.report)]

    def report(self, _pelican) -> None:
        logger.info(
            "Thread pages: %d page(s) and feed(s) written, %d left as the last build wrote them",
            self.written,
            self.skipped,
        )
        self.disconnect()


def _contents(generators) -> list:
    found = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            found.extend(every_article(generator))
        elif isinstance(generator, PagesGenerator):
            found.extend(every_page(generator))
    return found


def prepare(generators) -> None:
    """With threads chosen, every generator writes only what shows them."""
    if not generators:
        return
    options = generators[0].settings.get(SETTING)
    if not options or not options["threads"]:
        return
    pages = ThreadPages(options, _contents(generators))
    for generator in generators:
        if isinstance(generator, COPYING_GENERATORS):
            generator.generate_output = _copy_nothing
        else:
            generator.generate_output = partial(pages.output, generator.generate_output)
    pages.connect()


def _copy_nothing(writer) -> None:
    del writer  # the last full build copied these files; a comment changes none


def register():
    signals.initialized.connect(check_settings)
    # Every post has its thread and snapshot (plugins/discussion), nothing is written yet.
    signals.all_generators_finalized.connect(prepare)
