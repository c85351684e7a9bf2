"""The warm site: Pelican loaded once, its posts kept in memory, rebuilt by the piece.

Two paths, both in this process or a fork of it:

- `refresh_page(source)`: re-reads one changed post or page with the readers
  in memory and renders its own page with the templates in memory, as
  Pelican's writer would, and writes it if its bytes changed. The page the
  editor looks at is visible in a few tens of milliseconds.
- `start_full_pass()`: builds the whole site's context in this process (the
  content cache holds every unchanged post, so only changed files are read),
  then forks a child that writes every output into a staging folder (plugins'
  `finalized` work, such as the search index, included). When the child
  exits cleanly, `finish_full_pass()` syncs the staging folder into the output,
  moving only files whose bytes changed. This is Pelican's own build, so the
  output ends byte-identical to a fresh one; a pass still running when the
  next save comes is stopped and started again.

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
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican, signals
from pelican.contents import Article, Content, Page
from pelican.generators import ArticlesGenerator
from pelican.readers import SkipStub
from pelican.utils import get_relative_path, path_to_url

from commons.build import cache_key, cache_settings, explain, prepare_cache
from commons.config import load
from commons.contents import every_content
from commons.errors import OperationError
from commons.page_routing import route_pages
from commons.pelican_patches import (
    forget_logged_messages,
    generator_classes,
    run_exit_handlers,
    writer_for,
)
from commons.problems import read_problems
from commons.unicode_controls import terminal_safe

from .plan import Plan, plan_pass, source_digests
from .sync import sync_tree, write_if_changed

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
        if self.model is None:
            return None
        found = self.model.by_source.get(os.path.realpath(source))
        if found is None:
            return None
        generator, old = found
        if old.status not in ("published", "hidden"):
            return None
        self._begin()
        with self._failure_as_preview_error():
            new = self._read(generator, source)
        if new is None or new.status != old.status or new.save_as != old.save_as:
            return None
        # What plugins attached after reading (neighbours, related posts, the
        # thread, frozen URLs) comes from the last full pass; the full pass
        # that follows recomputes it.
        for key, value in vars(old).items():
            vars(new).setdefault(key, value)
        data = self._render_apart(generator, new)
        self.model.by_source[os.path.realpath(source)] = (generator, new)
        written = write_if_changed(self.output / new.save_as, data)
        if written:
            self.rewritten.add(new.save_as)
        return [new.save_as] if written else []

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
        """Build the context here, then fork a child that writes the site into staging.

        The child renders only the pages the change needs (plan.py) unless
        `every_page` (the theme changed) or the change is not one the plan
        handles; every other page keeps the bytes the output holds.
        """
        self.stop_full_pass()
        if self.pelican is None:
            self.load_settings()
        if every_page:
            # Until a pass renders every page and is synced, the output is no
            # model's: a later save that stops this pass renders every page too.
            self.synced = None
        self._begin()
        _forget_rendered_bodies()
        # Before Pelican reads them: a file saved meanwhile differs from its
        # digest at the next pass, and is rendered then.
        sources = source_digests(str(path) for path in self.content.rglob("*") if path.is_file())
        with self._failure_as_preview_error():
            self.model = self._prepare()
        plan = None
        if not every_page and self.synced is not None:
            plan = plan_pass(self.synced, self.model, self.synced_sources, sources)
        if plan is not None:
            plan = Plan(plan.changed, plan.listed, frozenset(self.rewritten))
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        log = self.output.parent / f".preview-log-{self.output.name}"
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: write, then leave without returning to the caller
            self._write_in_child(log, parent, plan)
        self.running = FullPass(
            pid=pid,
            log=log,
            started=time.monotonic(),
            model=self.model,
            sources=sources,
            plan=plan,
        )
        self._compile_templates()

    def _compile_templates(self) -> None:
        # Each pass has a new template environment and readers; read and
        # render one post and one page here (nothing written), while the
        # child writes, so that the next save's page does not wait for
        # templates to compile or Markdown's extensions to load.
        for generator in self.model.generators:
            content = next(iter(every_content(generator)), None)
            if content is None or content.status not in ("published", "hidden"):
                continue
            saved = generator.context.get("localsiteurl")
            try:
                self._read(generator, Path(content.source_path))
                # Under a name no page has: per-page state stays untouched.
                self._render(generator, content, output_file="\x00warm-up")
            except Exception:  # noqa: BLE001 -- only a warm-up: the child reports real failures
                logger.debug("Could not render %s ahead of time", content.source_path)
            finally:
                generator.context["localsiteurl"] = saved

    def _prepare(self) -> Model:
        # Pelican.run up to the writing, with the same signals in the same order.
        settings = self.pelican.settings
        context = settings.copy()
        context["generated_content"] = {}
        context["static_links"] = set()
        context["static_content"] = {}
        context["localsiteurl"] = settings["SITEURL"]
        generators = [
            cls(
                context=context,
                settings=settings,
                path=self.pelican.path,
                theme=self.pelican.theme,
                output_path=self.pelican.output_path,
            )
            for cls in generator_classes(self.pelican)
        ]
        for generator in generators:
            if hasattr(generator, "generate_context"):
                generator.generate_context()
            if hasattr(generator, "check_disabled_readers"):
                generator.check_disabled_readers()
        signals.all_generators_finalized.send(generators)
        for generator in generators:
            if hasattr(generator, "refresh_metadata_intersite_links"):
                generator.refresh_metadata_intersite_links()
        return Model(context=context, generators=generators)

    def _write_in_child(self, log: Path, parent: int, plan: Plan | None) -> None:
        code = 1
        try:
            os.setpgid(0, 0)  # its own group: stopping it stops its workers and Pagefind
            _die_with_parent(parent)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(descriptor, 1)
            os.dup2(descriptor, 2)
            self.recorder.stream = open(descriptor, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            writer = writer_for(self.pelican)
            counts = {"rendered": 0, "kept": 0}
            if plan is not None:
                self._follow_plan(writer, plan, counts)
            for generator in self.model.generators:
                if hasattr(generator, "generate_output"):
                    generator.generate_output(writer)
            signals.finalized.send(self.pelican)
            if plan is None:
                print(PASS_SUMMARY.format(kind="every page"), flush=True)
            else:
                detail = f"{counts['rendered']} pages and feeds rendered, {counts['kept']} kept"
                print(PASS_SUMMARY.format(kind=detail), flush=True)
            code = 0
        except BaseException as error:  # noqa: BLE001 -- the child reports any failure by its exit code
            stream = self.recorder.stream
            print(f"CRITICAL {type(error).__name__}: {error}", file=stream, flush=True)
        finally:
            atexit.unregister(self.stop_full_pass)
            run_exit_handlers()  # plugins' cleanup (the search plugin stops Pagefind)
            os._exit(code)

    def _follow_plan(self, writer, plan: Plan, counts: dict) -> None:
        """Pages and feeds the plan does not render keep the output's bytes."""

        def page_text(template, _context, localcontext) -> str:
            name = localcontext["output_file"]
            if not plan.renders_page(localcontext, name):
                kept = self._kept_text(name)
                if kept is not None:
                    counts["kept"] += 1
                    return kept
            counts["rendered"] += 1
            return template.render(localcontext)

        route_pages(writer, page_text)
        write_feed = writer.write_feed

        def planned_feed(elements, context, path=None, *args, **kwargs):
            kept = self._kept_text(path) if path else None
            if kept is None or plan.renders_feed(elements):
                counts["rendered"] += 1
                return write_feed(elements, context, path, *args, **kwargs)
            counts["kept"] += 1
            target = self.staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(kept, encoding="utf-8")
            return None

        writer.write_feed = planned_feed

    def _kept_text(self, name: str) -> str | None:
        try:
            return (self.output / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            return None

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
