"""The preview server: the site on 127.0.0.1, an event stream, and the rebuild loop.

`python -m commons.preview --port 8000 [--settings pelicanconf.py] [--content
content] [--output output]` serves `output/` on 127.0.0.1 and, in every HTML
page it serves (not in the files), adds one script, `/__commons/preview/client.js`.
That script listens to `/__commons/preview/events` (Server-Sent Events) and
reloads the page when its file changed, or shows a failed save's error over
it. Nothing is loaded from another origin.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from commons.loopback import LoopbackHostMixin, allowed_hosts

from .engine import PreviewError, WarmSite, install_fatal_logging
from .watch import Change, classify, watch_changes

PREFIX = "/__commons/preview/"
CLIENT_JS = Path(__file__).with_name("client.js")
SCRIPT_TAG = b'<script src="/__commons/preview/client.js" defer></script>'
SOCKET_ENV = "COMMONS_PREVIEW_SOCKET_FD"
# More changed files than this and every open page reloads.
MAX_LISTED_PATHS = 500
# Files a reader opens at their own address (pages, feeds, the sitemap, robots.txt).
DOCUMENT_SUFFIXES = (".html", ".xml", ".txt")


class Hub:
    """The browsers listening for events, and the state a newly opened page needs."""

    def __init__(self, server_id: str):
        self.server_id = server_id
        self.error: str | None = None
        # True while a save is being built (read by benchmarks and tests).
        self.busy = False
        # How many times the preview came to rest after handling saves.
        self.rests = 0
        self._lock = threading.Lock()
        self._listeners: list[queue.Queue] = []

    def subscribe(self) -> queue.Queue:
        listener: queue.Queue = queue.Queue()
        with self._lock:
            self._listeners.append(listener)
            listener.put(("hello", {"server": self.server_id, "error": self.error}))
        return listener

    def unsubscribe(self, listener: queue.Queue) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, event: str, data: dict) -> None:
        with self._lock:
            if event == "error-report":
                self.error = data["message"]
            elif event == "ok":
                self.error = None
            for listener in self._listeners:
                listener.put((event, data))

    def reload(self, paths: list[str]) -> None:
        # A stylesheet, a script or an image may show on any page: every page
        # reloads. A document (a page, a feed, the sitemap) reloads only where
        # it is open, so a save that changed the feeds does not reload the
        # post's page once more after its own update.
        assets = any(not path.endswith(DOCUMENT_SUFFIXES) for path in paths)
        listed = assets or len(paths) > MAX_LISTED_PATHS
        self.publish("reload", {"paths": ["*"] if listed else paths})


class PreviewHandler(LoopbackHostMixin, SimpleHTTPRequestHandler):
    hub: Hub

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == PREFIX + "events":
            self._events()
        elif path == PREFIX + "status":
            hub = self.hub
            state = {"busy": hub.busy, "rests": hub.rests, "error": hub.error}
            self._send(json.dumps(state).encode("utf-8"), "application/json")
        elif path == PREFIX + "client.js":
            self._send(CLIENT_JS.read_bytes(), "text/javascript; charset=utf-8")
        elif path.startswith(PREFIX):
            self.send_error(404)
        else:
            self._file()

    def _file(self) -> None:
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                super().do_GET()  # the redirect to the folder's address
                return
            target = target / "index.html"
        if target.suffix != ".html" or not target.is_file():
            super().do_GET()
            return
        try:
            body = target.read_bytes()
        except OSError:
            self.send_error(404)
            return
        end = body.rfind(b"</body>")
        body = body[:end] + SCRIPT_TAG + body[end:] if end != -1 else body + SCRIPT_TAG
        self._send(body, "text/html; charset=utf-8")

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        listener = self.hub.subscribe()
        try:
            while True:
                try:
                    event, data = listener.get(timeout=15)
                    message = f"event: {event}\ndata: {json.dumps(data)}\n\n"
                except queue.Empty:
                    message = ": still here\n\n"
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except OSError:
            pass  # the page went away
        finally:
            self.hub.unsubscribe(listener)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args) -> None:
        pass


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True


def make_server(directory: Path, hub: Hub, host: str, port: int) -> PreviewHTTPServer:
    handler = type("Handler", (PreviewHandler,), {"hub": hub, "allowed_hosts": allowed_hosts(host)})
    factory = functools.partial(handler, directory=str(directory))
    inherited = os.environ.get(SOCKET_ENV)
    if inherited:
        # Re-executed after a plugin change: keep serving on the same socket.
        server = PreviewHTTPServer((host, port), factory, bind_and_activate=False)
        server.socket.close()
        server.socket = socket.socket(fileno=int(inherited))
        server.server_address = server.socket.getsockname()
        return server
    return PreviewHTTPServer((host, port), factory)


def say(message: str) -> None:
    print(message, flush=True)


class Preview:
    """The loop: watch, show the changed page first, then bring the whole site up to date."""

    def __init__(self, site: WarmSite, hub: Hub, watched: list[Path], code: list[Path]):
        self.site = site
        self.hub = hub
        self.watched = watched
        self.code = code
        self.started: float | None = None

    def report(self, error: PreviewError) -> None:
        print(f"{error}", file=sys.stderr, flush=True)
        self.hub.publish("error-report", {"message": str(error)})

    def full_pass(self, every_page: bool = False) -> None:
        self.started = time.monotonic()
        try:
            self.site.start_full_pass(every_page=every_page)
        except PreviewError as error:
            self.report(error)

    def finish(self) -> None:
        try:
            changed = self.site.finish_full_pass()
        except PreviewError as error:
            self.report(error)
            return
        elapsed = time.monotonic() - (self.started or time.monotonic())
        summary = self.site.last_summary.removeprefix("Pass: ").rstrip(".")
        say(f"Site up to date in {elapsed:.1f} s: {len(changed)} files changed ({summary}).")
        self.hub.publish("ok", {})
        if changed:
            self.hub.reload(changed)

    def on_changes(self, changes: set[Change]) -> bool:
        """Handle a batch of saved files; False when the process must restart."""
        kind = classify(changes, self.site, self.code)
        if kind == "code":
            return False
        self.site.stop_full_pass()
        if kind == "settings":
            try:
                self.site.load_settings()
            except PreviewError as error:
                self.report(error)
                return True
        elif kind == "content":
            self.show_pages_first(changes)
            if self.catch_up(changes):
                return True
        # A template or stylesheet may show on any page: every page is rendered.
        self.full_pass(every_page=kind != "content")
        return True

    def catch_up(self, changes: set[Change]) -> bool:
        """The rest of the site from the resident model; False when the save is
        not one it takes (said on the terminal: the whole model is made again)."""
        started = time.monotonic()
        if len(changes) > 1:
            self.site.abandon_resident()
            reason = f"{len(changes)} files changed"
        else:
            try:
                changed = self.site.catch_up()
            except PreviewError as error:
                self.report(error)
                return True
            if changed is not None:
                elapsed = time.monotonic() - started
                summary = self.site.last_summary.removeprefix("Pass: ").rstrip(".")
                say(
                    f"Site up to date in {elapsed:.1f} s: {len(changed)} files changed ({summary})."
                )
                self.hub.publish("ok", {})
                if changed:
                    self.hub.reload(changed)
                return True
            change = next(iter(changes))
            why = self.site.resident_refusal or f"it was {change.kind}"
            reason = f"{change.path.name}: {why}"
        say(f"{reason}; building the site model again.")
        return False

    def show_pages_first(self, changes: set[Change]) -> None:
        self.site.abandon_resident()
        self.site.resident_refusal = ""
        for change in sorted(changes):
            if change.kind != "modified" or change.path.suffix not in (".md", ".markdown"):
                continue
            started = time.monotonic()
            try:
                written = self.site.refresh_page(change.path)
            except PreviewError as error:
                self.report(error)
                return
            if written is None:
                continue
            self.hub.publish("ok", {})
            if written:
                self.hub.reload(written)
            say(
                f"{change.path.name}: {', '.join(written) or 'its page is unchanged'} "
                f"in {time.monotonic() - started:.2f} s; updating the rest of the site."
            )

    def run(self, changes_seen) -> bool:
        """Run until the watch stops (True) or the code changed (False: re-execute)."""
        for changes in changes_seen:
            if changes:
                self.hub.busy = True
                if not self.on_changes(changes):
                    return False
            if self.site.poll_full_pass():
                self.finish()
            was_busy, self.hub.busy = self.hub.busy, self.site.running is not None
            if was_busy and not self.hub.busy:
                self.hub.rests += 1
        return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from commons import CONTENT_DIR, DEFAULT_OUTPUT, DEV_SETTINGS

    parser = argparse.ArgumentParser(prog="python -m commons.preview", description=__doc__)
    parser.add_argument("--settings", type=Path, default=DEV_SETTINGS)
    parser.add_argument("--content", type=Path, default=CONTENT_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--theme", type=Path, default=None, help="the theme folder to watch (default: THEME)"
    )
    parser.add_argument(
        "--plugins",
        type=Path,
        action="append",
        default=None,
        help="a plugin folder to watch (default: PLUGIN_PATHS); a change restarts the preview",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:

    args = parse_args(argv)
    recorder = install_fatal_logging(None)  # errors are printed once, by Preview.report
    site = WarmSite(args.settings, args.content, args.output, recorder)
    hub = Hub(f"{os.getpid()}-{time.time_ns()}")
    args.output.mkdir(parents=True, exist_ok=True)
    server = make_server(args.output.resolve(), hub, args.host, args.port)
    preview = Preview(site, hub, [], [])
    stop = threading.Event()

    def interrupt(signum, frame):
        # Stop whatever runs, even a long first build, at once.
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGHUP, interrupt)

    try:
        finished = _serve(args, site, hub, preview, server, stop)
    except KeyboardInterrupt:
        finished = True
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: stop.set())  # cleaning up: no second stop
    site.stop_full_pass()
    if finished:
        if getattr(server, "serving", False):
            server.shutdown()
        server.server_close()
        say("Stopped.")
        return 0
    say("Plugin code changed: restarting the preview.")
    descriptor = server.socket.fileno()
    os.set_inheritable(descriptor, True)
    environment = {**os.environ, SOCKET_ENV: str(descriptor)}
    os.execve(sys.executable, [sys.executable, "-m", "commons.preview", *sys.argv[1:]], environment)
    return 1  # not reached


def code_paths(plugin_paths: list, settings_file: Path) -> list[Path]:
    """What cannot be reloaded in a running preview, so that a change restarts it.

    Commons' plugins and machinery and any PLUGIN_PATHS folder (modules stay
    imported), and Commons' settings files other than the one the preview
    reads: a settings file that imports one of them (`from pelicanconf import
    *`) gets the module imported the first time.
    """
    from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT

    folders = [*plugin_paths, REPO_ROOT / "plugins", REPO_ROOT / "commons"]
    settings = [path for path in (DEV_SETTINGS, PUBLISH_SETTINGS) if path != settings_file]
    return list(dict.fromkeys(Path(path).resolve() for path in [*folders, *settings]))


def _serve(args, site: WarmSite, hub: Hub, preview: Preview, server, stop) -> bool:
    """The first build, then the loop; True when stopped, False when the code changed."""
    from commons import REPO_ROOT

    started = time.monotonic()
    try:
        site.load_settings()
    except PreviewError as error:
        preview.report(error)
    settings = site.pelican.settings if site.pelican else {}
    preview.code = code_paths(args.plugins or settings.get("PLUGIN_PATHS", []), site.settings_file)
    theme = args.theme or settings.get("THEME") or REPO_ROOT / "theme"
    watched = [args.content, theme, *preview.code, args.settings]
    preview.watched = [Path(path).resolve() for path in watched if Path(path).exists()]
    # Watch from before the first build: a save made while it runs, or just
    # after, is seen (the watcher starts with the first step of the iteration).
    changes_seen = watch_changes(preview.watched, stop)
    next(changes_seen)
    try:
        site.start_full_pass()
        changed = site.wait_full_pass()
        elapsed = time.monotonic() - started
        say(f"Built {args.output} in {elapsed:.1f} s ({len(changed)} files changed).")
    except PreviewError as error:
        preview.report(error)
    threading.Thread(target=server.serve_forever, name="preview-http", daemon=True).start()
    server.serving = True
    say(f"Preview: http://{args.host}:{server.server_address[1]}/ (pid {os.getpid()})")
    return preview.run(changes_seen)
