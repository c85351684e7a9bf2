"""Receivers and the page choice for the RENDER_RECORD setting."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from functools import partial
from pathlib import Path

from pelican import signals
from pelican.generators import SourceFileGenerator, StaticGenerator
from pelican.utils import sanitised_join

from commons.digests import files_digest
from commons.files import Folder
from commons.page_routing import route_pages
from commons.partial_build import writes_some_pages
from commons.receivers import BuildReceivers
from commons.render_digests import feed_digest, page_digest, site_digest
from commons.settings import Boolean, Schema, install

logger = logging.getLogger(__name__)

SETTING = "RENDER_RECORD"
SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(
            True, help="keep and use the record; `False` renders every page every time"
        )
    },
)
# The last site built with this build's content cache: commons.build.build_site
# names the output folder it is about to replace. Unset: every page is rendered.
LAST_SITE_ENV = "COMMONS_LAST_SITE"  # commons.build.LAST_SITE_VARIABLE
RECORD_FILE = "render-record.json"
RECORD_FORMAT = 1
MISSING = object()


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def read_record(path: Path) -> dict[str, list[str]]:
    """The last build's pages: output file -> [inputs digest, bytes digest]; {} when unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return {}
    pages = data.get("pages")
    if not isinstance(pages, dict):
        return {}
    return {
        name: entry
        for name, entry in pages.items()
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry)
    }


def code_digest(settings: dict) -> str:
    """The files that turn a page's inputs into its bytes: the theme's (and its
    overrides') templates and files, and every loaded plugin's code. The content
    cache's key covers Commons' own; a theme or a plugin kept elsewhere, or
    installed with pip, is covered here."""
    folders = [settings.get("THEME") or "", *(settings.get("THEME_TEMPLATES_OVERRIDES") or [])]
    files: set[Path] = set()
    for folder in folders:
        if folder and os.path.isdir(folder):
            files.update(path for path in Path(folder).rglob("*") if path.is_file())
    for plugin in settings.get("PLUGINS") or []:
        module = plugin if hasattr(plugin, "__name__") else sys.modules.get(str(plugin))
        origin = getattr(module, "__file__", None)
        if origin and Path(origin).name == "__init__.py":
            files.update(Path(origin).parent.rglob("*.py"))  # a package: all of it
        elif origin:
            files.add(Path(origin))
    return files_digest(files).hexdigest()


