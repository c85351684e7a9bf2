"""Strict, atomic builds.

Pelican writes straight into its output folder, so a build that fails half way
leaves a half-written site. Commons builds into a fresh staging folder next to
the output, with `--fatal warnings`, and only when Pelican exits cleanly does it
swap the staging folder in. Files listed in OUTPUT_RETENTION (a CNAME, a .git
folder for gh-pages) are carried over from the old output first.
"""

from __future__ import annotations

import errno
import fcntl
import gzip
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from commons.build_server import run_pelican
from commons.digests import files_digest
from commons.errors import OperationError
from commons.files import replace_file

from . import CONTENT_DIR, DEV_SETTINGS, REPO_ROOT
from .problems import PROBLEMS_FILE_VARIABLE, Problem, read_problems
from .unicode_controls import terminal_safe

# The guard's problem file of one build (GUARD['problems_file']), in its work folder.
PROBLEMS_FILE = "problems.json"
# When a build wrote no problem file (its settings file did not run, or the
# guard is not in PLUGINS), this much of the end of Pelican's own output is shown.
LOG_TAIL = 4000

STAGING_PREFIX = ".staging-"
PREVIOUS_PREFIX = ".previous-"
# A build waits this long for another build of the same output, then fails.
LOCK_WAIT = 600.0
LOCK_POLL = 0.2
# Pelican's environment names the lock's descriptor, so that the search
# plugin's Pagefind holds the lock too.
LOCK_FD_VARIABLE = "COMMONS_BUILD_LOCK_FD"
LAST_SITE_VARIABLE = "COMMONS_LAST_SITE"
# Beside the cache files: the key of what made them (`cache_key`) and their
# stamps as the last successful build left them.
CACHE_RECORD = "commons-sound.json"
# Pelican keys each cached file on its stamp; the bytes' digest, not the
# modification time, which a copy that keeps it (`cp -p`, `rsync -t`) does not move.
CACHE_STAMP_METHOD = "sha256"
# What a cached post depends on besides its file: the settings (a MARKDOWN
# option), the code that reads and renders it, and the packages it runs.
CACHE_KEY_FOLDERS = ("plugins", "commons", "theme")
CACHE_KEY_SETTINGS = ("pelicanconf.py", "publishconf.py")
# pelican-commons: an installed site's Commons is not under its root, but an
# upgrade changes its version ("missing" in a checkout, whose folders are read).
CACHE_KEY_PACKAGES = ("pelican", "markdown", "pygments", "pelican-commons")
# Overrides that change which pages a build writes and how, never what a post
# reads as: a build that differs from the last only in these keeps its cache.
WRITE_ONLY_SETTINGS = frozenset({"THREAD_PAGES", "PARALLEL_RENDER", "DELETE_OUTPUT_DIRECTORY"})
# Plugins' own files in the cache folder (the render record, the search record,
# derived values): JSON, which each reads defensively, not Pelican's pickles.
PLUGIN_CACHE_SUFFIX = ".json"
# " at 0x7f…" in an object's text: differs from one process to the next.
MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
DIR_MODE = 0o755
FILE_MODE = 0o644

logger = logging.getLogger(__name__)


