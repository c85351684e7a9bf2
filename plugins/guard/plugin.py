"""The guard: one setting, one reader wrapper, one problem channel for every check.

Timeline of a build, in the order Pelican sends its signals:

0. `register` (Pelican calls it for each Pelican it makes, before
   `initialized`): a new `Guard` connects the receivers below, in the
   plugin's place in PLUGINS (blinker calls receivers in the order they
   were connected: the guard reads a post before the other plugins do).
1. `initialized`: `Guard.start` validates GUARD (and moves a renamed
   setting's values into it, with a warning), installs `LoggedProblems`
   on the root logger and checks the content tree (sources.py). A Guard
   made for an earlier Pelican disconnects itself here.
2. `readers_init`: every reader class is wrapped once in `GuardedReader`:
   limits (sources.py), then metadata (metadata.py), then cleaning (html.py).
3. `generator_init`: a generator of a new context is a new build (Pelican's
   autoreload, the preview): the problem list starts again.
4. `content_object_init`: each post's fields (metadata.py, paths.py), what
   its reading removed, and the cleaning's safety net (html.py).
5. `article_generator_finalized`, `page_generator_finalized`: links out of
   content/ (sources.py), paths (paths.py), references (links.py),
   categories (metadata.py), remote media (media.py).
6. `static_generator_finalized`: uploads (media.py).
7. `page_writer_finalized`: files an {attach} link moved (paths.py).
8. `finalized`: links by address, against the written site (written_links.py).

Every problem goes to the build's ProblemLog (problems.py), which writes
GUARD['problems_file'].
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pelican import signals

from commons import html_policy
from commons.contents import every_article, every_page
from commons.problems import PROBLEMS_FILE_VARIABLE
from commons.receivers import BuildReceivers
from commons.settings import Boolean, Nested, Optional, Schema, String, install

from . import html, links, media, metadata, paths, sources
from .problems import GUARD_PROBLEMS, NO_FILE, LoggedProblems, Problem, ProblemLog
from .written_links import BodyLinks, body_values

logger = logging.getLogger(__name__)

SETTING = "GUARD"
SECTIONS = {
    "sources": sources.SCHEMA,
    "metadata": metadata.SCHEMA,
    "paths": paths.SCHEMA,
    "links": links.SCHEMA,
    "media": media.SCHEMA,
    "html": html_policy.SCHEMA,
}
SCHEMA = Schema(
    SETTING,
    {
        # False logs the problems and lets the build go on, so that `invoke
        # check` sees the later stages' problems too.
        "stop": Boolean(
            True,
            help=(
                "`False` logs every problem and lets the build go on, each file built with the "
                "values its fixes name; `invoke check` uses it to list the later stages' problems "
                "in the same run"
            ),
        ),
        # Where the build's problems are written as JSON (commons.check and
        # the preview set it; commons.build through the environment, so that
        # it need not read the settings file to pass the rest of GUARD on).
        "problems_file": Optional(
            String(),
            none_means="not written",
            accepted="None or a file path",
            env=PROBLEMS_FILE_VARIABLE,
            help="the file each build writes its problems to, as JSON",
        ),
        **{
            name: Nested(
                schema, schema.defaults(), help=f"the `{name}` check's settings: GUARD['{name}']"
            )
            for name, schema in SECTIONS.items()
        },
    },
)

# Settings the guard's checks had before they were one plugin: where each
# key lives now (a section, or GUARD itself for "stop").
RENAMED = {
    "SOURCE_GUARD": {"*": "sources"},
    "METADATA_CHECK": {"*": "metadata", "stop": None},
    "OUTPUT_PATHS": {"*": "paths"},
    "CONTENT_CHECK": {"*": "links", "categories": "metadata", "stop": None},
    "MEDIA_CHECK": {"*": "media"},
    "BODY_HTML": {"*": "html"},
}

# Pelican's own warnings that name no fix, by the start of their template.
PELICAN_FIXES = {
    "{filename} used for linking to static content %s in %s. Use {static} instead": (
        "write {static} instead of {filename} in this link "
        "(`invoke migrate-links` does it for every post)."
    ),
    # Two posts with one slug (with_str: 'with slug "x"').
    'There are %s items "%s" with lang %s': (
        "give each of these posts its own Slug (or a different title)."
    ),
    "Unable to find '%s', skipping url replacement.": (
        "correct the {filename} or {static} link, or add the file it names."
    ),
}
# Pelican's warnings for a link the guard lists with its post (links.py).
PELICAN_ECHOES = frozenset({"Unable to find '%s', skipping url replacement."})
# Pelican unpickles its content cache without catching a missing module: a
# cache written before a plugin (or a class it stored) moved stops the build.
CACHE_FIX = (
    "Pelican's content cache was written by another version of Commons' plugins; "
    "run `invoke rebuild` (it empties the output and drops the cache)."
)


def pelican_fix(template: str, error: BaseException | None) -> str:
    """The fix for a message Pelican (or another plugin) logs without one, or ""."""
    if error is not None and _raised_in(error, "pelican.cache"):
        return CACHE_FIX
    # Pelican appends one "\n%s" per file to some templates.
    return next((fix for known, fix in PELICAN_FIXES.items() if template.startswith(known)), "")


def _raised_in(error: BaseException, module: str) -> bool:
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__") == module:
            return True
        frame = frame.tb_next
    return False


def renamed_settings(settings: dict) -> list[Problem]:
    """Move the values of renamed settings into GUARD (where GUARD keeps its default), and
    say, for each, the key it belongs under now.

    A renamed setting left in pelicanconf.py would otherwise do nothing,
    silently: a list of categories no longer enforced, a sanitiser policy
    no longer applied. A site's GUARD holds every key (commons.defaults
    writes them all), so "not set" is "left at its default".
    """
    guard = settings.get(SETTING)
    guard = dict(guard) if isinstance(guard, dict) else {}
    defaults = SCHEMA.defaults()
    problems = []
    for old, moves in RENAMED.items():
        value = settings.get(old)
        if value is None:
            continue
        if not isinstance(value, dict):
            value = {}
        places = []
        for key, item in value.items():
            section = moves.get(key, moves["*"])
            if section is None:
                if guard.get(key, defaults.get(key)) == defaults.get(key):
                    guard[key] = item
                places.append(f"{old}['{key}'] -> {SETTING}['{key}']")
                continue
            target = dict(guard.get(section) or {})
            default = defaults.get(section, {}).get(key)
            if target.get(key, default) == default:
                target[key] = item
            guard[section] = target
            places.append(f"{old}['{key}'] -> {SETTING}['{section}']['{key}']")
        where = "; ".join(places) or f"{old} -> {SETTING}['{moves['*']}']"
        problems.append(
            Problem(
                NO_FILE,
                old,
                f"The setting {old} is now part of {SETTING} ({where}); this build used the "
                f"old values where {SETTING} keeps its defaults",
                f"move them into {SETTING} in pelicanconf.py as shown, and remove {old} "
                '(docs/settings.md, "The guard").',
            )
        )
    if problems:
        settings[SETTING] = guard
    return problems


class GuardedReaderMixin(html.SanitizingReaderMixin, metadata.CheckedMetadataMixin):
    """Every reader's one wrapper: its `read` cleans the HTML (html.py) of what the metadata
    check (metadata.py) let through, which the limits (sources.py) let be read."""


# The limits are innermost: the deadline covers the reader's own work only.
GuardedReader = type("GuardedReader", (GuardedReaderMixin, sources.LimitedReaderMixin), {})


def wrap_readers(readers) -> None:
    for extension, reader_class in list(readers.reader_classes.items()):
        # READERS = {"html": None} turns a reader off; Pelican skips falsy entries.
        if not isinstance(reader_class, type) or issubclass(reader_class, GuardedReader):
            continue
        readers.reader_classes[extension] = type(
            f"Guarded{reader_class.__name__}", (GuardedReader, reader_class), {}
        )


class Guard(BuildReceivers):
    """One Pelican's checks: receives its signals, reports into its ProblemLog.

    Made unbound by `register`; the first Pelican that starts binds it.
    Another Pelican starting (new settings, the preview's next settings)
    disconnects it and takes its logging handler off.
    """

    def __init__(self):
        self.settings: dict | None = None
        self.stop = True
        self.log: ProblemLog | None = None
        # The logging handlers it installed on the root logger.
        self.handlers: list[logging.Handler] = []
        self.body_links: BodyLinks | None = None
        self.context = None

    def receivers(self) -> list:
        return [
            (signals.initialized, self.start),
            (signals.readers_init, wrap_readers),
            (signals.generator_init, self.start_build),
            (signals.content_object_init, self.content_created),
            (signals.article_generator_finalized, self.articles_read),
            (signals.page_generator_finalized, self.pages_read),
            (signals.static_generator_finalized, self.uploads_read),
            (signals.page_writer_finalized, self.pages_written),
        ]

    def disconnect(self) -> None:
        super().disconnect()
        for handler in self.handlers:
            logging.getLogger().removeHandler(handler)
        self.handlers = []
        if self.body_links is not None:
            self.body_links.disconnect()

    # 1. initialized
    def start(self, pelican) -> None:
        if self.settings is not None:
            if pelican.settings is not self.settings:
                self.disconnect()  # a Guard of its own serves the new Pelican
            return
        settings = self.settings = pelican.settings
        renamed = renamed_settings(settings)
        # The problem file first: a bad setting (this plugin's or another's) is
        # a problem of this build too.
        self.log = ProblemLog(_problems_file(settings.get(SETTING), os.environ), logger)
        self.log.start_build()
        recorder = LoggedProblems(self.log, settings["PATH"], pelican_fix, PELICAN_ECHOES)
        root = logging.getLogger()
        # Pelican's "plain" log handler is no handler: its messages reach the
        # terminal through logging's last resort, which is used only while no
        # handler is installed. It stays in use, beside this one.
        self.handlers = [recorder] if root.handlers else [logging.lastResort, recorder]
        for handler in self.handlers:
            root.addHandler(handler)
        options = install(settings, SCHEMA)
        self.stop = options["stop"]
        if options["links"]["check_references"]:
            self.body_links = BodyLinks(
                settings, lambda problems: self.log.report(problems, self.stop)
            )
            self.body_links.connect()
        # Logged as warnings: a renamed setting fails a strict build, saying
        # where its keys go; elsewhere (`invoke check`) the values are used.
        for problem in renamed:
            logger.warning("%s", problem, extra={GUARD_PROBLEMS: [problem]})
        sources.configure_docutils(settings)
        html.configure_markdown(settings)
        content_root = Path(settings["PATH"])
        self.log.report(sources.tree_problems(settings["PATH"], settings.get("IGNORE_FILES") or []))
        tree = sources.content_tree(content_root)
        self.log.report(
            sources.unreadable_sources(content_root, tree)
            + sources.unpublishable_sources(content_root, settings.get("STATIC_PATHS", []), tree),
            self.stop,
        )

    # 3. generator_init
    def start_build(self, generator) -> None:
        if generator.settings is not self.settings:
            return
        if self.context is None:
            self.context = generator.context  # the first build: it has the tree's problems
        elif generator.context is not self.context:
            self.context = generator.context
            self.log.start_build()
        else:
            return
        if self.body_links is not None:
            # The build's store of body facts, which the link checks share:
            # written and let go when the written site's links are checked.
            self.body_links.facts = body_values(self.settings)

    # 4. content_object_init
    def content_created(self, content) -> None:
        if content.settings is not self.settings:
            return
        self.log.report(metadata.content_problems(content), self.stop)
        # Before Pelican's own checks, which name no field: always stops.
        self.log.report(paths.new_content_problems(content))
        self.log.report(html.sanitize_content(content), self.stop)

    # 5. article_generator_finalized, page_generator_finalized
    def articles_read(self, generator) -> None:
        # References and categories: posts, their translations, drafts and
        # hidden posts (not the translations of drafts or hidden posts).
        written = (
            generator.articles
            + generator.translations
            + generator.drafts
            + generator.hidden_articles
        )
        self.contents_read(generator, every_article(generator), written, articles=True)

    def pages_read(self, generator) -> None:
        written = generator.pages + generator.hidden_pages + generator.draft_pages
        self.contents_read(generator, every_page(generator), written, articles=False)

    def contents_read(self, generator, contents: list, written: list, articles: bool) -> None:
        settings = generator.settings
        if settings is not self.settings:
            return
        content_root = Path(settings["PATH"])
        self.log.report(sources.escaping_links(generator, contents), self.stop)
        self.log.report(paths.path_problems(contents, settings), self.stop)
        # Runs when the articles are read and before the static files are: a
        # missing {static} image is reported here, with its post, not later by the cache.
        facts = self.body_links.facts if self.body_links is not None else None
        found = links.link_problems(written, settings, content_root, facts)
        if articles:
            # Pages get a category from their folder name; only posts are checked.
            found += metadata.category_problems(written, settings, content_root)
        self.log.report(found, self.stop)
        self.log.report(media.remote_problems(generator, contents), self.stop)
        media.note_linked_folders(generator, contents)

    # 6. static_generator_finalized
    def uploads_read(self, generator) -> None:
        if generator.settings is self.settings:
            self.log.report(media.upload_problems(generator), self.stop)

    # 7. page_writer_finalized
    def pages_written(self, generator, writer=None) -> None:
        del writer  # not needed: the static files are in the context
        if generator.settings is self.settings:
            self.log.report(paths.attached_problems(generator), self.stop)


def _problems_file(raw, environ) -> str | None:
    """The problem file before the settings are validated (a bad setting is one of
    its problems): the environment's, as the option declares, else the setting's."""
    path = environ.get(PROBLEMS_FILE_VARIABLE) or (
        raw.get("problems_file") if isinstance(raw, dict) else None
    )
    return path if isinstance(path, str) and path else None


def register():
    Guard().connect()