class RenderRecord(BuildReceivers):
    """One build's record: what it kept from the last site, what it rendered."""

    def __init__(self, settings: dict, last_site: Path, record_path: Path):
        self.settings = settings
        self.code = code_digest(settings)
        self.last_site = last_site
        self.record_path = record_path
        self.last = read_record(record_path)
        self.pages: dict[str, list[str]] = {}
        self.posts: dict = {}
        self.site: str | None = None
        self.shared: frozenset = frozenset()
        self.writers: set[int] = set()
        self.rendered = 0
        self.kept = 0
        # Feeds apart: "rendered" and "kept" count pages.
        self.feeds_rendered = 0
        self.feeds_kept = 0

    def receivers(self) -> list:
        return [(signals.finalized, self.finish)]

    def site_of(self, context: dict) -> str:
        if self.site is None:
            # At the first page or feed: every plugin has finished the context.
            self.site = self.code + site_digest(context, self.posts)
            self.shared = frozenset(id(value) for value in context.values())
        return self.site

    def render(self, template, context: dict, localcontext: dict) -> str:
        self.site_of(context)
        local = {k: v for k, v in localcontext.items() if context.get(k, MISSING) is not v}
        name = localcontext["output_file"]
        inputs = page_digest(
            self.site, getattr(template, "name", "") or "", local, self.posts, self.shared
        )
        last = self.last.get(name)
        if last is not None and last[0] == inputs:
            text = self._last_text(name, last[1])
            if text is not None:
                self.kept += 1
                self.pages[name] = last
                return text
        self.rendered += 1
        text = template.render(localcontext)
        self.pages[name] = [inputs, hashlib.sha256(text.encode("utf-8")).hexdigest()]
        return text

    def _last_text(self, name: str, digest: str) -> str | None:
        """The last site's page, when its bytes are those the record says it wrote."""
        data = self._last_bytes(name, digest)
        return None if data is None else data.decode("utf-8")

    def _last_bytes(self, name: str, digest: str) -> bytes | None:
        try:
            data = (self.last_site / name).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            return None  # changed since, or another build's: rendered again
        return data

    def write_feed(self, write_feed, writer, elements, context, path=None, *args, **kwargs):
        """A feed, through the record: kept when its posts (in full: a feed
        carries their bodies), its arguments and the site did not change.

        A kept feed is not made again, so `feed_generated` and `feed_written`
        are not sent for it (no receiver of Commons' listens to them).
        """
        if not path:
            return write_feed(elements, context, path, *args, **kwargs)
        name = os.path.normpath(path)
        most = writer.settings.get("FEED_MAX_ITEMS")
        # The list itself when the feed carries all of it: its digest is made
        # once for the Atom and the RSS feed of the same posts.
        shown = elements if most is None or len(elements) <= most else list(elements[:most])
        inputs = feed_digest(self.site_of(context), name, shown, [args, kwargs], self.posts)
        target = Path(sanitised_join(writer.output_path, path))
        last = self.last.get(name)
        if last is not None and last[0] == inputs:
            data = self._last_bytes(name, last[1])
            if data is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                self.feeds_kept += 1
                self.pages[name] = last
                return None
        self.feeds_rendered += 1
        feed = write_feed(elements, context, path, *args, **kwargs)
        self.pages[name] = [inputs, hashlib.sha256(target.read_bytes()).hexdigest()]
        return feed

    def output(self, generate_output, writer) -> None:
        """A generator's `generate_output`, its pages going through the record.

        The writer is wrapped once, at the first generator, and stays wrapped
        for the build (one writer per build): render children
        (plugins/parallel_render) wrap it again at that moment, around this
        wrapper, and must find it there for every later generator.
        """
        if id(writer) not in self.writers:
            self.writers.add(id(writer))
            route_pages(writer, self.render)
            writer.write_feed = partial(self.write_feed, writer.write_feed, writer)
        generate_output(writer)

    def finish(self, _pelican) -> None:
        self.disconnect()
        Folder(self.record_path.parent, force=True).write_text(
            self.record_path.name,
            json.dumps(
                {
                    "format": RECORD_FORMAT,
                    "pages": self.pages,
                    "rendered": self.rendered,
                    "kept": self.kept,
                    "feeds_rendered": self.feeds_rendered,
                    "feeds_kept": self.feeds_kept,
                },
                sort_keys=True,
            ),
        )
        logger.info(
            "Render record: %d page(s) and %d feed(s) rendered, %d and %d kept from the last build",
            self.rendered,
            self.feeds_rendered,
            self.kept,
            self.feeds_kept,
        )


def prepare(generators) -> None:
    """Every generator's pages go through this build's record."""
    if not generators:
        return
    settings = generators[0].settings
    options = settings.get(SETTING)
    if not options or not options["enabled"]:
        return
    # A build of only some threads' pages (plugins/thread_pages) keeps no record.
    if writes_some_pages(settings):
        return
    # Only in a build commons.build runs (it always names the last site, ""
    # for none): a preview or a bare `pelican` writes no record, and keeps
    # nothing from one.
    chosen = os.environ.get(LAST_SITE_ENV)
    if chosen is None:
        return
    record_path = Path(settings["CACHE_PATH"]) / RECORD_FILE
    last_site = Path(chosen) if chosen else None
    if last_site is None or not last_site.is_dir():
        record_path.unlink(missing_ok=True)
        last_site = Path(os.devnull)  # nothing to keep: every page is rendered
    record = RenderRecord(settings, last_site, record_path)
    for generator in generators:
        if not isinstance(generator, (StaticGenerator, SourceFileGenerator)):
            generator.generate_output = partial(record.output, generator.generate_output)
    record.connect()


def register():
    signals.initialized.connect(check_settings)
    signals.all_generators_finalized.connect(prepare)
