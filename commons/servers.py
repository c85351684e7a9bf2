"""Local servers for preview and tests: the static site, the preview and Isso.

Each runs as a child process on 127.0.0.1, is waited for until its port
answers, and is stopped by its PID. Both are context managers so that a test
or a task that starts one always stops it.

A server whose port another program holds does not start: `PortInUse` names
the port, the program holding it (when Linux tells) and the variable that
moves the port. And a server that answers must be the one started: another
program that took the port in the meantime is never taken for it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, closing
from dataclasses import asdict
from pathlib import Path

from commons.errors import OperationError

from . import REPO_ROOT
from .comments.isso_config import ISSO_CFG, isso_config, local_profile
from .comments.limits import LIMITS_FILE, Limits
from .ports import PortHolder, port_holders, port_is_free, session_of
from .processes import stop_process_group
from .settings import Integer, Pattern, Schema

LOOPBACK = "127.0.0.1"
# The environment variables that move the local servers' ports (README.md,
# "Quick start"). pelicanconf.py reads them too, for the addresses it derives
# from LOCAL_SERVER (FEED_DOMAIN, the local Isso's url).
SITE_PORT_VARIABLE = "COMMONS_SITE_PORT"
ISSO_PORT_VARIABLE = "COMMONS_ISSO_PORT"
# The ports this process may pick (free_port), for runs side by side.
PORT_SLICE_VARIABLE = "COMMONS_PORT_SLICE"
PORT_SLICE_ATTEMPTS = 32

# Where `invoke serve`, `livereload` and `preview` start the site and Isso.
LOCAL_SERVER_SCHEMA = Schema(
    "LOCAL_SERVER",
    {
        "host": Pattern(
            r"[\w.:-]+",
            "a host name or IP address of this machine, such as 127.0.0.1",
            LOOPBACK,
            help="the address both local servers listen on",
        ),
        "site_port": Integer(
            8000, minimum=1, maximum=65535, env=SITE_PORT_VARIABLE, help="the site's port"
        ),
        "isso_port": Integer(
            8081, minimum=1, maximum=65535, env=ISSO_PORT_VARIABLE, help="the local Isso's port"
        ),
    },
)
# How far above a busy port to look for a free one to suggest.
PORT_SUGGESTION_RANGE = 20
# The local Isso's folder (`bin/serve`, `invoke serve`); its database is ISSO_DB_NAME in it.
LOCAL_ISSO_DATA = REPO_ROOT / ".isso"
ISSO_DB_NAME = "comments.db"


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on now, picked by the kernel.

    With PORT_SLICE_VARIABLE set to "INDEX/COUNT", only a port whose half,
    divided by COUNT, leaves INDEX: processes given different slices (the test
    suite's workers) never pick the same port, which the kernel alone would
    hand to a second process once the first has let it go.
    """
    index, count = port_slice(os.environ.get(PORT_SLICE_VARIABLE, ""))
    # Every socket stays bound until a port of the slice is found, so the
    # kernel offers another port each time.
    with ExitStack() as held:
        for _attempt in range(PORT_SLICE_ATTEMPTS * count):
            sock = held.enter_context(closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)))
            sock.bind((host, 0))
            port = sock.getsockname()[1]
            # By pairs: the kernel offers bind() odd ports (it keeps the even
            # ones for connect()), so the port's own parity would leave a slice
            # of two empty.
            if port // 2 % count == index:
                return port
    raise OperationError(
        f"No free port on {host} in the slice {index}/{count} ({PORT_SLICE_VARIABLE}). "
        "Fix: stop programs that hold many loopback ports, or unset the variable."
    )


def port_slice(value: str) -> tuple[int, int]:
    """PORT_SLICE_VARIABLE's "INDEX/COUNT" as numbers; unset or empty: every port."""
    if not value:
        return 0, 1
    index, _, count = value.partition("/")
    if index.isdigit() and count.isdigit() and int(index) < int(count):
        return int(index), int(count)
    raise OperationError(
        f"{PORT_SLICE_VARIABLE}={value!r} is not a slice of the ports. Fix: give INDEX/COUNT "
        f"with INDEX below COUNT (for example 0/2), or unset it."
    )


def printable(line: str) -> str:
    """A line of a child's output with its control characters escaped, for a terminal."""
    return "".join(
        character if character.isprintable() or character == "\t" else ascii(character)[1:-1]
        for character in line
    )


class PortInUse(OperationError):
    """A server's port is held by another program; the message names it and the fix."""