class BuildError(OperationError):
    """Pelican failed; the message lists the build's problems so the editor sees why.

    `log`: Pelican's whole output; `problems`: the problems the build wrote
    (plugins/guard), [] when it wrote none."""

    def __init__(self, message: str, log: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.log = log
        self.problems = list(problems or [])


@dataclass(frozen=True)
class BuildResult:
    output: Path
    log: str
    notices: list[str] = field(default_factory=list)


def pelican_command(
    settings_file: Path,
    output: Path,
    content: Path,
    overrides: dict | None = None,
    fatal: str | None = "warnings",
) -> list[str]:
    """The command line that runs Pelican for one build."""
    command = [
        sys.executable,
        "-m",
        "pelican",
        str(content),
        "--settings",
        str(settings_file),
        "--output",
        str(output),
    ]
    if fatal:
        command += ["--fatal", fatal]
    # Plain lines (no columns, no wrapping) so errors reach the editor whole.
    command += ["--log-handler", "plain"]
    if overrides:
        # One --extra-settings with every pair: Pelican keeps only the last
        # occurrence of the option.
        command += ["--extra-settings"]
        command += [f"{key}={json.dumps(value)}" for key, value in overrides.items()]
    return command


def build_site(
    output: Path,
    *,
    settings_file: Path = DEV_SETTINGS,
    content: Path = CONTENT_DIR,
    overrides: dict | None = None,
    fatal: str | None = "warnings",
    env: dict | None = None,
    wait: float = LOCK_WAIT,
    over_last: bool = False,
    retention: list[str] | None = None,
) -> BuildResult:
    """Build the site into `output` atomically; raise BuildError and leave `output` as it was.

    One build of an output at a time: a second one waits up to `wait` seconds
    for the first, then fails saying so.

    `over_last`: the build starts from a copy of the site in `output` instead
    of an empty folder, for a build that writes only some pages (THREAD_PAGES,
    plugins/thread_pages); the rest of the site is the last build's.

    `retention`: OUTPUT_RETENTION as the caller loaded it (commons.config);
    None: read from `settings_file`.
    """
    output = Path(output).resolve()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(os_error_sentence(error, output), "") from None
    refuse_mount_point(output)
    # Each output has its own content cache: concurrent builds of different
    # outputs (tests, benchmarks, an editor's livereload) never share one.
    overrides = {**cache_settings(output), **(overrides or {})}
    with output_lock(output, wait) as lock:
        notices = recover(output)
        values = settings_values(Path(settings_file))
        key = cache_key(Path(settings_file), overrides, values=values)
        notices += prepare_cache(Path(overrides["CACHE_PATH"]), key)
        for notice in notices:
            logger.warning("%s", notice)
        try:
            # The build's own folder: the site Pelican writes (`site`) and,
            # beside it, the search index's workspace. A build that is killed
            # leaves only this folder, which the next build or `clean` removes.
            work = output.parent / f"{STAGING_PREFIX}{output.name}-{secrets.token_hex(4)}"
            work.mkdir(mode=0o700)
        except OSError as error:
            raise BuildError(os_error_sentence(error, output), "") from None
        staging = work / "site"
        problems_file = work / PROBLEMS_FILE
        if over_last:
            try:
                shutil.copytree(output, staging, symlinks=True)
            except OSError as error:
                shutil.rmtree(work, ignore_errors=True)
                raise BuildError(os_error_sentence(error, output), "") from None
            # Pelican would empty it first (publishconf's DELETE_OUTPUT_DIRECTORY).
            overrides = {**overrides, "DELETE_OUTPUT_DIRECTORY": False}
        try:
            completed = run_pelican(
                pelican_command(Path(settings_file), staging, Path(content), overrides, fatal),
                cwd=REPO_ROOT,
                env={
                    **os.environ,
                    **(env or {}),
                    LOCK_FD_VARIABLE: str(lock.fileno()),
                    # Where this build's problems go (GUARD['problems_file']).
                    # Not a setting override: Pelican's --extra-settings would
                    # replace the file's GUARD whole, and where a build writes
                    # its problems changes nothing it reads (the cache key).
                    PROBLEMS_FILE_VARIABLE: str(problems_file),
                    # The site this build replaces: pages whose inputs did not
                    # change keep its bytes (plugins/render_record).
                    LAST_SITE_VARIABLE: str(output) if output.is_dir() else "",
                },
                # Pelican holds the lock too: if this process is killed, no
                # other build touches the output until Pelican has ended.
                pass_fds=(lock.fileno(),),
            )
            log = completed.stdout + completed.stderr
            if completed.returncode != 0:
                problems = read_problems(problems_file)
                raise BuildError(
                    f"The build failed (Pelican exit code {completed.returncode}); "
                    f"{output} was left as it was.\n{explain(problems, log)}",
                    log,
                    problems,
                )
            try:
                record_sound_cache(Path(overrides["CACHE_PATH"]), key)
                if retention is None:
                    retention = output_retention(Path(settings_file))
                _carry_over(output, staging, retention)
                publishable_modes(staging)
                _swap_in(staging, output)
            except OSError as error:
                raise BuildError(os_error_sentence(error, output), log) from None
            return BuildResult(output=output, log=log, notices=notices)
        finally:
            shutil.rmtree(work, ignore_errors=True)


@contextmanager
def output_lock(output: Path, wait: float = LOCK_WAIT) -> Iterator[TextIO]:
    """Hold the lock file beside `output` (an `fcntl.flock`) for one build or clean.

    Waits up to `wait` seconds for a build that holds it, then raises BuildError.
    The lock goes with the processes that hold it, so a killed build never
    leaves it taken.
    """
    path = lock_path(output)
    try:
        lock = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held across the yield)
    except OSError as error:
        raise BuildError(os_error_sentence(error, output), "") from None
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _lock_holder(lock)
                if time.monotonic() >= deadline:
                    raise BuildError(
                        f"Another build of {output} is running ({holder}), so this one did "
                        f"not start. Fix: wait for it to finish, or stop it, then build again.",
                        "",
                    ) from None
                if not told:
                    logger.warning(
                        "Waiting for the other build of %s (%s) to finish.", output, holder
                    )
                    told = True
                time.sleep(LOCK_POLL)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}\n")
        lock.flush()
        yield lock
    finally:
        lock.close()  # releases the lock


