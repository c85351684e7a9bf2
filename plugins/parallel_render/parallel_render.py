"""Receivers, the claim table and the render children for the PARALLEL_RENDER setting."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter
from functools import partial

from pelican import signals
from pelican.generators import (
    ArticlesGenerator,
    PagesGenerator,
    SourceFileGenerator,
    StaticGenerator,
)

from commons.contents import every_article, every_page
from commons.forking import can_fork, count_worker_logs, usable_cores
from commons.pelican_patches import open_files_with
from commons.settings import Boolean, Integer, Schema, install

logger = logging.getLogger(__name__)

SETTING = "PARALLEL_RENDER"
SCHEMA = Schema(
    SETTING,
    {
        # Off unless asked: on two cores it costs more CPU than it saves.
        "enabled": Boolean(
            False,
            help=(
                "render in child processes (off: each child walks every generator over the whole "
                "site, which costs more CPU than it saves on two cores)"
            ),
        ),
        # 0: one render child per core this process may run on (none on one
        # core). The parent writes every file and sends every signal, and
        # mostly waits for the children's pages.
        "processes": Integer(
            0,
            minimum=0,
            help="how many children; `0`: one per core this process may use (none on one core)",
        ),
        # Below this many posts and pages, forking costs more than it saves.
        "min_contents": Integer(
            40,
            minimum=0,
            help=(
                "below this many posts and pages, render serially: forking would cost more than it"
                " saves"
            ),
        ),
        # How many pages the children may render ahead of the parent: their
        # HTML waits in the parent's memory until the parent writes it.
        "lead": Integer(
            256,
            minimum=1,
            help=(
                "how many pages the children may render ahead of the main process; their HTML "
                "waits in its memory until it is written"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()

PARENT = 0
TABLE_FULL = -1
# Linear probing gives up after this many taken slots: the page is then
# rendered by the parent, which is always correct.
MAX_PROBES = 64
# What a child must not act on: the files written and the feeds built, which
# only the parent writes, and the receivers that follow them.
CHILD_MUTED_SIGNALS = (
    signals.content_written,
    signals.feed_generated,
    signals.feed_written,
    signals.article_writer_finalized,
    signals.page_writer_finalized,
)
# Generators that copy files and render no template: only the parent runs them.
COPYING_GENERATORS = (StaticGenerator, SourceFileGenerator)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def children_wanted(options: dict) -> int:
    if options["processes"]:
        return options["processes"]
    cores = usable_cores()
    return cores if cores >= 2 else 0


def content_count(generators) -> int:
    count = 0
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            count += len(every_article(generator))
        elif isinstance(generator, PagesGenerator):
            count += len(every_page(generator))
    return count


def page_key(seen: Counter, localcontext: dict) -> str:
    """The page a render is for: its output file, and how many times this walk rendered it.

    The parent and the children walk the same output in the same order, so
    the same render has the same key in each.
    """
    name = str(localcontext.get("output_file"))
    seen[name] += 1
    return f"{seen[name]}:{name}"


class ClaimTable:
    """Which process renders which page: a hash table in memory shared by the forks.

    A key is hashed with Python's own string hash, which a forked process
    shares with its parent. Slots hold the hash (0: free) and the owner.
    """

    def __init__(self, slots: int, context):
        self.mask = slots - 1
        self.hashes = context.RawArray("q", slots)
        self.owners = context.RawArray("b", slots)
        self.lock = context.Lock()

    @classmethod
    def for_pages(cls, pages: int, context) -> ClaimTable:
        # At most an eighth full, so that probes stay short.
        slots = 1 << max(12, (8 * pages).bit_length())
        return cls(slots, context)

    def claim(self, key: str, owner: int) -> int:
        """Who renders `key`: `owner` if nobody had claimed it, else the first claimant."""
        digest = hash(key) or 1
        slot = digest & self.mask
        with self.lock:
            for _ in range(MAX_PROBES):
                held = self.hashes[slot]
                if held == 0:
                    self.hashes[slot] = digest
                    self.owners[slot] = owner
                    return owner
                if held == digest:
                    return self.owners[slot]
                slot = (slot + 1) & self.mask
        return TABLE_FULL


class SharedState:
    """What the parent and its children share: the claims, the lead and the stop flag."""

    def __init__(self, pages: int, lead: int):
        context = multiprocessing.get_context("fork")
        self.context = context
        self.table = ClaimTable.for_pages(pages, context)
        self.lead = context.Semaphore(lead)
        self.stopped = context.RawValue("b", 0)
        self.parent_pid = os.getpid()


class TemplateProxy:
    """What Pelican's writer gets instead of a template: `render` asks the renderer."""

    def __init__(self, template, renderer):
        self.template = template
        self.renderer = renderer

    def render(self, localcontext) -> str:
        return self.renderer.render(self.template, localcontext)