def busy_port_message(
    name: str, host: str, port: int, variable: str | None, holders: list[PortHolder]
) -> str:
    if holders:
        holder = ", ".join(holder.describe() for holder in holders)
    else:
        holder = (
            f"another program (this user cannot see which: `sudo ss -ltnp 'sport = :{port}'` "
            "shows it)"
        )
    fix = "stop that program"
    if variable:
        suggestion = next(
            (
                candidate
                for candidate in range(port + 1, port + 1 + PORT_SUGGESTION_RANGE)
                if candidate < 65536 and port_is_free(host, candidate)
            ),
            None,
        )
        example = f" (for example {variable}={suggestion})" if suggestion else ""
        fix += f", or set {variable} to a free port{example}"
    return (
        f"Port {port} on {host}, where the {name} server was to listen, is in use by "
        f"{holder}. Nothing was started or built. Fix: {fix}."
    )


def wait_for_port(host: str, port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on {host}:{port} within {timeout:.0f} s")


class ChildServer:
    """A server process started on entry and stopped, by PID, on exit."""

    name = "server"
    # Seconds to wait for the port to answer after starting.
    start_timeout = 20
    # Whether the server's own messages reach this process's terminal.
    show_output = False
    # The environment variable that moves this server's port, named when it is busy.
    port_variable: str | None = None
    # Where its messages go when they do not reach the terminal, so that a
    # server that stops can say why (None: nowhere).
    log_path: Path | None = None
    # How many of its last messages `failure` shows.
    failure_lines = 15
    # How many free ports a server whose port was picked for it tries: another
    # program (a parallel test, a client's outgoing connection) may take a
    # picked port between `free_port` and the server's listening on it.
    picked_port_attempts = 5

    def __init__(self, host: str = LOOPBACK, port: int | None = None):
        self.host = host
        self.port_was_picked = not port
        self.port = port or free_port(host)
        self.process: subprocess.Popen | None = None
        self._own_log = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict | None:
        """The child's environment (None: this process's)."""
        return None

    def busy_port(self) -> PortInUse:
        return PortInUse(
            busy_port_message(
                self.name, self.host, self.port, self.port_variable, port_holders(self.port)
            )
        )

    def check_port(self) -> None:
        """Raise PortInUse when another program listens on this server's port, and
        RuntimeError when this machine cannot listen there at all."""
        try:
            free = port_is_free(self.host, self.port)
        except (OSError, OverflowError) as error:
            fix = f"set {self.port_variable} to another port" if self.port_variable else ""
            raise RuntimeError(
                f"The {self.name} server cannot listen on {self.host}:{self.port}: "
                f"{str(getattr(error, 'strerror', None) or error).rstrip('.')}. Fix: "
                f"{fix or 'choose another port'}, or a host address of this machine "
                f"(LOCAL_SERVER['host'], such as {LOOPBACK})."
            ) from error
        if not free:
            raise self.busy_port()

    def check_answering(self) -> None:
        """Raise PortInUse when the program answering on the port is not this server.

        Its children are in its session (it starts in a session of its own); a
        holder Linux does not show is not held against it.
        """
        holders = port_holders(self.port)
        if holders and all(session_of(holder.pid) != self.process.pid for holder in holders):
            raise self.busy_port()

    def failure(self) -> str:
        """Why the server ended: its exit code or signal, and its last messages."""
        code = self.process.poll() if self.process else None
        if code is None:
            ended = "is still running"
        elif code < 0:
            ended = f"was killed by signal {signal.Signals(-code).name}"
        else:
            ended = f"exited with code {code}"
        if self.log_path is None or not self.log_path.is_file():
            return ended
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        last = [printable(line) for line in lines[-self.failure_lines :]]
        if not last:
            return f"{ended}; its log, {self.log_path}, is empty"
        return f"{ended}; the end of its log, {self.log_path}:\n" + "\n".join(
            f"    {line}" for line in last
        )

    def start(self, log_file=None) -> ChildServer:
        """Start the server and wait until it answers; a picked port that another
        program took first is replaced by another free one."""
        attempts_left = self.picked_port_attempts if self.port_was_picked else 1
        while True:
            attempts_left -= 1
            try:
                return self.start_on_port(log_file)
            except PortInUse:
                if attempts_left == 0:
                    raise
                self.port = free_port(self.host)

    def start_on_port(self, log_file=None) -> ChildServer:
        self.check_port()
        if log_file is None and self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log_file = self._own_log = self.log_path.open("w", encoding="utf-8")
        quiet = None if self.show_output else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            env=self.environment(),
            stdout=log_file or quiet,
            stderr=subprocess.STDOUT if log_file else quiet,
            start_new_session=True,
        )
        try:
            try:
                wait_for_port(self.host, self.port, self.process, timeout=self.start_timeout)
            except RuntimeError as error:
                # Another program took the port between the check and the start.
                if not port_is_free(self.host, self.port):
                    raise self.busy_port() from error
                raise
            self.check_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_process_group(self.process, timeout=10)
        if self._own_log is not None:
            self._own_log.close()
            self._own_log = None

    def __enter__(self) -> ChildServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class StaticSiteServer(ChildServer):
    """Serves a built site folder, optionally with the headers its `_headers` file sets."""

    name = "site"

    def __init__(
        self,
        directory: Path,
        host: str = LOOPBACK,
        port: int | None = None,
        headers_file: str | None = None,
    ):
        super().__init__(host, port)
        self.directory = Path(directory)
        self.headers_file = headers_file

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "commons.static_server",
            str(self.directory),
            "--bind",
            self.host,
            "--port",
            str(self.port),
        ]
        if self.headers_file:
            command += ["--headers", self.headers_file]
        return command


