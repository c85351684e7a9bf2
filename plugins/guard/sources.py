"""Receivers, reader limits and checks for the SOURCE_GUARD setting."""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import signal
import stat
import threading
from urllib.parse import unquote, urlparse

from docutils.utils import SystemMessage
from pelican import signals

from commons.contents import every_article, every_page
from commons.settings import Float, Integer, Schema, install

logger = logging.getLogger(__name__)

SETTING = "SOURCE_GUARD"
SCHEMA = Schema(
    SETTING,
    {
        # Per content file: a post is text; 2 MB is a long book.
        "max_bytes": Integer(
            2_000_000, minimum=1, fix="use the default, 2_000_000, or a larger number of bytes"
        ),
        # Per upload (an image, a video, a PDF under STATIC_PATHS): copied, never
        # read, so only the host's own limit matters (GitHub Pages: 100 MB a file).
        "max_upload_bytes": Integer(
            100_000_000,
            minimum=1,
            fix="use the default, 100_000_000, or a larger number of bytes",
        ),
        # Per content file, to read and convert it (Markdown or reStructuredText).
        "max_seconds": Float(
            10, minimum=0.1, fix="use the default, 10, or a larger number of seconds"
        ),
    },
)
DEFAULTS = SCHEMA.defaults()
# reStructuredText may not insert files (`include`, `csv-table :file:`), fetch
# URLs (`raw :url:`, `csv-table :url:`) or pass raw markup through.
DOCUTILS_DEFAULTS = {"file_insertion_enabled": False, "raw_enabled": False}
LINK_KINDS = {"filename", "static", "attach"}
# The reader Pelican gives uploads (static files) has this one "extension".
STATIC_FORMAT = "static"
FILE_KINDS = (
    (stat.S_ISFIFO, "named pipe (FIFO)"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


class SourceError(ValueError):
    """A content file is outside content/, not a regular file, or over a limit."""


class _Deadline(BaseException):
    """Raised by the timer in the reading process; a BaseException so that no
    reader's `except Exception` can swallow it."""


def validate_settings(raw) -> dict:
    """SOURCE_GUARD with defaults filled in, or SettingsError naming every bad key."""
    return SCHEMA.validate(raw)


def _options(settings: dict) -> dict:
    return validate_settings(settings.get(SETTING))


def check_settings(pelican) -> None:
    settings = pelican.settings
    install(settings, SCHEMA)
    # What a maintainer sets explicitly wins; file insertion and raw markup
    # are off unless they say otherwise.
    chosen = settings.get("DOCUTILS_SETTINGS") or {}
    settings["DOCUTILS_SETTINGS"] = {**DOCUTILS_DEFAULTS, **chosen}
    report(tree_problems(settings["PATH"], settings.get("IGNORE_FILES") or []))


# ------------------------------------------------------------ the content tree
def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str | None:
    """What a file is when it is neither a regular file nor a folder, else None."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    for test, name in FILE_KINDS:
        if test(mode):
            return name
    return "special file"


def tree_problems(content_path: str, ignore: list[str]) -> list[str]:
    """Links out of content/ and files that are not regular files, found without opening any."""
    root = os.path.realpath(content_path)
    problems = []
    for folder, dirs, files in os.walk(content_path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _ignored(d, ignore))
        for name in sorted(files) + dirs:
            if _ignored(name, ignore):
                continue
            path = os.path.join(folder, name)
            shown = os.path.relpath(path, content_path).replace(os.sep, "/")
            problem = path_problem(path, root)
            if problem:
                problems.append(f"{shown}: {problem}")
    return problems


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def path_problem(path: str, root: str) -> str | None:
    """Why Commons must not open `path` (a link out of `root`, a pipe, a device), or None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # gone: whoever reads it says so
    if stat.S_ISLNK(mode):
        target = os.path.realpath(path)
        if not _inside(target, root):
            return (
                f"is a symbolic link to {target}, outside content/. Fix: copy the file into "
                "content/ instead of linking to it, or delete the link"
            )
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return None  # a broken link: the content check names it
        kind = _kind(mode)
        if kind:
            return f"is a symbolic link to a {kind}, not a regular file. Fix: delete the link"
        return None
    kind = _kind(mode)
    if kind:
        return (
            f"is a {kind}, not a regular file, and Commons reads only regular files. "
            "Fix: delete it, or replace it with a regular file"
        )
    return None


def report(problems: list[str], stop: bool = True) -> None:
    if not problems:
        return
    message = "The content has problems:\n  " + "\n  ".join(f"{problem}." for problem in problems)
    # Under --fatal warnings, logging the error is what stops Pelican; without
    # it, the exception does, unless `invoke check` asks to go on.
    logger.error("%s", message)
    if stop:
        raise SourceError(message)


def stops(settings: dict) -> bool:
    """False under `invoke check`, which lists every problem of a throw-away build."""
    return bool((settings.get("CONTENT_CHECK") or {}).get("stop", True))


# ------------------------------------------------------------ reading, limited
@contextlib.contextmanager
def deadline(seconds: float):
    """Raise _Deadline in this thread if the block runs longer than `seconds`.

    A timer signal interrupts pure-Python loops and the regular-expression
    engine (which checks for signals), which is where Markdown and docutils
    spend their time. Signals reach only the main thread: elsewhere (Pelican
    never reads there) the block runs without a time limit.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(_signum, _frame):
        raise _Deadline

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _shown_source(source_path: str, settings: dict) -> str:
    content_root = settings.get("PATH") or os.getcwd()
    try:
        return os.path.relpath(source_path, content_root)
    except ValueError:
        return source_path


class LimitedReaderMixin:
    """A reader that refuses what it must not open and gives up after the file's time."""

    def read(self, source_path):
        settings = self.settings
        options = _options(settings)
        source = _shown_source(source_path, settings)
        root = os.path.realpath(settings.get("PATH") or os.getcwd())
        problem = path_problem(source_path, root)
        if problem is None and not _inside(os.path.realpath(source_path), root):
            problem = "is outside content/. Fix: move it into content/"
        if problem:
            raise _fail(f"{source}: {problem}.")
        size = os.stat(source_path).st_size
        if STATIC_FORMAT in getattr(self, "file_extensions", ()):
            # An upload: Pelican copies it without reading it.
            if size > options["max_upload_bytes"]:
                raise _fail(
                    f"{source}: is an upload of {size:,} bytes, over the limit of "
                    f"{options['max_upload_bytes']:,} bytes per upload "
                    f"({SETTING}['max_upload_bytes']). Fix: make it smaller (a video or image "
                    "saved at a lower resolution or bitrate), or set "
                    f"{SETTING}['max_upload_bytes'] to {size:_} in pelicanconf.py if the host "
                    "serves files that large."
                )
            return super().read(source_path)
        if size > options["max_bytes"]:
            raise _fail(
                f"{source}: is {size:,} bytes, over the limit of {options['max_bytes']:,} bytes "
                f"per post or page ({SETTING}['max_bytes']). Fix: split it into several posts "
                "or move large data into a file under STATIC_PATHS, or set "
                f"{SETTING}['max_bytes'] to {size:_} in pelicanconf.py."
            )
        try:
            with deadline(options["max_seconds"]):
                return super().read(source_path)
        except _Deadline:
            raise _fail(
                f"{source}: reading it took more than {options['max_seconds']:g} s, the limit per "
                f"file ({SETTING}['max_seconds']); its markup is probably nested very deeply or "
                "repeated many times (for example thousands of nested brackets). Fix: simplify "
                "that markup, or raise the limit in pelicanconf.py."
            ) from None
        except RecursionError:
            raise _fail(
                f"{source}: its markup is nested too deeply to convert (Python's recursion limit "
                "was reached). Fix: flatten the deeply nested lists, quotes or brackets."
            ) from None
        except SystemMessage as error:
            reason = (str(error).strip().splitlines() or ["?"])[0].rstrip(".")
            raise _fail(
                f"{source}: reStructuredText error: {reason}. Fix: correct the "
                "markup on that line; note that `include`, `raw` and `:url:`/`:file:` options "
                'are turned off (docs/writing.md, "reStructuredText").'
            ) from None


def _fail(message: str) -> SourceError:
    # Pelican logs only "Could not process <file>" for an exception raised
    # while reading; this line says why.
    logger.error("%s", message)
    return SourceError(message)


def wrap_readers(readers) -> None:
    for extension, reader_class in list(readers.reader_classes.items()):
        if not isinstance(reader_class, type) or issubclass(reader_class, LimitedReaderMixin):
            continue
        readers.reader_classes[extension] = type(
            f"Limited{reader_class.__name__}", (LimitedReaderMixin, reader_class), {}
        )


# ------------------------------------------------------------ links to files
def _link_target(content, path: str) -> str:
    """The path, relative to content/, that Pelican would look `path` up as."""
    if path.startswith("/"):
        return os.path.normpath(path.lstrip("/"))
    return os.path.normpath(os.path.join(content.relative_dir, path))


def _escapes(relative: str, content_path: str, root: str) -> bool:
    if os.path.isabs(relative) or relative == ".." or relative.startswith(".." + os.sep):
        return True
    return not _inside(os.path.realpath(os.path.join(content_path, relative)), root)


def link_problems(contents: list, settings: dict) -> list[str]:
    """`{static}`, `{attach}` and `{filename}` links whose target is not inside content/."""
    content_path = settings["PATH"]
    root = os.path.realpath(content_path)
    problems = []
    for content in contents:
        if not getattr(content, "_content", None) or content.source_path is None:
            continue
        source = _shown_source(content.source_path, settings)
        for match in content._get_intrasite_link_regex().finditer(content._content):
            if match["what"] not in LINK_KINDS:
                continue
            path = urlparse(match["value"]).path
            for candidate in {path, unquote(path)}:
                target = _link_target(content, candidate)
                if _escapes(target, content_path, root):
                    problems.append(
                        f"{source}: the link {match['path']} points outside content/, and "
                        "nothing outside content/ is published. Fix: put the file under "
                        "content/ (images in content/images/) and link to it from there"
                    )
                    break
    return problems


def _inside_content(relative: str, settings: dict) -> bool:
    content_path = settings["PATH"]
    return not _escapes(os.path.normpath(relative), content_path, os.path.realpath(content_path))


def check_links(generator, contents: list) -> None:
    settings = generator.settings
    # Whatever happens next, no file outside content/ is read as a static file.
    linked = generator.context.get("static_links")
    if linked:
        generator.context["static_links"] = {p for p in linked if _inside_content(p, settings)}
    report(link_problems(contents, settings), stops(settings))


def check_article_links(generator) -> None:
    check_links(
        generator,
        every_article(generator),
    )


def check_page_links(generator) -> None:
    check_links(
        generator,
        every_page(generator),
    )


def register():
    signals.initialized.connect(check_settings)
    signals.readers_init.connect(wrap_readers)
    signals.article_generator_finalized.connect(check_article_links)
    signals.page_generator_finalized.connect(check_page_links)
