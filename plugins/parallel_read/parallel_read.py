"""Receivers and worker processes for the PARALLEL_READ setting."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import pickle
import threading
import time

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import file_suffix

from commons.settings import SettingsError, install, with_defaults

logger = logging.getLogger(__name__)

SETTING = "PARALLEL_READ"
DEFAULTS = {
    "enabled": True,
    # 0: one worker per core this process may run on.
    "processes": 0,
    # Below this many files to read, forking costs more than it saves.
    "min_files": 40,
}
# Files per task: big enough to amortise the round trip, small enough to
# keep both workers busy until the end.
CHUNK_SIZE = 16
# The settings dict travels back from a worker as this name, not as a copy:
# every category, tag and author object holds a reference to it.
SETTINGS_REFERENCE = "commons-settings"


def validate_settings(raw) -> dict:
    """Return PARALLEL_READ with defaults filled in, or raise SettingsError naming the key."""
    options = with_defaults(SETTING, raw, DEFAULTS)
    if not isinstance(options["enabled"], bool):
        raise SettingsError(f"{SETTING}['enabled'] must be True or False")
    for key in ("processes", "min_files"):
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingsError(
                f"{SETTING}['{key}'] must be a whole number, 0 or more, got {value!r}"
            )
    return options


def check_settings(pelican) -> None:
    install(pelican.settings, SETTING, validate_settings)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    # The workers inherit the readers, plugins included, by forking; where a
    # process cannot fork (Windows), Pelican reads serially as usual. Nor
    # while another thread runs (an autoreloading Pelican's server, say): a
    # lock it held at the fork would stay locked in the workers for ever.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def source_folders(generator) -> tuple[list[str], list[str]] | None:
    settings = generator.settings
    if isinstance(generator, ArticlesGenerator):
        return settings["ARTICLE_PATHS"], settings["ARTICLE_EXCLUDES"]
    if isinstance(generator, PagesGenerator):
        return settings["PAGE_PATHS"], settings["PAGE_EXCLUDES"]
    return None


def files_to_read(generator, paths, excludes) -> list[tuple[str, str]]:
    """(absolute path, format) of each file Pelican will have to read, not take from a cache."""
    readers = generator.readers
    jobs = []
    for relative in sorted(generator.get_files(paths, exclude=excludes)):
        path = os.path.abspath(os.path.join(generator.path, relative))
        fmt = file_suffix(path)
        if fmt not in readers.readers:
            continue
        if generator.get_cached_data(relative, None) is not None:
            continue  # the generator's own cache has the whole article
        if readers.get_cached_data(path, None) is not None:
            continue  # the readers' cache has this file's content
        jobs.append((path, fmt))
    return jobs


def file_stamp(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


# ---------------------------------------------------------------- workers
# What a forked worker inherits from its parent: set just before forking.
_inherited: dict = {}


class _HighestLevel(logging.Handler):
    """Remembers the most severe record a worker logged while reading one file."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.highest = logging.NOTSET

    def emit(self, record: logging.LogRecord) -> None:
        self.highest = max(self.highest, record.levelno)


def _start_worker() -> None:
    # A worker's log lines would reach the terminal twice (once from here,
    # once from Pelican's serial retry), so they are only counted.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    _inherited["levels"] = _HighestLevel()
    root.addHandler(_inherited["levels"])


class _SettingsPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return SETTINGS_REFERENCE if obj is _inherited["settings"] else None


class _SettingsUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, settings: dict):
        super().__init__(io.BytesIO(data))
        self.settings = settings

    def persistent_load(self, reference):
        if reference != SETTINGS_REFERENCE:
            raise pickle.UnpicklingError(f"unknown reference {reference!r}")
        return self.settings


def _read_chunk(jobs: list[tuple[str, str]]) -> list[tuple[str, tuple | None, bytes | None]]:
    readers = _inherited["readers"]
    levels = _inherited["levels"]
    results = []
    for path, fmt in jobs:
        stamp = file_stamp(path)
        levels.highest = logging.NOTSET
        try:
            read = readers.readers[fmt].read(path)
        except Exception:  # noqa: BLE001 - any failure: Pelican's serial read reports it
            results.append((path, stamp, None))
            continue
        if levels.highest >= logging.WARNING:
            results.append((path, stamp, None))  # let the serial read say it
            continue
        buffer = io.BytesIO()
        _SettingsPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(read)
        results.append((path, stamp, buffer.getvalue()))
    return results


def read_in_workers(generator, jobs, processes: int) -> dict[str, tuple]:
    """Path -> (stamp, pickled (content, metadata)) for the files the workers read cleanly."""
    _inherited.update(readers=generator.readers, settings=generator.settings)
    chunks = [jobs[start : start + CHUNK_SIZE] for start in range(0, len(jobs), CHUNK_SIZE)]
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(processes, initializer=_start_worker) as pool:
            done = pool.map(_read_chunk, chunks, chunksize=1)
    finally:
        _inherited.clear()
    return {path: (stamp, data) for chunk in done for path, stamp, data in chunk if data}


# ------------------------------------------------------------ the parent
class PreparedRead:
    """A reader's `read`, answered from the workers' results when the file is unchanged."""

    def __init__(self, read, prepared: dict, settings: dict):
        self.read = read
        self.prepared = prepared
        self.settings = settings

    def __call__(self, source_path):
        entry = self.prepared.pop(os.path.abspath(source_path), None)
        if entry is not None:
            stamp, data = entry
            if stamp == file_stamp(source_path):
                return _SettingsUnpickler(data, self.settings).load()
        return self.read(source_path)


def read_ahead(generator) -> None:
    options = generator.settings.get(SETTING)
    folders = source_folders(generator)
    if not options or not options["enabled"] or folders is None or not can_fork():
        return
    jobs = files_to_read(generator, *folders)
    processes = min(options["processes"] or usable_cores(), len(jobs))
    if len(jobs) < max(options["min_files"], 1) or processes < 2:
        return
    started = time.monotonic()
    prepared = read_in_workers(generator, jobs, processes)
    for reader in generator.readers.readers.values():
        reader.read = PreparedRead(reader.read, prepared, generator.settings)
    logger.info(
        "Parallel read: %d of %d files read by %d processes in %.2f s",
        len(prepared),
        len(jobs),
        processes,
        time.monotonic() - started,
    )


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_init.connect(read_ahead)
    signals.page_generator_init.connect(read_ahead)