class PreviewServer(ChildServer):
    """The editor's preview (`python -m commons.preview`): the site, rebuilt on every save."""

    name = "site"
    # It answers once the first build is done: minutes for a large site.
    start_timeout = 600
    # The editor reads each save's result and errors in the terminal.
    show_output = True

    def __init__(
        self,
        settings_file: Path,
        content: Path,
        output: Path,
        host: str = LOOPBACK,
        port: int | None = None,
    ):
        super().__init__(host, port)
        self.settings_file = Path(settings_file)
        self.content = Path(content)
        self.output = Path(output)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "commons.preview",
            "--settings",
            str(self.settings_file),
            "--content",
            str(self.content),
            "--output",
            str(self.output),
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]


class GunicornIsso(ChildServer):
    """The one way Commons starts Isso: gunicorn serving `create_app` (commons/comments/
    wsgi.py) for the configuration in `config_dir`, on loopback; `front` is the app's
    front (commons/comments/app.py: "guarded", "local" or "alone")."""

    name = "isso (gunicorn)"

    def __init__(
        self,
        config_dir: Path,
        env: dict,
        host: str = LOOPBACK,
        port: int | None = None,
        workers: int = 2,
        front: str = "guarded",
    ):
        super().__init__(host, port)
        self.config_dir = Path(config_dir)
        self.env = env
        self.workers = workers
        self.front = front

    def environment(self) -> dict:
        return {**os.environ, "ISSO_SETTINGS": str(self.config_dir / ISSO_CFG), **self.env}

    def command(self) -> list[str]:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        app = "commons.comments.wsgi:create_app()"
        if self.front != "guarded":
            app = f"commons.comments.wsgi:create_app(front={self.front!r})"
        return [
            str(gunicorn),
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.workers),
            "--preload",
            "--no-control-socket",
            app,
        ]


class IssoServer(GunicornIsso):
    """A local Isso (`invoke serve`, the tests), from PyPI, with an SQLite file, on
    loopback: the local profile of the one configuration writer
    (commons/comments/isso_config.py), started as every Isso is.

    `site_origins` are the origins allowed to embed it (Isso's CORS list) and
    the only ones the cross-site guard in front of it lets post.
    `guard=False` turns off Isso's rate limit, which tests that post several
    comments in a minute would otherwise trip. `cross_site_guard=False` runs
    Isso alone, for testing a proxy's rule in front of it, and
    `public_endpoint` is then the proxy's address. `moderation=True` holds new
    comments for approval; `rss_base` (the site's address) turns on Isso's
    per-thread Atom feeds (`/feed?uri=`).
    """

    name = "isso"

    def __init__(
        self,
        data_dir: Path,
        site_origins: list[str],
        host: str = LOOPBACK,
        port: int | None = None,
        guard: bool = True,
        cross_site_guard: bool = True,
        public_endpoint: str | None = None,
        moderation: bool = False,
        rss_base: str = "",
        limits: dict | None = None,
    ):
        front = "local" if cross_site_guard else "alone"
        super().__init__(data_dir, {}, host, port, front=front)
        self.data_dir = Path(data_dir)
        self.site_origins = site_origins
        self.guard = guard
        self.cross_site_guard = cross_site_guard
        self.public_endpoint = public_endpoint
        self.moderation = moderation
        self.rss_base = rss_base
        # Commons' spam limits (commons/comments/limits.py); without Isso's
        # guard, tests post many comments a minute, so the rate is lifted too.
        self.limits = {**({} if guard else {"post_rate": 1000}), **(limits or {})}

    @property
    def config_path(self) -> Path:
        return self.data_dir / ISSO_CFG

    @property
    def db_path(self) -> Path:
        return self.data_dir / ISSO_DB_NAME

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        profile = local_profile(
            self.data_dir,
            self.site_origins,
            self.host,
            self.port,
            guard=self.guard,
            public_endpoint=self.public_endpoint,
            moderation=self.moderation,
            rss_base=self.rss_base,
        )
        self.config_path.write_text(isso_config(profile), encoding="utf-8")
        limits = Limits.of({**asdict(Limits()), **self.limits})
        (self.data_dir / LIMITS_FILE).write_text(limits.to_json(), encoding="utf-8")
        return self.config_path

    def command(self) -> list[str]:
        # Written for the port it starts on (a picked port may change).
        self.write_config()
        return super().command()
