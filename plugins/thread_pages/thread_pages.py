"""Receivers and the write filter for the THREAD_PAGES setting."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from pelican import signals
from pelican.contents import Content
from pelican.generators import (
    ArticlesGenerator,
    PagesGenerator,
    SourceFileGenerator,
    StaticGenerator,
)
from pelican.paginator import Page as ListingPage

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
            help=(
                "the threads (`discussion.thread_id`) whose pages to write; empty: an ordinary "
                "build"
            ),
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
            help="templates that show the threads of the posts a page is given",
        ),
        # Templates that show the site's discussion as a whole rather than
        # one post's: the recent discussions page, and the home page, whose
        # first page links to it once there is a comment anywhere.
        "site_templates": ListOf(
            String(),
            ["index", "discussions"],
            accepted="a list of template names without '.html', such as ['index', 'discussions']",
            help="templates that show the whole site's discussion, written in every such build",
        ),
    },
)
# Generators that copy files a comment never changes: the copy of the last
# build that a partial build starts from holds them already.
COPYING_GENERATORS = (StaticGenerator, SourceFileGenerator)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


class ThreadPages(BuildReceivers):
    """What one partial build writes: the pages and feeds that show a chosen thread.

    A call of the writer is skipped when its template shows no thread of the
    posts it is given. A paginated listing that lists a chosen post is
    rendered only on the pages that list it (and on its first page, for a
    template that shows the whole site's discussion there); its other pages
    are written back with the bytes the last build gave them, which the copy
    this build starts from holds, rather than rendered again.
    """

    def __init__(self, options: dict, contents: list, output_path: str):
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
        self.output_path = Path(output_path)
        self.rendered = 0
        self.kept = 0
        self.skipped = 0
        self.writers: set[int] = set()

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

    def render(self, template, localcontext, site: bool, call_shows: bool) -> str:
        """One page of a writer's call: rendered, or its last build's text."""
        pages = [value for value in localcontext.values() if isinstance(value, ListingPage)]
        if pages:
            first = all(page.number == 1 for page in pages)
            wanted = (site and first) or self.shows_thread([page.object_list for page in pages])
        else:
            wanted = site or call_shows
        if not wanted:
            last = self.output_path / localcontext["output_file"]
            try:
                # newline="": the bytes as they are, for the writer to put back.
                with open(last, encoding="utf-8", newline="") as file:
                    text = file.read()
            except FileNotFoundError:
                pass  # a page the last build did not write: rendered below
            else:
                self.kept += 1
                return text
        self.rendered += 1
        return template.render(localcontext)

    def output(self, generate_output, writer) -> None:
        """A generator's `generate_output`, writing only the wanted pages and feeds.

        The writer is wrapped once, at the first generator, and stays wrapped
        for the build (one writer per build), as plugins/render_record's is.
        """
        if id(writer) not in self.writers:
            self.writers.add(id(writer))
            self._filter(writer)
        generate_output(writer)

    def _filter(self, writer) -> None:
        write_file, write_feed = writer.write_file, writer.write_feed

        def filtered_file(name, template, context, *args, **kwargs):
            base = _template_base(template)
            site = base in self.site_templates
            call_shows = base in self.post_templates and self.shows_thread(kwargs.values())
            if not (site or call_shows):
                self.skipped += 1
                return None
            page = _PageChoice(self, template, site, call_shows)
            return write_file(name, page, context, *args, **kwargs)

        def filtered_feed(elements, context, path=None, *args, **kwargs):
            if not self.shows_thread([elements]):
                self.skipped += 1
                return None
            self.rendered += 1
            return write_feed(elements, context, path, *args, **kwargs)

        writer.write_file, writer.write_feed = filtered_file, filtered_feed

    def receivers(self) -> list:
        return [(signals.finalized, self.report)]

    def report(self, _pelican) -> None:
        logger.info(
            "Thread pages: %d page(s) and feed(s) rendered, %d page(s) of their listings kept, "
            "%d call(s) skipped",
            self.rendered,
            self.kept,
            self.skipped,
        )
        self.disconnect()


class _PageChoice:
    """What the writer gets instead of a template: each page asks ThreadPages."""

    def __init__(self, pages: ThreadPages, template, site: bool, call_shows: bool):
        self.pages = pages
        self.template = template
        self.site = site
        self.call_shows = call_shows

    def render(self, localcontext) -> str:
        return self.pages.render(self.template, localcontext, self.site, self.call_shows)


def _template_base(template) -> str:
    name = getattr(template, "name", "") or ""
    return name[:-5] if name.endswith(".html") else name


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
    pages = ThreadPages(options, _contents(generators), generators[0].output_path)
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
