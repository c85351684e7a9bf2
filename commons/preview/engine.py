"""The warm site: Pelican loaded once, its posts kept in memory, rebuilt by the piece.

Three paths, each in this process or a fork of it:

- `refresh_page(source)`: re-reads one changed post or page with the readers
  in memory and renders its own page with the templates in memory, as
  Pelican's writer would, and writes it if its bytes changed. The page the
  editor looks at is visible in a few tens of milliseconds.
- `start_full_pass()`: runs Pelican's own build, `Pelican.run`, in this
  process (the content cache holds every unchanged post, so only changed
  files are read) until the site's model is complete, then forks (run_split):
  the child goes on with `Pelican.run`, writing every output into a staging
  folder (plugins' `finalized` work, such as the search index, included),
  while this process keeps the model and writes nothing. When the child
  exits cleanly, `finish_full_pass()` syncs the staging folder into the output,
  moving only files whose bytes changed. This is Pelican's own build, so the
  output ends byte-identical to a fresh one; a pass still running when the
  next save comes is stopped and started again.
- `catch_up()`, after `refresh_page`, for a save that changed one post's
  body, title or summary and nothing else of it (plan.resident_refusal): the
  last pass's model is kept (its post object takes the new values in place,
  plugins set their fields from it again through `content_reread`), and a
  fork renders only the pages and feeds that show the post (plan.resident_plan)
  with Pelican's writer, moving those whose bytes changed into the output
  (two forks share the pages when listings show the change; a feed's entries
  of other posts are the output's, kept.py).

A change to the settings file makes a new Pelican object (plugins' settings
checked again); a change to plugin code cannot be undone in a running
interpreter, so the caller restarts the process (`server.main` re-executes
itself, keeping its listening socket).
"""

from __future__ import annotations

# pelican.log first: it makes every logger created after it a FatalLogger, the
# class that turns a warning into an error under `--fatal warnings`.
import pelican.log  # isort: skip

import atexit
import contextlib
import ctypes
import gc
import logging
import os
import re
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NoReturn

from jinja2 import TemplateError
from pelican import Pelican, signals
from pelican.contents import Article, Content, Page
from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator
from pelican.readers import SkipStub
from pelican.utils import get_relative_path, path_to_url

from commons.build import cache_key, cache_settings, explain, prepare_cache
from commons.config import load
from commons.content_signals import content_reread
from commons.contents import every_content
from commons.errors import OperationError
from commons.page_routing import route_pages
from commons.pelican_patches import forget_logged_messages, run_exit_handlers, writer_for
from commons.problems import read_problems
from commons.unicode_controls import terminal_safe

from .kept import KeptOutput
from .plan import (
    Plan,
    linkers_of,
    plan_pass,
    resident_plan,
    resident_refusal,
    shown_elsewhere,
    source_digests,
)
from .run_split import SplitRun
from .sync import move_changed, sync_tree, write_if_changed

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h


# The last line a pass's child prints: what it rendered (the preview shows it).
PASS_SUMMARY = "Pass: {kind}."


class PreviewError(OperationError):
    """A save could not be built; the message says which file, which field and the fix."""


@dataclass
class Model:
    """One build's context and generators, after every plugin finalized them."""

    context: dict
    generators: list
    by_source: dict = field(default_factory=dict)
    # Who links to whom (plan.linkers_of), made at the first resident save.
    linkers: dict | None = None

    def __post_init__(self) -> None:
        for generator in self.generators:
            for content in every_content(generator):
                self.by_source[os.path.realpath(content.source_path)] = (generator, content)


@dataclass
class FullPass:
    pid: int
    log: Path
    started: float
    # What the output holds once this pass is synced: its model, and the
    # digests of the files it was read from.
    model: Model
    sources: dict
    plan: Plan | None


@dataclass
class PassWriting:
    """What one full pass's child writes with: decided in this process before the fork."""

    log: Path
    parent: int
    every_page: bool
    sources: dict
    plan: Plan | None = None
    counts: dict = field(default_factory=lambda: {"rendered": 0, "kept": 0})