class _WriteThrough:
    """A writer's `write_file`, with the template's renders going through `renderer`."""

    def __init__(self, renderer, write_file):
        self.renderer = renderer
        self.write_file = write_file

    def __call__(self, name, template, context, *args, **kwargs):
        return self.write_file(
            name, TemplateProxy(template, self.renderer), context, *args, **kwargs
        )


# ----------------------------------------------------------------- children
class _Stop(BaseException):
    """The parent has finished writing, or has gone: the child stops walking."""


def _discard(filename, encoding, override=False):
    del filename, override  # a child writes nothing: the parent writes every file
    return open(os.devnull, "w", encoding=encoding)


def _no_feed(*_args, **_kwargs):
    return None  # the parent builds and writes every feed


class RenderChild:
    """A child's side: claims pages, renders them, sends their HTML to the parent."""

    def __init__(self, number: int, shared: SharedState, connection):
        self.number = number
        self.shared = shared
        self.connection = connection
        self.levels = count_worker_logs()
        self.seen: Counter = Counter()

    def check_parent(self) -> None:
        if self.shared.stopped.value or os.getppid() != self.shared.parent_pid:
            raise _Stop

    def render(self, template, localcontext) -> str:
        key = page_key(self.seen, localcontext)
        shared = self.shared
        self.check_parent()
        while not shared.lead.acquire(timeout=1.0):
            self.check_parent()
        self.check_parent()
        if shared.table.claim(key, self.number) != self.number:
            shared.lead.release()
            return ""
        self.levels.highest = logging.NOTSET
        try:
            html = template.render(localcontext)
        except Exception:  # noqa: BLE001 - any failure: the parent renders the page and reports it
            html = None
        if self.levels.highest >= logging.WARNING:
            html = None  # the parent renders it again, and logs what it logs
        self.connection.send((key, html))
        return ""


def run_child(number, shared, connection, generators, originals, writer) -> None:
    """A child's whole life: walk the rest of the output, rendering what it claims."""
    status = 0
    try:
        for signal in CHILD_MUTED_SIGNALS:
            signal.is_muted = True
        child = RenderChild(number, shared, connection)
        writer.write_file = _WriteThrough(child, writer.write_file)
        writer.write_feed = _no_feed
        open_files_with(writer, _discard)
        for generator in generators:
            if not isinstance(generator, COPYING_GENERATORS):
                originals[id(generator)](writer)
    except _Stop:
        pass
    except BaseException:  # noqa: BLE001 - the parent hits and reports the same failure
        status = 1
    finally:
        connection.close()
    os._exit(status)


# ------------------------------------------------------------------- parent
class ChildPages:
    """The parent's end of one child's pipe: its pages' HTML, kept as they arrive."""

    def __init__(self, process, connection):
        self.process = process
        self.connection = connection
        self.ready: dict[str, str | None] = {}
        self.ended = False
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self._drain, name="render-child-pages", daemon=True)

    def _drain(self) -> None:
        try:
            while True:
                key, html = self.connection.recv()
                with self.arrived:
                    self.ready[key] = html
                    self.arrived.notify_all()
        except (EOFError, OSError):
            pass  # the child has ended
        finally:
            with self.arrived:
                self.ended = True
                self.arrived.notify_all()

    def take(self, key: str) -> str | None:
        """The child's HTML for `key`; None if it failed, or ended without sending it."""
        with self.arrived:
            while key not in self.ready and not self.ended:
                self.arrived.wait()
            return self.ready.pop(key, None)


