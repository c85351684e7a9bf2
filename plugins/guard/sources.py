"""Read nothing from outside content/, and nothing that costs more than its share.

Before Pelican opens a file, the guard refuses links that lead out of
content/ and files that are not regular files (a named pipe would hang the
build). Every reader gets a size and a time limit per file, and a failure
names the file and the reason. `{static}`, `{attach}` and `{filename}` links
must name files inside content/. Each file readable and UTF-8, and no
document kept in content/ that no reader reads (a notebook, an old theme's
template).
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import signal
import stat
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from docutils.utils import SystemMessage

from commons.paths import source_name
from commons.pelican_patches import intrasite_links, raw_body
from commons.settings import Float, Integer, Schema

from .problems import GUARD_PROBLEMS, GuardError, Problem
from .templates import TEMPLATE_SUFFIXES, is_template

logger = logging.getLogger(__name__)

SETTING = "GUARD['sources']"
SCHEMA = Schema(
    SETTING,
    {
        # Per content file: a post is text; 2 MB is a long book.
        "max_bytes": Integer(
            2_000_000,
            minimum=1,
            fix="use the default, 2_000_000, or a larger number of bytes",
            help="the largest content file (post or page) read, in bytes",
        ),
        # Per upload (an image, a video, a PDF under STATIC_PATHS): copied, never
        # read, so only the host's own limit matters (GitHub Pages: 100 MB a file).
        "max_upload_bytes": Integer(
            100_000_000,
            minimum=1,
            fix="use the default, 100_000_000, or a larger number of bytes",
            help=(
                "the largest upload (image, video, PDF under `STATIC_PATHS`), in bytes; uploads "
                "are copied, never read"
            ),
        ),
        # Per content file, to read and convert it (Markdown or reStructuredText).
        "max_seconds": Float(
            10,
            minimum=0.1,
            fix="use the default, 10, or a larger number of seconds",
            help="the longest time one file may take to read and convert",
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


class SourceError(GuardError):
    """A content file is outside content/, not a regular file, or over a limit."""


class _Deadline(BaseException):
    """Raised by the timer in the reading process; a BaseException so that no
    reader's `except Exception` can swallow it."""


def _options(settings: dict) -> dict:
    guard = settings.get("GUARD") or {}
    return guard.get("sources") or SCHEMA.defaults()


def configure_docutils(settings: dict) -> None:
    # What a maintainer sets explicitly wins; file insertion and raw markup
    # are off unless they say otherwise.
    chosen = settings.get("DOCUTILS_SETTINGS") or {}
    settings["DOCUTILS_SETTINGS"] = {**DOCUTILS_DEFAULTS, **chosen}


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


