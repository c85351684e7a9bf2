"""Index the site in shards, one Pagefind process at a time, while Pelican writes.

Pagefind holds every page it indexes in memory (about 240 KB a page, whatever
the page's size, and it has no option to limit that), so a large site is
indexed in shards of at most `pages_per_bundle` pages, each its own bundle;
the search page merges them (Pagefind's `mergeIndex`). Shards are decided
before anything is written, from sorted page paths, so they are the same on
every build. A shard is handed to Pagefind as soon as its last page is
written: Pagefind then runs on another core while Pelican, single-threaded,
writes the listings and feeds.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import commons.paths
from commons.digests import files_digest, folder_files
from commons.errors import OperationError
from commons.files import Folder
from commons.processes import stop_process

logger = logging.getLogger(__name__)

# Where the second and later bundles go, inside the first: <bundle_dir>/shards/2/.
SHARDS_DIR = "shards"
# What a merged bundle is read for (the search page loads Pagefind's script,
# WebAssembly and UI from the first bundle only).
MERGED_BUNDLE_FILES = ("pagefind-entry.json", "index", "fragment", "filter")
# The list of bundles beside the first (plugin.py writes it).
MANIFEST = "shards.json"
PAGEFIND_TIMEOUT = 600  # seconds, per shard
PAGEFIND_NICENESS = 10


class SearchIndexError(OperationError):
    """Pagefind could not index the site."""


def plan_shards(paths: list[str], size: int) -> list[list[str]]:
    """`paths` sorted and cut into ceil(n / size) shards whose sizes differ by one at most.

    Always at least one shard, so a site with nothing to search still gets an
    (empty) index and a working search page.
    """
    paths = sorted(paths)
    count = max(1, math.ceil(len(paths) / size))
    small, extra = divmod(len(paths), count)
    shards, start = [], 0
    for number in range(count):
        end = start + small + (1 if number < extra else 0)
        shards.append(paths[start:end])
        start = end
    return shards


@dataclass
class Shard:
    number: int
    pages: frozenset[str]  # site paths, such as "2011/03/slug/index.html"
    mirror: Path  # the folder Pagefind indexes: these pages at their site paths
    bundle: Path  # the folder Pagefind writes, moved into the site at the end
    written: set[str] = field(default_factory=set)
    handed_over: bool = False
    failure: str | None = None
    # What Pagefind indexed (LastIndex.shard_inputs) and the bundle it made
    # (bundle_digest), for the next build's LastIndex.
    inputs: str | None = None
    bundle_files: str | None = None
    reused: bool = False


def bundle_digest(bundle: Path) -> str:
    """A bundle's files: their paths inside it and their bytes."""
    return files_digest(folder_files(bundle), root=bundle).hexdigest()