class ParallelOutput:
    """One build's writing phase: forks at the first generator's output, ends after the last."""

    def __init__(self, options: dict, generators: list, children: int, contents: int = 0):
        self.options = options
        # Pelican's own list: other receivers may still reorder it in place.
        self.generators = generators
        self.children_count = children
        # Posts and pages: the claim table is sized from them.
        self.pages = contents
        self.originals = {}
        for generator in generators:
            if hasattr(generator, "generate_output"):
                self.originals[id(generator)] = generator.generate_output
                generator.generate_output = partial(self.generate_output, generator)
        self.shared: SharedState | None = None
        self.children: list[ChildPages] = []
        self.seen: Counter = Counter()
        self.taken = 0
        self.rendered = 0
        self.started = 0.0
        self.done = False

    def writing_generators(self) -> list:
        return [g for g in self.generators if id(g) in self.originals]

    def generate_output(self, generator, writer) -> None:
        if self.shared is None and not self.done:
            self.start(generator, writer)
        try:
            self.originals[id(generator)](writer)
        except BaseException:
            self.stop(abort=True)
            raise
        writing = self.writing_generators()
        if writing and generator is writing[-1]:
            self.stop()

    def start(self, generator, writer) -> None:
        writing = self.writing_generators()
        rest = writing[writing.index(generator) :]
        self.shared = SharedState(self.pages, self.options["lead"])
        self.started = time.monotonic()
        pipes = []
        # Frozen, the inherited objects are left out of the children's garbage
        # collections, which would otherwise touch (and copy) every page of memory.
        gc.freeze()
        try:
            for number in range(1, self.children_count + 1):
                receiving, sending = self.shared.context.Pipe(duplex=False)
                process = self.shared.context.Process(
                    target=run_child,
                    args=(number, self.shared, sending, rest, self.originals, writer),
                    name=f"commons-render-{number}",
                    daemon=True,
                )
                process.start()
                sending.close()
                pipes.append(ChildPages(process, receiving))
        finally:
            gc.unfreeze()
        # The threads start once every child is forked: a fork copies no thread.
        for pages in pipes:
            pages.thread.start()
        self.children = pipes
        writer.write_file = _WriteThrough(self, writer.write_file)

    def render(self, template, localcontext) -> str:
        key = page_key(self.seen, localcontext)
        if self.children:
            owner = self.shared.table.claim(key, PARENT)
            if owner > PARENT:
                html = self.children[owner - 1].take(key)
                self.shared.lead.release()
                if html is not None:
                    self.taken += 1
                    return html
        self.rendered += 1
        return template.render(localcontext)

    def stop(self, abort: bool = False) -> None:
        if self.done:
            return
        self.done = True
        if self.shared is None:
            return
        self.shared.stopped.value = 1
        for _ in self.children:
            self.shared.lead.release()  # wakes a child waiting for room to render ahead
        for pages in self.children:
            if abort:
                pages.process.kill()
            pages.process.join(timeout=30)
            if pages.process.is_alive():
                pages.process.kill()
                pages.process.join()
            pages.thread.join()
            pages.connection.close()
        children, self.children = self.children, []
        if not abort:
            logger.info(
                "Parallel render: %d of %d pages rendered by %d child processes in %.2f s",
                self.taken,
                self.taken + self.rendered,
                len(children),
                time.monotonic() - self.started,
            )


def prepare(generators) -> None:
    """Wrap each generator's output so that the writing phase renders on every core."""
    if not generators:
        return
    options = generators[0].settings.get(SETTING)
    if not options or not options["enabled"] or not can_fork():
        return
    children = children_wanted(options)
    contents = content_count(generators)
    if children < 1 or contents < max(options["min_contents"], 1):
        return
    ParallelOutput(options, generators, children, contents)


def register():
    signals.initialized.connect(check_settings)
    # Every generator's context is complete, and Pelican is about to write.
    signals.all_generators_finalized.connect(prepare)