def lock_path(output: Path) -> Path:
    """The lock file of builds into `output`: beside it, kept between builds."""
    output = Path(output).resolve()
    return output.parent / f".commons-lock-{output.name}"


def _lock_holder(lock: TextIO) -> str:
    lock.seek(0)
    return lock.read().strip() or "pid unknown"


def recover(output: Path) -> list[str]:
    """Undo what a killed build left beside `output`; call with the output's lock held.

    A build killed between the two renames of the swap left the old site in a
    `.previous-` folder and no `output`: it comes back, retained files and all.
    Staging and `.previous-` folders of finished or killed builds are removed.
    Returns a sentence for each repair.
    """
    output = Path(output).resolve()
    notices = []
    previous = sorted(
        _leftovers(output, PREVIOUS_PREFIX, r"\d+"), key=lambda path: path.stat().st_mtime_ns
    )
    if previous and not output.exists():
        restored = previous.pop()
        restored.rename(output)
        notices.append(
            f"A build was interrupted while it replaced {output}; the previous site was put back."
        )
    for leftover in [*previous, *_leftovers(output, STAGING_PREFIX, "[0-9a-f]{8}")]:
        shutil.rmtree(leftover, ignore_errors=True)
    return notices


def _leftovers(output: Path, prefix: str, suffix: str) -> list[Path]:
    # Exactly this output's folders: `.staging-output-…` must not match the
    # folders of `output-preview` beside it.
    pattern = re.compile(re.escape(f"{prefix}{output.name}-") + suffix)
    return [
        path
        for path in output.parent.iterdir()
        if pattern.fullmatch(path.name) and path.is_dir() and not path.is_symlink()
    ]


def cache_settings(output: Path) -> dict:
    """The settings of the content cache of every build into `output`, the preview's too.

    The cache is loaded in production builds too (publishconf.py turns loading
    off for a bare `pelican`, whose cache folder every settings file shares):
    this one belongs to one output, and `cache_key` empties it whenever
    anything a cached post depends on changed.
    """
    return {
        "CACHE_PATH": str(cache_path(output)),
        "CHECK_MODIFIED_METHOD": CACHE_STAMP_METHOD,
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
    }