def _pass_summary(plan: Plan | None, counts: dict, resident: bool = False, writer=None) -> str:
    if plan is None:
        return PASS_SUMMARY.format(kind="every page")
    detail = f"{counts['rendered']} pages and feeds rendered, {counts['kept']} kept"
    if resident:
        detail = f"resident model: {detail}{_entry_detail(writer)}"
    return PASS_SUMMARY.format(kind=detail)


@dataclass
class ResidentSave:
    """A save the resident path takes: `post`, changed in place, and how to undo that."""

    source: str
    digest: str | None
    post: Content
    before: dict
    shown_before: str

    def undo(self) -> None:
        """The post as it was: the output still shows it so."""
        vars(self.post).clear()
        vars(self.post).update(self.before)
        _forget_rendered_body(self.post)


class LogRecorder(logging.Handler):
    """Keeps the messages of the current pass (for the browser) and prints them (for the editor)."""

    def __init__(self, stream=None):
        super().__init__(logging.WARNING)
        self.stream = stream
        self.messages: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)-8s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.messages.append(line)
        if self.stream is not None:
            print(line, file=self.stream, flush=True)


def install_fatal_logging(stream) -> LogRecorder:
    """Pelican's `--fatal warnings` in this process: any warning makes the pass fail."""
    pelican.log.FatalLogger.fatal_lvl = logging.WARNING
    recorder = LogRecorder(stream)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(recorder)
    root.setLevel(logging.WARNING)
    return recorder


def _forget_logged_messages() -> None:
    # Pelican logs each message once per process (LimitFilter); a second bad
    # save with the same error must fail again, and say so again.
    forget_logged_messages()


def _forget_settings_modules(settings_file: Path) -> None:
    # A settings file that imports another (`from pelicanconf import *`) gets
    # the module imported the first time, and Pelican fills in settings in
    # place (MARKDOWN's list of extensions): read again, such a module would
    # hand back the last reading's values. Each reading executes them afresh.
    from commons import DEV_SETTINGS, PUBLISH_SETTINGS

    for path in (DEV_SETTINGS, PUBLISH_SETTINGS, settings_file):
        sys.modules.pop(Path(path).stem, None)


def _forget_rendered_bodies() -> None:
    # Pelican memoizes each post's published body (and summary) in a dict on
    # its class, keyed on the post object: in one process that builds many
    # times, every pass's posts would stay alive through it. A pass holds only
    # its own.
    Content.get_content.cache.clear()
    Content.get_summary.cache.clear()


# What plugins memoize on a post from its body, when it is first rendered.
RESIDENT_MEMOS = ("_summary_cache", "commons_summaries")


def _forget_rendered_body(post: Content) -> None:
    # The same memo, for one post changed in place (the resident path).
    for memo in (Content.get_content.cache, Content.get_summary.cache):
        for key in [key for key in memo if key and key[0] is post]:
            del memo[key]


def _adopt(post: Content, read: Content) -> None:
    """Make `post` the post `read` is, keeping what plugins attached to it after
    reading (neighbours, related posts, its thread): every list, label and
    other post that holds it then holds the new one."""
    attached = {name: value for name, value in vars(post).items() if name not in vars(read)}
    for name in RESIDENT_MEMOS:  # made from the old body: made again when asked
        attached.pop(name, None)
    vars(post).clear()
    vars(post).update(vars(read))
    vars(post).update(attached)
    _forget_rendered_body(post)


def _walk_labels_of(generator: ArticlesGenerator, posts: frozenset[int]) -> None:
    """In a resident save's fork: the generator walks only the categories, tags
    and authors holding one of `posts` (ids) when it writes their pages and
    feeds. The others' pages and feeds show none of them: the plan keeps them,
    yet Pelican would make each label's list of posts again to hand it over.
    The lists the templates are given (the context's) stay whole."""

    def holds(labelled) -> bool:
        return any(id(post) in posts for post in labelled)

    generator.tags = {label: of for label, of in generator.tags.items() if holds(of)}
    generator.categories = [(label, of) for label, of in generator.categories if holds(of)]
    generator.authors = [(label, of) for label, of in generator.authors if holds(of)]


def _processes() -> int:
    # A resident save's forks: one per core, two at most (the pages of one
    # save are a few dozen; more forks would walk the site more often).
    return max(1, min(2, len(os.sched_getaffinity(0))))