def tree_problems(content_path: str, ignore: list[str]) -> list[Problem]:
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
            found = path_problem(path, root)
            if found:
                problems.append(Problem(shown, "", *found))
    return problems


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def path_problem(path: str, root: str) -> tuple[str, str] | None:
    """Why Commons must not open `path` (a link out of `root`, a pipe, a device) and the
    fix, or None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # gone: whoever reads it says so
    if stat.S_ISLNK(mode):
        target = os.path.realpath(path)
        if not _inside(target, root):
            return (
                f"is a symbolic link to {target}, outside content/",
                "copy the file into content/ instead of linking to it, or delete the link.",
            )
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return None  # a broken link: unreadable_sources names it
        kind = _kind(mode)
        if kind:
            return f"is a symbolic link to a {kind}, not a regular file", "delete the link."
        return None
    kind = _kind(mode)
    if kind:
        return (
            f"is a {kind}, not a regular file, and Commons reads only regular files",
            "delete it, or replace it with a regular file.",
        )
    return None


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


class LimitedReaderMixin:
    """A reader that refuses what it must not open and gives up after the file's time."""

    def _content_root(self, path: str) -> str:
        # One reader reads every file of a build: content/ is resolved once.
        roots = self.__dict__.setdefault("_commons_content_roots", {})
        if path not in roots:
            roots[path] = os.path.realpath(path)
        return roots[path]

    def read(self, source_path):
        settings = self.settings
        options = _options(settings)
        source = source_name(source_path, settings.get("PATH"))
        root = self._content_root(settings.get("PATH") or os.getcwd())
        found = path_problem(source_path, root)
        if found is None and not _inside(os.path.realpath(source_path), root):
            found = ("is outside content/", "move it into content/.")
        if found:
            raise _fail(Problem(source, "", *found))
        size = os.stat(source_path).st_size
        if STATIC_FORMAT in getattr(self, "file_extensions", ()):
            # An upload: Pelican copies it without reading it.
            if size > options["max_upload_bytes"]:
                raise _fail(
                    Problem(
                        source,
                        "",
                        f"is an upload of {size:,} bytes, over the limit of "
                        f"{options['max_upload_bytes']:,} bytes per upload "
                        f"({SETTING}['max_upload_bytes'])",
                        "make it smaller (a video or image saved at a lower resolution or "
                        f"bitrate), or set {SETTING}['max_upload_bytes'] to {size:_} in "
                        "pelicanconf.py if the host serves files that large.",
                    )
                )
            return super().read(source_path)
        if size > options["max_bytes"]:
            raise _fail(
                Problem(
                    source,
                    "",
                    f"is {size:,} bytes, over the limit of {options['max_bytes']:,} bytes "
                    f"per post or page ({SETTING}['max_bytes'])",
                    "split it into several posts or move large data into a file under "
                    f"STATIC_PATHS, or set {SETTING}['max_bytes'] to {size:_} in pelicanconf.py.",
                )
            )
        try:
            with deadline(options["max_seconds"]):
                return super().read(source_path)
        except _Deadline:
            raise _fail(
                Problem(
                    source,
                    "",
                    f"reading it took more than {options['max_seconds']:g} s, the limit per "
                    f"file ({SETTING}['max_seconds']); its markup is probably nested very deeply "
                    "or repeated many times (for example thousands of nested brackets)",
                    "simplify that markup, or raise the limit in pelicanconf.py.",
                )
            ) from None
        except RecursionError:
            raise _fail(
                Problem(
                    source,
                    "",
                    "its markup is nested too deeply to convert (Python's recursion limit "
                    "was reached)",
                    "flatten the deeply nested lists, quotes or brackets.",
                )
            ) from None
        except SystemMessage as error:
            reason = (str(error).strip().splitlines() or ["?"])[0].rstrip(".")
            raise _fail(
                Problem(
                    source,
                    "",
                    f"reStructuredText error: {reason}",
                    "correct the markup on that line; note that `include`, `raw` and "
                    "`:url:`/`:file:` options are turned off (docs/writing.md, "
                    '"reStructuredText").',
                )
            ) from None


def _fail(problem: Problem) -> SourceError:
    # Pelican logs only "Could not process <file>" for an exception raised
    # while reading; this line says why (and carries the problem to the
    # build's problem file: under --fatal warnings it is the last word).
    logger.error("%s", problem, extra={GUARD_PROBLEMS: [problem]})
    return SourceError([problem])


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


def link_problems(contents: list, settings: dict) -> list[Problem]:
    """`{static}`, `{attach}` and `{filename}` links whose target is not inside content/."""
    content_path = settings["PATH"]
    root = os.path.realpath(content_path)
    problems = []
    # Whether each target escapes, resolved once: posts share their images.
    escapes: dict[str, bool] = {}
    for content in contents:
        body = raw_body(content)
        if not body or content.source_path is None:
            continue
        source = source_name(content.source_path, settings.get("PATH"))
        for match in intrasite_links(content, body):
            if match["what"] not in LINK_KINDS:
                continue
            path = urlparse(match["value"]).path
            for candidate in {path, unquote(path)}:
                target = _link_target(content, candidate)
                if target not in escapes:
                    escapes[target] = _escapes(target, content_path, root)
                if escapes[target]:
                    problems.append(
                        Problem(
                            source,
                            "",
                            f"the link {match['path']} points outside content/, and nothing "
                            "outside content/ is published",
                            "put the file under content/ (images in content/images/) and link "
                            "to it from there.",
                        )
                    )
                    break
    return problems


def _inside_content(relative: str, settings: dict) -> bool:
    content_path = settings["PATH"]
    return not _escapes(os.path.normpath(relative), content_path, os.path.realpath(content_path))


def escaping_links(generator, contents: list) -> list[Problem]:
    """The links of `contents` that lead out of content/; such files are dropped from the
    static files Pelican would copy, whatever happens next."""
    settings = generator.settings
    linked = generator.context.get("static_links")
    if linked:
        generator.context["static_links"] = {p for p in linked if _inside_content(p, settings)}
    return link_problems(contents, settings)