class LastIndex:
    """The last build's bundles, for shards whose pages did not change.

    Pagefind makes the same bundle from the same pages and options, so a
    shard whose pages are byte for byte those of the last build's shard in
    the same place takes a copy of that bundle, checked against the digest
    the last build recorded, instead of a new Pagefind run.
    """

    FORMAT = 1

    def __init__(self, record_path: Path, last_bundle: Path | None, options: list[str]):
        self.record_path = record_path
        self.last_bundle = last_bundle
        self.options = options
        self.shards = self._read() if last_bundle is not None else {}

    def _read(self) -> dict:
        try:
            data = json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != self.FORMAT:
            return {}
        shards = data.get("shards")
        return shards if isinstance(shards, dict) else {}

    def shard_inputs(self, output: Path, shard: Shard, count: int) -> str:
        """What the shard's bundle is made from: Pagefind's version and options,
        the shard's place, and each page's path and bytes."""
        digest = hashlib.sha256()
        try:
            version = importlib.metadata.version("pagefind-bin")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        header = [version, self.options, shard.number, count]
        digest.update(json.dumps(header).encode("utf-8") + b"\x00")
        for site_path in sorted(shard.written):
            with open(output / site_path, "rb") as page:
                page_digest = hashlib.file_digest(page, "sha256").hexdigest()
            digest.update(f"{site_path}\x00{page_digest}\x00".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def reuse(self, shard: Shard) -> bool:
        """Copy the last build's bundle of this shard, when it was made from the
        same inputs and is as the last build left it."""
        last = self.shards.get(str(shard.number))
        if self.last_bundle is None or not isinstance(last, list) or last[0] != shard.inputs:
            return False
        source = (
            self.last_bundle
            if shard.number == 1
            else self.last_bundle / SHARDS_DIR / str(shard.number)
        )
        ignored = shutil.ignore_patterns(SHARDS_DIR, MANIFEST) if shard.number == 1 else None
        try:
            shutil.copytree(source, shard.bundle, ignore=ignored)
        except OSError:
            shutil.rmtree(shard.bundle, ignore_errors=True)
            return False
        if bundle_digest(shard.bundle) != last[1]:
            shutil.rmtree(shard.bundle, ignore_errors=True)
            return False  # changed since, or another build's: indexed again
        shard.bundle_files = last[1]
        return True

    def write(self, shards: list[Shard]) -> None:
        record = {
            "format": self.FORMAT,
            "shards": {
                str(shard.number): [shard.inputs, shard.bundle_files]
                for shard in shards
                if shard.inputs and shard.bundle_files and shard.failure is None
            },
            # This build's shards that took the last build's bundle.
            "kept": [shard.number for shard in shards if shard.reused],
        }
        Folder(self.record_path.parent, force=True).write_text(
            self.record_path.name, json.dumps(record, sort_keys=True)
        )


class IndexRun:
    """One build's indexing: mirrors filled as pages are written, one Pagefind at a time."""

    def __init__(
        self,
        output: Path,
        plan: list[list[str]],
        pagefind_options: list[str],
        last: LastIndex | None = None,
    ):
        self.output = output
        self.last = last
        self.pagefind = pagefind_executable()
        self.pagefind_options = pagefind_options
        # Beside the site, not in it: if the build fails, nothing of the index
        # is in the site. On the same file system as the site, so the pages
        # are hard-linked into the mirrors and the bundles moved in by a
        # rename (a system /tmp in memory would make both copies).
        self.workspace = Path(tempfile.mkdtemp(prefix=".commons-search-", dir=output.parent))
        self.shards = [
            Shard(
                number,
                frozenset(pages),
                self.workspace / f"mirror-{number}",
                self.workspace / f"bundle-{number}",
            )
            for number, pages in enumerate(plan, start=1)
        ]
        self.shard_of = {page: shard for shard in self.shards for page in shard.pages}
        self.pending: queue.Queue[Shard | None] = queue.Queue()
        self.lock = threading.Lock()  # guards `process` and `stopping`
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.worker: threading.Thread | None = None
        # A build that fails never finishes its run: stop its Pagefind and
        # remove the workspace before the process exits.
        atexit.register(self.close)

    @property
    def queued_count(self) -> int:
        return sum(shard.handed_over for shard in self.shards)

    def page_written(self, path: str | Path) -> None:
        site_path = commons.paths.relative_posix(path, self.output)
        # A path outside the site ("../…") is no shard's page.
        shard = self.shard_of.get(site_path)
        if shard is None or shard.handed_over:
            return  # a listing, feed, draft or hidden page
        # Only noted here: the worker builds the mirror, off Pelican's thread.
        shard.written.add(site_path)
        if shard.written == shard.pages:
            self.hand_over(shard)

    def hand_over(self, shard: Shard) -> None:
        shard.handed_over = True
        if self.worker is None:
            # A daemon, so that a failed build's exit is not held up by it;
            # close() (at finalized, or at exit) stops its Pagefind and joins it.
            self.worker = threading.Thread(
                target=self._index_shards, name="commons-search", daemon=True
            )
            self.worker.start()
        self.pending.put(shard)
        logger.info(
            "Search: shard %d of %d queued for Pagefind (%d pages written)",
            shard.number,
            len(self.shards),
            len(shard.written),
        )

    def finish(self) -> list[Shard]:
        """Index the shards not yet handed over, wait for all; return them in order."""
        for shard in self.shards:
            if not shard.handed_over:
                self.hand_over(shard)  # a planned page was never written: index what was
        self.pending.put(None)
        self.worker.join()
        self.worker = None
        return self.shards

    def close(self) -> None:
        """Stop any Pagefind still running, join the worker, remove the workspace."""
        atexit.unregister(self.close)
        with self.lock:
            self.stopping = True
            process = self.process
        stop_process(process, timeout=10)
        if self.worker is not None:
            self.pending.put(None)
            self.worker.join()
            self.worker = None
        shutil.rmtree(self.workspace, ignore_errors=True)

    def _index_shards(self) -> None:
        # One Pagefind at a time: two at once would add up their memory.
        while (shard := self.pending.get()) is not None:
            if self.last is not None:
                try:
                    shard.inputs = self.last.shard_inputs(self.output, shard, len(self.shards))
                except OSError as error:
                    shard.failure = f"could not read the pages of shard {shard.number}: {error}"
                    continue
                if self.last.reuse(shard):
                    shard.reused = True
                    logger.info("Search: shard %d kept from the last build", shard.number)
                    continue
            try:
                self._mirror(shard)
            except OSError as error:
                shard.failure = f"could not gather the pages of shard {shard.number}: {error}"
            else:
                shard.failure = self._run_pagefind(shard)
                if shard.failure is None and self.last is not None:
                    shard.bundle_files = bundle_digest(shard.bundle)
            shutil.rmtree(shard.mirror, ignore_errors=True)

    def _mirror(self, shard: Shard) -> None:
        """The folder Pagefind indexes: the shard's pages at their paths in the site,
        so that its result URLs are theirs."""
        shard.mirror.mkdir(parents=True, exist_ok=True)
        for site_path in sorted(shard.written):
            copy = shard.mirror / site_path
            copy.parent.mkdir(parents=True, exist_ok=True)
            try:
                # A hard link costs nothing; Pelican writes each page once and
                # does not touch it again.
                os.link(self.output / site_path, copy)
            except OSError:
                shutil.copyfile(self.output / site_path, copy)  # another file system

    def _run_pagefind(self, shard: Shard) -> str | None:
        """Index one shard; return None, or what went wrong."""
        command = [
            *self.pagefind,
            "--site",
            str(shard.mirror),
            "--output-path",
            str(shard.bundle),
            *self.pagefind_options,
        ]
        with self.lock:
            if self.stopping:
                return "the build stopped"
            try:
                process = subprocess.Popen(
                    command,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    pass_fds=build_lock_fds(),
                )
            except OSError as error:
                return str(error)
            self.process = process
        # Below Pelican's priority: while Pelican writes, Pagefind takes the
        # idle core rather than slowing Pelican down. (Not on every system;
        # and Pagefind may already have finished.)
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, process.pid, PAGEFIND_NICENESS)
        logger.info(
            "Search: Pagefind started on shard %d of %d (pages: %d)",
            shard.number,
            len(self.shards),
            len(shard.written),
        )
        started = time.monotonic()
        try:
            output, _ = process.communicate(timeout=PAGEFIND_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return f"Pagefind took more than {PAGEFIND_TIMEOUT} s on shard {shard.number}"
        if process.returncode != 0:
            return output.strip()[-2000:] or f"Pagefind exited with code {process.returncode}"
        if shard.number > 1:
            prune_merged_bundle(shard.bundle)
        logger.info("Search: shard %d indexed in %.1f s", shard.number, time.monotonic() - started)
        return None


def build_lock_fds() -> tuple[int, ...]:
    """The build's lock (commons.build), for Pagefind to hold while it runs.

    A build killed while Pagefind writes into the workspace then keeps the
    next build of that output waiting until Pagefind has ended, so that the
    next build's clean-up is not undone.
    """
    value = os.environ.get("COMMONS_BUILD_LOCK_FD", "")
    if not value.isdigit():
        return ()
    try:
        os.fstat(int(value))
    except OSError:
        return ()
    return (int(value),)


def pagefind_executable() -> list[str]:
    """The command that starts Pagefind: the pagefind-bin wheel's binary itself.

    Started directly, it saves a Python start-up (about 0.1 s) per shard.
    """
    try:
        from pagefind_bin import get_executable

        return [str(get_executable())]
    except (ImportError, FileNotFoundError):
        # Pagefind's own launcher, which says what is missing.
        return [sys.executable, "-m", "pagefind"]


def prune_merged_bundle(bundle: Path) -> None:
    """Keep what the search page reads from a merged bundle; drop Pagefind's UI and scripts."""
    for entry in bundle.iterdir():
        if entry.name in MERGED_BUNDLE_FILES or entry.suffix == ".pf_meta":
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