def _summed(summaries: list[str]) -> str:
    """The summary lines of processes that shared a pass (the same words,
    their own counts), as one: each count summed."""
    counts = [[int(number) for number in re.findall(r"\d+", line)] for line in summaries]
    if not counts or len({len(numbers) for numbers in counts}) != 1:
        return summaries[0] if summaries else ""
    totals = iter([sum(column) for column in zip(*counts, strict=True)])
    return re.sub(r"\d+", lambda _match: str(next(totals)), summaries[0])


def _entry_detail(writer) -> str:
    # What the feeds' entries cost: made from their posts, or kept (plugins/feeds).
    counts = getattr(writer, "entry_counts", None)
    if not counts:
        return ""
    return f", feed entries {counts['made']} made, {counts['kept']} kept"


def _is_theme_template(name: str) -> bool:
    # Pelican also offers its own templates under "!simple/" and the theme's
    # again under "!theme/": only the names pages are rendered with.
    return not name.startswith("!") and name.endswith((".html", ".xml", ".xsl"))


def _die_with_parent(parent: int) -> None:
    # In its own process group, the child would outlive a preview killed
    # outright (SIGKILL); on Linux the kernel stops it when the preview goes.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the preview went before prctl took effect
        os._exit(1)


class WarmSite:
    """Pelican, loaded once, building `content` with `settings_file` into `output`."""

    def __init__(
        self,
        settings_file: Path,
        content: Path,
        output: Path,
        recorder: LogRecorder,
        overrides: dict | None = None,
    ):
        self.settings_file = Path(settings_file).resolve()
        self.content = Path(content).resolve()
        self.output = Path(output).resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.staging = self.output.parent / f".preview-staging-{self.output.name}"
        # Where each pass's problems are written (plugins/guard): what a failed
        # save shows over the page.
        self.problems_file = self.output.parent / f".preview-problems-{self.output.name}.json"
        self.recorder = recorder
        self.overrides = dict(overrides or {})
        self.pelican: Pelican | None = None
        self.model: Model | None = None
        self.running: FullPass | None = None
        # The model and source digests of the last pass synced into the
        # output (what a new pass is compared with), and the pages written
        # since outside a pass.
        self.synced: Model | None = None
        self.synced_sources: dict = {}
        self.rewritten: set[str] = set()
        self.last_summary = ""
        # The save the resident path will finish (catch_up), or why the last
        # save shown first cannot take it.
        self.resident: ResidentSave | None = None
        self.resident_refusal = ""
        # From a pass's start to its success: until then the output and its
        # problems file are not the resident model's (a failed pass leaves them).
        self.pass_pending = False
        atexit.register(self.stop_full_pass)

    # -- settings and plugins ---------------------------------------------

    def load_settings(self) -> None:
        """Read the settings file and start Pelican (plugins' settings are checked here)."""
        overrides = {
            "PATH": str(self.content),
            "OUTPUT_PATH": str(self.staging),
            **cache_settings(self.output),
            "DELETE_OUTPUT_DIRECTORY": False,
            **self.overrides,
        }
        self._begin()
        with self._failure_as_preview_error():
            # The same content cache as a build's, under the same key: new
            # settings (or code, after the restart) start it empty.
            key = cache_key(self.settings_file, overrides)
            for notice in prepare_cache(Path(overrides["CACHE_PATH"]), key):
                print(notice, file=sys.stderr, flush=True)
            _forget_settings_modules(self.settings_file)
            # Checked once here (commons/config.py); the plugins' `install`
            # takes the checked values as they are.
            loaded = load(self.settings_file, overrides=overrides)
            for warning in loaded.warnings:
                line = f"WARNING  {self.settings_file.name}: {warning}"
                print(terminal_safe(line), file=sys.stderr, flush=True)
            settings = loaded.settings
            # Where this pass writes its problems (the preview's overlay reads them).
            guard = {**settings.get("GUARD", {}), "problems_file": str(self.problems_file)}
            self.pelican = Pelican({**settings, "GUARD": guard})
        self.retention = loaded.settings["OUTPUT_RETENTION"]
        self.model = None
        self.synced = None  # other settings: every page is rendered again

    # -- the page first ---------------------------------------------------

    def refresh_page(self, source: Path) -> list[str] | None:
        """Re-read one post or page and write its own page; return the paths written.

        None when the change is not one this path can show (a new file, a
        draft, a changed address or status): the full pass shows it.
        Raises PreviewError when the file is bad.
        """
        self.abandon_resident()
        self.resident_refusal = "it is a new file"
        if self.model is None:
            return None
        found = self.model.by_source.get(os.path.realpath(source))
        if found is None:
            return None
        generator, old = found
        self.resident_refusal = f"it is {old.status}"
        if old.status not in ("published", "hidden"):
            return None
        self.resident_refusal = "it could not be built"
        self._begin()
        # Before reading: bytes saved meanwhile differ from it at the next pass.
        digests = source_digests([str(source)])
        with self._failure_as_preview_error():
            new = self._read(generator, source)
            refusal = self._resident_refusal(generator, old, new)
        if new is not None:
            _forget_rendered_body(new)  # compared, not kept
        self.resident_refusal = refusal or ""
        if new is None or new.status != old.status or new.save_as != old.save_as:
            return None
        if refusal is None:
            # The resident model keeps its post object, now holding the new
            # values: catch_up renders every page that shows it.
            source_path, digest = next(iter(digests.items()))
            self.resident = ResidentSave(
                source_path, digest, old, dict(vars(old)), shown_elsewhere(old)
            )
            _adopt(old, new)
            new = old
            with self._failure_as_preview_error():
                try:
                    content_reread.send(old, generator=generator)
                except Exception:
                    self.abandon_resident()
                    raise
        else:
            # What plugins attached after reading (neighbours, related posts,
            # the thread, frozen URLs) comes from the last full pass; the full
            # pass that follows recomputes it.
            for key, value in vars(old).items():
                vars(new).setdefault(key, value)
        try:
            data = self._render_apart(generator, new)
        except PreviewError:
            self.abandon_resident()
            raise
        self.model.by_source[os.path.realpath(source)] = (generator, new)
        written = write_if_changed(self.output / new.save_as, data)
        if written:
            self.rewritten.add(new.save_as)
        return [new.save_as] if written else []

    def _resident_refusal(self, generator, old: Content, new: Content | None) -> str | None:
        if self.pass_pending or self.synced is None or self.model is not self.synced:
            return "the site model is not the one the output shows"
        if new is None:
            return "it is not published"
        return resident_refusal(old, new, isinstance(generator, PagesGenerator))

    def abandon_resident(self) -> None:
        """A save shown first that will not be finished by catch_up: its post as before."""
        resident, self.resident = self.resident, None
        if resident is not None:
            resident.undo()

    def catch_up(self) -> list[str] | None:
        """Finish the save `refresh_page` showed, from the resident model.

        Renders, in a fork, only the pages the plan names (the post's, those
        that link to it, its listings and feeds when they show it differently)
        with Pelican's writer and the theme's templates, and moves those whose
        bytes changed into the output. What the site's `finalized` work makes
        (the sitemap, the checks by address, minified files) does not depend
        on a post's body, title or summary when its links stay: it is not
        made again. Returns the changed paths; None when the save is not one
        this path takes (then `resident_refusal` says why).
        """
        resident, self.resident = self.resident, None
        if resident is None:
            return None
        model = self.synced
        if model.linkers is None:
            model.linkers = linkers_of(model.generators)
        plan = resident_plan(resident.post, resident.shown_before, model.linkers)
        self._begin()
        try:
            changed = self._write_apart(plan, resident=True)
        except PreviewError as error:
            resident.undo()
            self.resident_refusal = f"rendering from the resident model failed ({error})"
            return None
        self.synced_sources[resident.source] = resident.digest
        self.rewritten.clear()
        return changed

    def _write_apart(self, plan: Plan, resident: bool) -> list[str]:
        """Write the planned pages in forks into staging; move the changed ones into the output.

        On the resident path, when listings show the change (a title, a
        summary), the pages are shared out between `_processes()` forks, each
        in its own staging folder (the plan's `share`: each walks the site,
        and renders only the pages of its share; the first makes the feeds
        too): a save waits for the slowest share, not for all. A body edit's
        few pages take one fork: a second would cost more than it saves.
        """
        count = _processes() if resident and plan.listed else 1
        parent = os.getpid()
        children = []
        try:
            for index in range(count):
                staging = self.staging if index == 0 else self._share_staging(index)
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir(parents=True)
                log = self.output.parent / f".preview-log-{self.output.name}-{index}"
                pid = os.fork()
                if pid == 0:
                    # Short-lived: what it makes is freed when it leaves, and
                    # a collection would copy the pages of the model it walks.
                    gc.disable()
                    self.staging = staging
                    self.pelican.output_path = str(staging)
                    self._write_in_child(
                        log, parent, plan.for_share(index, count), resident=resident
                    )
                children.append((pid, log, staging))
            failed = []
            summaries = []
            for pid, log, _staging in children:
                _pid, status = os.waitpid(pid, 0)
                text = log.read_text(encoding="utf-8", errors="replace")
                if os.waitstatus_to_exitcode(status) != 0:
                    failed.append(text)
                summaries.append(
                    next(
                        (line for line in reversed(text.splitlines()) if line.startswith("Pass: ")),
                        "",
                    )
                )
            if failed:
                raise PreviewError(self.explain("\n".join(failed)))
            changed = []
            for _pid, _log, staging in children:
                changed.extend(move_changed(staging, self.output))
            self.last_summary = _summed(summaries)
            return sorted(changed)
        finally:
            for pid, log, staging in children:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                shutil.rmtree(staging, ignore_errors=True)
                log.unlink(missing_ok=True)

    def _share_staging(self, index: int) -> Path:
        return self.staging.with_name(f"{self.staging.name}-{index}")

    def _read(self, generator, source: Path):
        relative = os.path.relpath(os.path.realpath(source), generator.path)
        if isinstance(generator, ArticlesGenerator):
            kind, preread, context_signal = (
                Article,
                signals.article_generator_preread,
                signals.article_generator_context,
            )
        else:
            kind, preread, context_signal = (
                Page,
                signals.page_generator_preread,
                signals.page_generator_context,
            )
        content = generator.readers.read_file(
            base_path=generator.path,
            path=relative,
            content_class=kind,
            context=generator.context,
            preread_signal=preread,
            preread_sender=generator,
            context_signal=context_signal,
            context_sender=generator,
        )
        if isinstance(content, SkipStub) or not content.is_valid():
            return None
        return content

    def _render_apart(self, generator, content) -> bytes:
        """Render in a fork: what plugins remember while rendering a page stays there.

        A plugin may keep state per output file for one build (the discussion
        plugin emits its script once per page); rendering the same page twice
        in one process would not give the same bytes as one build does.
        """
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: render, send the bytes (or the error), leave
            code = 1
            try:
                os.close(read_end)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                with os.fdopen(write_end, "wb") as pipe:
                    try:
                        pipe.write(b"\x00" + self._render(generator, content).encode("utf-8"))
                        code = 0
                    except Exception as error:  # noqa: BLE001 -- sent to the preview as text
                        lines = [*self.recorder.messages, f"{type(error).__name__}: {error}"]
                        pipe.write(b"\x01" + "\n".join(lines).encode("utf-8", "replace"))
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
        if not answer.startswith(b"\x00"):
            raise PreviewError(
                self.explain(answer[1:].decode("utf-8", "replace") or "rendering failed")
            )
        return answer[1:]

    def _render(self, generator, content, output_file: str | None = None) -> str:
        # What Pelican's Writer.write_file does for one unpaginated page.
        context = generator.context
        name = content.save_as
        local = context.copy()
        local["localsiteurl"] = local.get("localsiteurl")
        if generator.settings["RELATIVE_URLS"]:
            relative = path_to_url(get_relative_path(name))
            local["SITEURL"] = relative
            local["localsiteurl"] = relative
        local["output_file"] = output_file or name
        if isinstance(generator, ArticlesGenerator):
            local.update(
                article=content,
                category=getattr(content, "category", None),
                url=content.url,
                blog=True,
            )
        else:
            local.update(page=content, url=content.url)
        if local["localsiteurl"]:
            context["localsiteurl"] = local["localsiteurl"]
        return generator.get_template(content.template).render(local)

    # -- then the whole site ----------------------------------------------

    def start_full_pass(self, every_page: bool = False) -> None:
        """Run Pelican's build here until its model is complete, then fork a child
        that goes on to write the site into staging.

        The child renders only the pages the change needs (plan.py) unless
        `every_page` (the theme changed) or the change is not one the plan
        handles; every other page keeps the bytes the output holds.
        """
        self.stop_full_pass()
        self.pass_pending = True
        if self.pelican is None:
            self.load_settings()
        if every_page:
            # Until a pass renders every page and is synced, the output is no
            # model's: a later save that stops this pass renders every page too.
            self.synced = None
        self._begin()
        _forget_rendered_bodies()
        writing = PassWriting(
            log=self.output.parent / f".preview-log-{self.output.name}",
            parent=os.getpid(),
            every_page=every_page,
            # Before Pelican reads them: a file saved meanwhile differs from
            # its digest at the next pass, and is rendered then.
            sources=source_digests(str(path) for path in self.content.rglob("*") if path.is_file()),
        )
        split = SplitRun(
            partial(self._model_complete, writing), partial(self._start_writing, writing)
        )
        with self._failure_as_preview_error():
            pid = split.run(self.pelican, partial(self._end_pass_child, writing))
        if pid is None:
            raise PreviewError(
                "Pelican.run ended without asking for a writer (get_writer), so the preview "
                "could not write the site apart. Fix: a plugin must not mute that signal."
            )
        self.running = FullPass(
            pid=pid,
            log=writing.log,
            started=time.monotonic(),
            model=self.model,
            sources=writing.sources,
            plan=writing.plan,
        )
        self._compile_templates()

    def _model_complete(self, writing: PassWriting, generators: list) -> None:
        """In this process, before the fork: keep the model, plan what the child renders."""
        # Every generator shares Pelican.run's context.
        self.model = Model(context=generators[0].context, generators=generators)
        plan = None
        if not writing.every_page and self.synced is not None:
            plan = plan_pass(self.synced, self.model, self.synced_sources, writing.sources)
        if plan is not None:
            plan = Plan(plan.changed, plan.listed, frozenset(self.rewritten))
        writing.plan = plan
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)

    def _start_writing(self, writing: PassWriting, generators: list) -> None:
        """In the child, before Pelican chooses its writer: its log, and the plan."""
        self._enter_child(writing.log, writing.parent)
        if writing.plan is None:
            return
        routed: list = []

        def output_by_plan(generate_output, writer) -> None:
            # Pelican makes one writer per run: route it at the first
            # generator's output, before any plugin wraps it further.
            if not routed:
                routed.append(writer)
                self._follow_plan(writer, writing.plan, writing.counts)
            generate_output(writer)

        for generator in generators:
            if hasattr(generator, "generate_output"):
                generator.generate_output = partial(output_by_plan, generator.generate_output)

    def _end_pass_child(self, writing: PassWriting, error: BaseException | None) -> NoReturn:
        self._leave_child(error, _pass_summary(writing.plan, writing.counts))

    def _compile_templates(self) -> None:
        # Each pass has a new template environment and readers; read one post
        # and one page, and compile every template of the theme, here (nothing
        # rendered, nothing written), while the child writes, so that neither
        # the next save's page nor a resident save's child (a fork of this
        # process) waits for templates to compile or Markdown's extensions to
        # load. Nothing is rendered: what plugins remember while rendering
        # (render_once's partials, by post) would outlive this pass here.
        for generator in self.model.generators:
            content = next(iter(every_content(generator)), None)
            if content is None or content.status not in ("published", "hidden"):
                continue
            try:
                self._read(generator, Path(content.source_path))
            except Exception:  # noqa: BLE001 -- only a warm-up: the child reports real failures
                logger.debug("Could not read %s ahead of time", content.source_path)
        for environment in {
            id(g.env): g.env for g in self.model.generators if hasattr(g, "env")
        }.values():
            for name in environment.list_templates(filter_func=_is_theme_template):
                try:
                    environment.get_template(name)
                except TemplateError:
                    logger.debug("Could not compile %s ahead of time", name)

    def _write_in_child(
        self, log: Path, parent: int, plan: Plan | None, resident: bool = False
    ) -> NoReturn:
        """The resident path's child: the planned pages from the kept model, no new Pelican.run."""
        try:
            self._enter_child(log, parent)
            writer = writer_for(self.pelican)
            counts = {"rendered": 0, "kept": 0}
            kept: list[str] = []
            if plan is not None:
                kept = self._follow_plan(writer, plan, counts, resident)
            if resident:
                # The theme cannot change while this child lives: templates
                # compiled in the preview are used without looking at their
                # files again (a theme edit makes new environments).
                for generator in self.model.generators:
                    if hasattr(generator, "env"):
                        generator.env.auto_reload = False
            for generator in self.model.generators:
                # The resident path: uploads and the theme's files are as
                # the output holds them.
                if resident and isinstance(generator, StaticGenerator):
                    continue
                if hasattr(generator, "generate_output"):
                    generator.generate_output(writer)
            if resident:
                for name in kept:  # the output holds them already
                    (self.staging / name).unlink(missing_ok=True)
            summary = _pass_summary(plan, counts, resident, writer)
        except BaseException as error:  # noqa: BLE001 -- the child reports any failure by its exit code
            self._leave_child(error)
        self._leave_child(None, summary)

    def _enter_child(self, log: Path, parent: int) -> None:
        """A forked child's start: its own process group, its output into `log`."""
        os.setpgid(0, 0)  # its own group: stopping it stops its workers and Pagefind
        _die_with_parent(parent)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(descriptor, 1)
        os.dup2(descriptor, 2)
        self.recorder.stream = open(descriptor, "w", encoding="utf-8", closefd=False)  # noqa: SIM115

    def _leave_child(self, error: BaseException | None, summary: str = "") -> NoReturn:
        """A forked child's end: the summary or the failure last in its log, then exit.

        It never returns to the caller: the preview's own code above it in the
        stack is the parent's.
        """
        code = 1
        try:
            if error is None:
                print(summary, flush=True)
                code = 0
            else:
                stream = self.recorder.stream
                print(f"CRITICAL {type(error).__name__}: {error}", file=stream, flush=True)
        finally:
            atexit.unregister(self.stop_full_pass)
            run_exit_handlers()  # plugins' cleanup (the search plugin stops Pagefind)
            os._exit(code)

    def _follow_plan(self, writer, plan: Plan, counts: dict, resident: bool = False) -> list[str]:
        """Pages and feeds the plan does not render keep the output's bytes.

        On the resident path, only what the plan renders reaches staging (the
        output keeps every other file): a post's page, or a listing whose
        pages list none of the plan's posts, is not even built; the names
        of the pages kept are returned, to be taken out of staging.
        """
        kept_names: list[str] = []
        kept_output = KeptOutput(self.output, plan.changed)
        if resident:
            for generator in self.model.generators:
                if isinstance(generator, ArticlesGenerator):
                    _walk_labels_of(generator, plan.changed | plan.listed)
        if resident and hasattr(writer, "kept_feeds"):
            # A feed holding a changed post takes the others' entries from
            # the output's copy of it (plugins/feeds/writer.py).
            writer.kept_feeds = kept_output

        def page_text(template, context, localcontext) -> str:
            name = localcontext["output_file"]
            renders = plan.renders_page(localcontext, name, context)
            if resident and not (plan.owns_page(kept_output.size(name)) if renders else plan.first):
                # Another process's: taken out of staging again.
                kept_names.append(name)
                return ""
            if not renders:
                if resident and kept_output.holds(name):
                    # Taken out of staging again: what it holds there is not read.
                    counts["kept"] += 1
                    kept_names.append(name)
                    return ""
                kept = None if resident else kept_output.text(name)
                if kept is not None:
                    counts["kept"] += 1
                    kept_names.append(name)
                    return kept
            counts["rendered"] += 1
            return template.render(localcontext)

        route_pages(writer, page_text)
        if resident:
            routed_file = writer.write_file

            def resident_file(name, template, context, *args, **kwargs):
                if not plan.may_render(name, kwargs):
                    counts["kept"] += plan.first  # counted once
                    return None
                # Who listens to `content_written` (the sitemap, the search
                # index) gathers for `finalized`, which this child never sends.
                with signals.content_written.muted():
                    return routed_file(name, template, context, *args, **kwargs)

            writer.write_file = resident_file
        write_feed = writer.write_feed

        max_items = self.pelican.settings.get("FEED_MAX_ITEMS")

        def planned_feed(elements, context, path=None, *args, **kwargs):
            if resident and not plan.first:
                return None
            # On the resident path a kept feed stays as the output holds it.
            kept_there = resident and path and kept_output.holds(path)
            if kept_there and not plan.renders_feed(elements, max_items):
                counts["kept"] += 1
                return None
            if resident:
                counts["rendered"] += 1
                return write_feed(elements, context, path, *args, **kwargs)
            kept = kept_output.text(path) if path else None
            if kept is None or plan.renders_feed(elements, max_items):
                counts["rendered"] += 1
                return write_feed(elements, context, path, *args, **kwargs)
            counts["kept"] += 1
            target = self.staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(kept, encoding="utf-8")
            return None

        writer.write_feed = planned_feed
        return kept_names

    def poll_full_pass(self) -> bool:
        """True when the running pass has ended (then call finish_full_pass)."""
        if self.running is None:
            return False
        pid, _status = os.waitpid(self.running.pid, os.WNOHANG)
        if pid == 0:
            return False
        self._exit_status = _status
        return True

    def finish_full_pass(self) -> list[str]:
        """Sync the staging folder into the output; return the changed paths.

        Raises PreviewError (the output untouched) when the child failed.
        """
        running, self.running = self.running, None
        status = getattr(self, "_exit_status", None)
        if status is None:
            _pid, status = os.waitpid(running.pid, 0)
        self._exit_status = None
        try:
            if os.waitstatus_to_exitcode(status) != 0:
                log = running.log.read_text(encoding="utf-8", errors="replace")
                raise PreviewError(
                    f"The build failed; {self.output} was left as it was.\n{self.explain(log)}"
                )
            changed = sync_tree(self.staging, self.output, self.retention)
            self.synced, self.synced_sources = running.model, running.sources
            self.pass_pending = False
            self.rewritten.clear()
            log = running.log.read_text(encoding="utf-8", errors="replace")
            self.last_summary = next(
                (line for line in reversed(log.splitlines()) if line.startswith("Pass: ")), ""
            )
            return changed
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            running.log.unlink(missing_ok=True)
            # The last pass's posts, generators and context refer to each
            # other: only the cycle collector frees them, and its full
            # collection comes seldom, so each save would add a model's worth
            # of garbage first. Collected here, after the site is up to date,
            # the preview's idle memory is one model's.
            gc.collect()

    def wait_full_pass(self) -> list[str]:
        """Wait for the running pass and sync it (start-up, tests)."""
        while not self.poll_full_pass():
            time.sleep(0.02)
        return self.finish_full_pass()

    def stop_full_pass(self) -> None:
        """Stop a running pass (a newer save makes it stale), its workers and Pagefind."""
        running, self.running = self.running, None
        if running is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(running.pid, 0)
        running.log.unlink(missing_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)

    # -- errors -----------------------------------------------------------

    def _begin(self) -> None:
        _forget_logged_messages()
        self.recorder.messages.clear()

    def _failure_as_preview_error(self):
        return _FailureAsPreviewError(self)

    def explain(self, messages: str) -> str:
        """The problems the last pass wrote, each with its fix; else what was logged."""
        return explain(read_problems(self.problems_file), messages)


class _FailureAsPreviewError:
    """Turns whatever the site's code raised into a PreviewError carrying the logged messages."""

    def __init__(self, site: WarmSite):
        self.site = site

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _traceback) -> bool:
        if error is None or not isinstance(error, Exception) or isinstance(error, PreviewError):
            return False
        # Any failure of the site's code (a plugin, a template, a reader) must
        # leave the preview running with the last good site: reported, not raised.
        messages = "\n".join(self.site.recorder.messages)
        if not messages or type(error) is not RuntimeError:
            messages = "\n".join(filter(None, [messages, f"{type(error).__name__}: {error}"]))
        raise PreviewError(self.site.explain(messages)) from error