# ------------------------------------------------------------ files no reader reads well
SOURCE_SUFFIXES = {".md", ".markdown", ".mkd", ".mdown", ".rst", ".html", ".htm"}
# Documents that a blog may hold but that no Commons reader reads: without a
# word they would simply not be published.
UNPUBLISHABLE = {
    ".ipynb": ("a Jupyter notebook", "export it to Markdown (jupyter nbconvert --to markdown)"),
    ".org": ("an Org file", "convert it to Markdown (pandoc -t markdown)"),
    ".adoc": ("an AsciiDoc file", "convert it to Markdown (pandoc -t markdown)"),
    ".asciidoc": ("an AsciiDoc file", "convert it to Markdown (pandoc -t markdown)"),
    ".textile": ("a Textile file", "convert it to Markdown (pandoc -t markdown)"),
    ".docx": ("a Word document", "convert it to Markdown (pandoc -t markdown)"),
    ".odt": ("an OpenDocument text", "convert it to Markdown (pandoc -t markdown)"),
}


def content_tree(content_root: Path) -> list[Path]:
    """Every path under content/, sorted: listed once for the checks below."""
    return sorted(content_root.rglob("*"))


def unreadable_sources(content_root: Path, tree: list[Path] | None = None) -> list[Problem]:
    """Problems with source files that Pelican would fail on before reading them.
    `tree`: `content_tree(content_root)`, when the caller has it."""
    problems = []
    for path in content_tree(content_root) if tree is None else tree:
        if path.suffix.lower() not in SOURCE_SUFFIXES or path.is_dir():
            continue
        name = str(path.relative_to(content_root))
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(
                Problem(
                    name,
                    "",
                    f"cannot be read ({error.strerror})",
                    "restore the file or its permissions, or delete it (a broken link counts).",
                )
            )
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            problems.append(
                Problem(
                    name,
                    "",
                    f"is not UTF-8 (byte 0x{raw[error.start]:02x} on line {line})",
                    "save the file as UTF-8 in your editor.",
                )
            )
    return problems


def unpublishable_sources(
    content_root: Path, static_paths: list[str], tree: list[Path] | None = None
) -> list[Problem]:
    """Documents outside STATIC_PATHS that no reader reads, each with the fix.
    `tree`: `content_tree(content_root)`, when the caller has it."""
    problems = []
    root = content_root.resolve()
    tree = content_tree(content_root) if tree is None else tree
    for path in tree:
        kind = UNPUBLISHABLE.get(path.suffix.lower())
        if (
            kind is None
            or not path.is_file()
            or under_folders(path, content_root, static_paths, root)
        ):
            continue
        name = path.relative_to(content_root).as_posix()
        what, conversion = kind
        problems.append(
            Problem(
                name,
                "",
                f"is {what}, which Commons has no reader for, so it would not be published",
                f"{conversion}, or move it into a STATIC_PATHS folder "
                f"({', '.join(static_paths) or 'none'}) to publish it as a download.",
            )
        )
    for path in tree:
        # The suffix first: only an .html file can be a template, and only a
        # template's place is worth resolving (or even a stat).
        if path.suffix.lower() not in TEMPLATE_SUFFIXES or not path.is_file():
            continue
        if under_folders(path, content_root, static_paths, root) or not is_template(path):
            continue
        problems.append(
            Problem(
                path.relative_to(content_root).as_posix(),
                "",
                "is a Jinja template (an old theme's page, such as Pelican's TEMPLATE_PAGES), "
                "not a post: it would be published as a post showing its source",
                "move it out of content/ (Commons' theme has its own pages).",
            )
        )
    return problems


def under_folders(
    target: Path, content_root: Path, folders: list[str], resolved_root: Path | None = None
) -> bool:
    """Whether `target` is inside one of `folders` (paths relative to content/, such as
    STATIC_PATHS). `resolved_root`: `content_root.resolve()`, for a caller that asks
    about many files."""
    try:
        root = resolved_root or content_root.resolve()
        relative = target.resolve().relative_to(root).as_posix()
    except ValueError:
        return False
    return any(
        relative == folder.strip("/") or relative.startswith(folder.strip("/") + "/")
        for folder in folders
    )
