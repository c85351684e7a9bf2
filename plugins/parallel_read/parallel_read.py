"""Receivers and worker processes for the PARALLEL_READ setting."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import file_suffix

from commons.forking import can_fork, count_worker_logs, usable_cores
from commons.settings import Boolean, Integer, Schema, install

logger = logging.getLogger(__name__)

SETTING = "PARALLEL_READ"
SCHEMA = Schema(
    SETTING,
    {
        # Off unless asked: on two cores it costs more CPU than it saves.
        "enabled": Boolean(
            False,
            help=(
                "read in worker processes (off: on two cores the workers cost more CPU than they "
                "save; see docs/benchmarks.md)"
            ),
        ),
        # 0: one worker per core this process may run on.
        "processes": Integer(
            0, minimum=0, help="how many workers; `0`: one per core this process may use"
        ),
        # Below this many files to read, forking costs more than it saves.
        "min_files": Integer(
            40,
            minimum=0,
            help=(
                "below this many files to read, read serially: forking would cost more than it "
                "saves"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()
# Files per task: big enough to amortise the round trip, small enough to
# keep both workers busy until the end.
CHUNK_SIZE = 16
# The settings dict travels back from a worker as this name, not as a copy:
# every category, tag and author object holds a reference to it.
SETTINGS_REFERENCE = "commons-settings"


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


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
    # In the order of Pelican's own loop (the same set, built the same way),
    # so that results come back in the order Pelican asks for them.
    for relative in generator.get_files(paths, exclude=excludes):
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
# A worker process's own state: its generator's readers and settings, handed
# over by the fork (nothing is pickled), and its log-level counter. Set once
# in each worker by _start_worker; the parent never sets it.
_worker: dict = {}


def _start_worker(readers, settings) -> None:
    _worker.update(readers=readers, settings=settings, levels=count_worker_logs())


class _SettingsPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return SETTINGS_REFERENCE if obj is _worker["settings"] else None


class _SettingsUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, settings: dict):
        super().__init__(io.BytesIO(data))
        self.settings = settings

    def persistent_load(self, reference):
        if reference != SETTINGS_REFERENCE:
            raise pickle.UnpicklingError(f"unknown reference {reference!r}")
        return self.settings


def _read_chunk(jobs: list[tuple[str, str]]) -> list[tuple[str, tuple | None, bytes | None]]:
    readers = _worker["readers"]
    levels = _worker["levels"]
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
        try:
            _SettingsPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(read)
        except (pickle.PicklingError, TypeError, AttributeError):
            # A plugin put something in the metadata that cannot travel:
            # Pelican reads this file itself.
            results.append((path, stamp, None))
            continue
        results.append((path, stamp, buffer.getvalue()))
    return results


class WorkerReads:
    """The workers' results, taken as they arrive, waited for when Pelican asks for one.

    The workers start reading when the generator is created and Pelican
    processes each post (its signals, its objects) while they read the next
    ones, so the parent's work overlaps theirs instead of following it. Jobs
    are sent in the order Pelican will ask for them (that of its own file
    list), so it rarely waits.
    """

    def __init__(self, generator, jobs: list[tuple[str, str]], processes: int):
        self.settings = generator.settings
        self.expected = {path for path, _fmt in jobs}
        self.ready: dict[str, tuple] = {}
        self.used = 0
        self.total = len(jobs)
        self.processes = processes
        self.started = time.monotonic()
        chunks = [jobs[at : at + CHUNK_SIZE] for at in range(0, len(jobs), CHUNK_SIZE)]
        self.executor = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            # Forked, the workers get these objects themselves, not pickled copies.
            initargs=(generator.readers, generator.settings),
        )
        self.results = self.executor.map(_read_chunk, chunks)

    def take(self, path: str) -> tuple | None:
        """(stamp, pickled read) of `path`, or None: Pelican then reads it itself."""
        if path not in self.expected:
            return None
        while path not in self.ready and self.results is not None:
            try:
                chunk = next(self.results)
            except StopIteration:
                break
            except BrokenProcessPool:
                logger.warning("Parallel read: a worker stopped; Pelican reads the rest itself")
                self.close()
                break
            self.ready.update((done, (stamp, data)) for done, stamp, data in chunk if data)
        self.expected.discard(path)
        entry = self.ready.pop(path, None)
        self.used += entry is not None
        if not self.expected:
            self.close()
        return entry

    def close(self, *_args) -> None:
        if self.results is None:
            return
        self.results = None
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.ready.clear()
        logger.info(
            "Parallel read: %d of %d files read by %d processes in %.2f s",
            self.used,
            self.total,
            self.processes,
            time.monotonic() - self.started,
        )


# ------------------------------------------------------------ the parent
class PreparedRead:
    """A reader's `read`, answered from the workers' results when the file is unchanged."""

    def __init__(self, read, reads: WorkerReads):
        self.read = read
        self.reads = reads

    def __call__(self, source_path):
        entry = self.reads.take(os.path.abspath(source_path))
        if entry is not None:
            stamp, data = entry
            if stamp == file_stamp(source_path):
                return _SettingsUnpickler(data, self.reads.settings).load()
        return self.read(source_path)


# The attribute that holds a generator's WorkerReads until its content is read.
READS_ATTRIBUTE = "commons_parallel_reads"


def read_ahead(generator) -> None:
    options = generator.settings.get(SETTING)
    folders = source_folders(generator)
    if not options or not options["enabled"] or folders is None or not can_fork():
        return
    jobs = files_to_read(generator, *folders)
    processes = min(options["processes"] or usable_cores(), len(jobs))
    if len(jobs) < max(options["min_files"], 1) or processes < 2:
        return
    reads = WorkerReads(generator, jobs, processes)
    setattr(generator, READS_ATTRIBUTE, reads)
    for reader in generator.readers.readers.values():
        reader.read = PreparedRead(reader.read, reads)


def close_reads(generators) -> None:
    """Stop the workers: every generator has read its content, Pelican needs no more."""
    for generator in generators:
        reads = getattr(generator, READS_ATTRIBUTE, None)
        if reads is not None:
            reads.close()
            delattr(generator, READS_ATTRIBUTE)


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_init.connect(read_ahead)
    signals.page_generator_init.connect(read_ahead)
    # Every generator has read its content by now.
    signals.all_generators_finalized.connect(close_reads)