def cache_key(
    settings_file: Path, overrides: dict, root: Path = REPO_ROOT, values: dict | None = None
) -> str:
    """A digest of everything a cached post depends on besides its own file.

    The settings files (Commons' two and the one the build reads) and the
    values the build's file gives (which environment variables such as
    COMMONS_SITEURL change, and which differ between pelicanconf.py and
    publishconf.py), every file of Commons' plugins, machinery and theme, the
    versions of Pelican, Markdown and Pygments, and the build's setting
    overrides. A build whose key differs from the one its cache was made with
    starts with an empty cache. `values`: `settings_values(settings_file)`,
    when the caller has read them already.
    """
    files = {Path(settings_file).resolve()}
    files.update((root / name).resolve() for name in CACHE_KEY_SETTINGS)
    for folder in CACHE_KEY_FOLDERS:
        files.update(
            path.resolve()
            for path in (root / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )
    digest = files_digest(files)
    for package in CACHE_KEY_PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        digest.update(f"{package}={version}\x00".encode())
    read_overrides = {k: v for k, v in overrides.items() if k not in WRITE_ONLY_SETTINGS}
    digest.update(json.dumps(read_overrides, sort_keys=True, default=str).encode("utf-8"))
    if values is None:
        values = settings_values(settings_file)
    read_values = {k: v for k, v in values.items() if k not in WRITE_ONLY_SETTINGS}
    digest.update(json.dumps(stable_value(read_values)).encode("utf-8"))
    return digest.hexdigest()


def settings_values(settings_file: Path) -> dict:
    """The settings `settings_file` gives when it runs now; {} when it does not run
    (Pelican reports that, in the build that follows)."""
    from pelican.settings import get_settings_from_file

    # A settings file imported before (publishconf.py imports pelicanconf.py)
    # would hand back the values of that first run, read under the
    # environment of then: each reading runs them afresh.
    for path in (settings_file, Path(settings_file).with_name("pelicanconf.py")):
        sys.modules.pop(Path(path).stem, None)
    try:
        return get_settings_from_file(str(settings_file))
    except Exception:  # noqa: BLE001 -- the settings file's own failure: Pelican reports it, in the run that follows
        return {}


def stable_value(value):
    """`value` as JSON that is the same in every process for the same settings:
    mappings as sorted pairs, functions by their qualified name, other objects
    by their type and text without memory addresses."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        pairs = [[stable_value(key), stable_value(item)] for key, item in value.items()]
        return {"map": sorted(pairs, key=json.dumps)}
    if isinstance(value, (list, tuple)):
        return [stable_value(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"set": sorted((stable_value(item) for item in value), key=json.dumps)}
    if isinstance(value, os.PathLike):
        return {"path": os.fspath(value)}
    if callable(value) and hasattr(value, "__qualname__"):
        return {"callable": f"{getattr(value, '__module__', '')}.{value.__qualname__}"}
    return {type(value).__qualname__: MEMORY_ADDRESS.sub("", str(value))}


def prepare_cache(cache: Path, key: str) -> list[str]:
    """Make the content cache fit for a build whose `cache_key` is `key`; call under the lock.

    A cache made under another key (the settings, Commons' code or a package
    changed since) is emptied, silently: that is an ordinary edit, and the
    build reads every content file. Otherwise its unreadable files are
    dropped (`drop_unreadable_cache`). Returns a sentence for each repair.
    """
    record = _cache_record(cache)
    if record.get("key") == key:
        return drop_unreadable_cache(cache, record.get("files", {}))
    if cache.is_dir() and not cache.is_symlink():
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    _write_cache_record(cache, {"key": key, "files": {}})
    return []


def drop_unreadable_cache(cache: Path, sound: dict) -> list[str]:
    """Remove content-cache files that cannot be read whole; a sentence for each.

    Pelican reads its cache with pickle and stops on a truncated file (an
    EOFError) or warns on a corrupt one, which `--fatal warnings` turns into a
    failed build. Each file is read here first, without importing or building
    any of the objects it names; one that does not read is dropped, and the
    build reads the content files instead. The plugins' JSON files are left to
    their readers, which ignore one they cannot read. A file just as the last successful
    build left it (`sound`: same size and bytes) is not read again, wherever
    it was copied since (a CI job's cache restore gives new times and inodes).
    """
    notices = []
    if not cache.is_dir():
        return notices
    for path in sorted(cache.iterdir()):
        if path.name == CACHE_RECORD or path.suffix == PLUGIN_CACHE_SUFFIX or not path.is_file():
            continue
        if sound.get(path.name) == _file_stamp(path):
            continue
        try:
            with open(path, "rb") as raw:
                gzipped = raw.read(2) == b"\x1f\x8b"
            with (gzip.open if gzipped else open)(path, "rb") as stream:
                _StructureOnly(stream).load()
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, IndexError) as error:
            path.unlink(missing_ok=True)
            notices.append(
                f"The content cache {path} could not be read ({error or type(error).__name__}); "
                "it was dropped and this build reads every content file."
            )
    return notices


def record_sound_cache(cache: Path, key: str) -> None:
    """Note the cache files a successful build wrote, and the key they were made under:
    Pelican wrote them whole (a failed write is a warning, which fails the build)."""
    if not cache.is_dir():
        return
    files = {
        path.name: _file_stamp(path)
        for path in cache.iterdir()
        if path.suffix != PLUGIN_CACHE_SUFFIX and path.is_file()
    }
    _write_cache_record(cache, {"key": key, "files": files})


def _write_cache_record(cache: Path, record: dict) -> None:
    replace_file(cache / CACHE_RECORD, json.dumps(record))


def _cache_record(cache: Path) -> dict:
    try:
        record = json.loads((cache / CACHE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _file_stamp(path: Path) -> list:
    # Its bytes' digest: hashing a cache file costs a fraction of unpickling it.
    with open(path, "rb") as file:
        return [path.stat().st_size, hashlib.file_digest(file, "sha256").hexdigest()]


class _StructureOnly(pickle.Unpickler):
    """Reads a pickle whole but makes no object of Pelican's: checks it is complete."""

    def find_class(self, module: str, name: str) -> type:
        return _Anything


class _Anything:
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def refuse_mount_point(output: Path) -> None:
    """A mount point cannot be replaced by a rename: say so before building."""
    if output.is_dir() and is_mount_point(output):
        raise BuildError(
            f"{output} is a mount point, and a build replaces its output folder by renaming "
            f"it, which a mount point cannot be. Fix: mount the file system one level up and "
            f"build into a folder inside it, or build elsewhere and copy the site over "
            f"(as `invoke publish` does with rsync).",
            "",
        )


def is_mount_point(path: Path) -> bool:
    """Whether `path` is mounted on, bind mounts included (which os.path.ismount misses)."""
    if os.path.ismount(path):
        return True
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    target = str(Path(path).resolve())
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        # The fifth field is the mount point, with spaces and such as \ooo escapes.
        if len(fields) > 4 and _unescape_mount_path(fields[4]) == target:
            return True
    return False


def _unescape_mount_path(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def os_error_sentence(error: OSError, output: Path) -> str:
    """One sentence and the fix for a file-system refusal around `output`."""
    where = error.filename or output
    reason = error.strerror or str(error)
    if error.errno == errno.EBUSY:
        fix = (
            f"if {output} is a mount point, mount the file system one level up and build "
            "into a folder inside it; otherwise stop what holds it and build again"
        )
    elif error.errno == errno.EROFS:
        fix = "build into a folder on a writable file system"
    elif error.errno == errno.EXDEV:
        fix = f"keep {output} and its parent folder on one file system"
    elif error.errno in (errno.EPERM, errno.EACCES):
        fix = (
            f"if {output} or {output.parent} is immutable (`lsattr -d` shows an i), "
            f"`chattr -i` it; otherwise give this user write access to both, "
            f"or build somewhere else"
        )
    elif error.errno == errno.ENOSPC:
        fix = "free some space on that file system"
    else:
        fix = f"make {output.parent} a writable folder, or build somewhere else"
    return (
        f"Cannot write the site to {output}: {reason} ({where}); "
        f"{output} was left as it was. Fix: {fix}."
    )


def publishable_modes(site: Path) -> None:
    """Give the site the modes a web server running as another user can read.

    Folders 0755 and files 0644 (whatever the umask, the temporary folder's
    0700 or an upload's own mode), so neither a local web server nor an
    rsync target (rsync copies modes) answers 403. A retained `.git` folder
    keeps its own modes.
    """
    site.chmod(DIR_MODE)
    _publishable_modes_below(site, top=True)


def _publishable_modes_below(folder: Path | str, top: bool = False) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_symlink() or (top and entry.name == ".git"):
                continue
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, DIR_MODE)
                _publishable_modes_below(entry.path)
            else:
                os.chmod(entry.path, FILE_MODE)


def cache_path(output: Path) -> Path:
    """Where the content cache of the build into `output` lives: beside it."""
    output = Path(output).resolve()
    return output.parent / f".pelican-cache-{output.name}"


def output_retention(settings_file: Path) -> list[str]:
    """OUTPUT_RETENTION as the settings file sets it (checked, like every setting, by
    commons.config; only this one is, as Pelican has checked the rest)."""
    from .config import load

    return load(settings_file, only=("OUTPUT_RETENTION",)).settings["OUTPUT_RETENTION"]


def build_notes(log: str) -> list[str]:
    """The lines of a build's log meant for the person who ran it (the comment snapshot's)."""
    from .comments.snapshot import NOTE_PREFIX

    return [line for line in log.splitlines() if line.startswith(NOTE_PREFIX)]


def explain(problems: list[Problem] | None, log: str) -> str:
    """What the editor needs to know about a failed build: its problems, each with its fix
    (the guard's problem file), or, when it wrote none, the end of Pelican's output.

    Problems are as the content wrote them: shown with terminal controls
    escaped, as Pelican's log shows them (plugins/terminal_safe)."""
    if problems:
        return "\n".join(terminal_safe(str(problem)) for problem in problems)
    return log.strip()[-LOG_TAIL:]


def _carry_over(old: Path, new: Path, retention: list[str]) -> None:
    for name in retention:
        source = old / name
        if not source.exists() or (new / name).exists():
            continue
        if source.is_dir():
            shutil.copytree(source, new / name, symlinks=True)
        else:
            shutil.copy2(source, new / name)


def _swap_in(staging: Path, output: Path) -> None:
    # Two renames on one file system, so nobody ever sees old and new files
    # mixed. They are two steps, not one: between them the output path does
    # not exist (a server answers 404 for that instant), and a crash there
    # leaves the old site beside it as .previous-<name>-<pid> (with the
    # OUTPUT_RETENTION files), which the next build or `clean` puts back
    # (recover).
    previous = None
    if output.exists():
        previous = output.with_name(f"{PREVIOUS_PREFIX}{output.name}-{os.getpid()}")
        shutil.rmtree(previous, ignore_errors=True)
        os.rename(output, previous)
    try:
        os.rename(staging, output)
    except OSError:
        if previous is not None:
            os.rename(previous, output)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def clean_output(output: Path, retention: list[str], wait: float = LOCK_WAIT) -> list[str]:
    """Empty `output` except the retained files, drop its cache and what killed builds left.

    Takes the output's lock, so it never empties a site a build is writing;
    returns the names it kept. Raises BuildError with the fix when the file
    system refuses.
    """
    output = Path(output).resolve()
    keep = set(retention)
    if not output.parent.is_dir():
        return []
    with output_lock(output, wait):
        try:
            for notice in recover(output):
                logger.warning("%s", notice)
            kept = []
            if output.is_dir():
                for entry in output.iterdir():
                    if entry.name in keep:
                        kept.append(entry.name)
                    elif entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
            shutil.rmtree(cache_path(output), ignore_errors=True)
        except OSError as error:
            raise BuildError(os_error_sentence(error, output), "") from None
    return sorted(kept)
