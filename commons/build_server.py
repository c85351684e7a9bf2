"""Pelican runs that do not pay Pelican's import each time: a build server for runs
of many builds (the test suite), and `run_pelican`, the one way Commons starts Pelican.

A build imports Pelican, Markdown, docutils, Jinja, Pygments and Commons'
plugins before it reads a file: about 0.3 s of CPU of a 0.5 s build of a small
site. The server (`python -m commons.build_server --socket PATH`) imports them
once, then forks one child per build; the child becomes `python -m pelican`
with the caller's arguments, folder, environment and file descriptors, and
its exit status goes back to the caller. The server itself never builds and
never reads a settings file (settings files read the environment when they
run: each child runs them afresh, as Pelican does).

`run_pelican` uses a server only when the build's environment names its socket
(BUILD_SERVER_VARIABLE) and the server can give exactly what a new process
would: the same interpreter, the same checkout, the same variables that the
preloaded modules read at import (FROZEN_VARIABLES), the caller's user,
session, limits and priority. Anything else (no variable, a copy of the
checkout, an installed wheel, a caller in its own session) runs a new process,
as before.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib
import io
import json
import locale
import logging
import os
import resource
import runpy
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OperationError
from .layout import CHECKOUT_ROOT, PACKAGE_DIR, in_checkout

# The socket of the build server this process's builds may use.
BUILD_SERVER_VARIABLE = "COMMONS_BUILD_SERVER"

# What the server imports once. Pelican's modules (docutils, Jinja, rich and
# dateutil come with them), the Markdown extensions Commons' settings name,
# the plugin pelican-more-categories, and (from a checkout) every plugin
# package under plugins/. Never a settings file, nor commons.defaults, whose
# values are read from the environment when it is imported (SETTINGS_MODULES).
PRELOADED = (
    "pelican",
    "pelican.generators",
    "pelican.readers",
    "pelican.writers",
    "pelican.settings",
    "pelican.log",
    "pelican.plugins.more_categories",
    "rich.status",
    "markdown",
    "markdown.extensions.codehilite",
    "markdown.extensions.extra",
    "markdown.extensions.meta",
    "markdown.extensions.toc",
)
SETTINGS_MODULES = ("commons.defaults", "pelicanconf", "publishconf")

# Environment variables that Python reads when it starts (PYTHON…, the
# locale), and those the preloaded modules read when they are imported: rich's
# console in pelican.log (COLUMNS, LINES, the colour switches), gettext's
# language, sysconfig's HOME, xml.sax's parser, the site root commons/ reads
# (COMMONS_SITE). A child would keep the server's values of these, so a build
# whose environment differs in one runs in a new process.
# tests/unit/test_build_server.py fails when a preloaded module reads another.
FROZEN_VARIABLES = frozenset(
    {
        "HOME",
        "LANG",
        "LANGUAGE",
        "COLUMNS",
        "LINES",
        "FORCE_COLOR",
        "NO_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "PY_SAX_PARSER",
        "COMMONS_SITE",
    }
)
FROZEN_PREFIXES = ("PYTHON", "_PYTHON", "LC_")

# One request or reply per packet: SOCK_SEQPACKET keeps their boundaries.
MAX_PACKET = 1 << 20
# The caller's pipes for stdout and stderr, then its pass_fds.
MAX_FDS = 64
LISTEN_BACKLOG = 64
# Signals that stop the server (it lets its running builds end first).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# A new Python ignores these whatever it inherited (and subprocess restores
# them to the default before it starts one).
IGNORED_BY_PYTHON = (signal.SIGPIPE, signal.SIGXFSZ)
UNCATCHABLE = (signal.SIGKILL, signal.SIGSTOP)
# Limits a child keeps from the server: a caller with other limits gets a new process.
LIMITS = tuple(
    getattr(resource, name)
    for name in dir(resource)
    if name.startswith("RLIMIT_") and name != "RLIMIT_NLIMITS"
)

logger = logging.getLogger(__name__)


class BuildServerLost(OperationError):
    """The build server ended before the build it started: its outcome is unknown."""


def is_frozen(name: str) -> bool:
    """Whether a child would keep the server's value of environment variable `name`."""
    return name in FROZEN_VARIABLES or name.startswith(FROZEN_PREFIXES)


def frozen_environment(environment: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in environment.items() if is_frozen(name)}


# ------------------------------------------------------------------ the seam


def run_pelican(
    command: Sequence[str],
    *,
    cwd: Path | str,
    env: dict[str, str],
    pass_fds: Sequence[int] = (),
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run `command` (`python -m pelican …`, commons.build.pelican_command) as
    `subprocess.run(command, cwd=cwd, env=env, pass_fds=pass_fds,
    stdin=DEVNULL, capture_output=True, text=True, timeout=timeout)` would,
    through the build server `env` names when it can give exactly that, else in
    a new process. Pelican reads nothing from its input: /dev/null either way."""
    command = [str(part) for part in command]
    socket_path = env.get(BUILD_SERVER_VARIABLE, "")
    if socket_path and command[:3] == [sys.executable, "-m", "pelican"]:
        completed = run_through_server(
            Path(socket_path), command, Path(cwd), env, tuple(pass_fds), timeout
        )
        if completed is not None:
            return completed
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        pass_fds=tuple(pass_fds),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_through_server(
    socket_path: Path,
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    pass_fds: tuple[int, ...],
    timeout: float | None,
) -> subprocess.CompletedProcess | None:
    """The build, run by the server at `socket_path`; None when the server is not
    there or cannot run it as a new process would (the caller then starts one)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        client.connect(os.fspath(socket_path))
    except OSError as error:
        client.close()
        logger.debug("No build server at %s (%s): a new process builds.", socket_path, error)
        return None
    request = {
        "executable": sys.executable,
        "package": str(PACKAGE_DIR),
        "arguments": command[3:],
        "cwd": os.path.realpath(cwd),
        "env": dict(env),
        # The numbers the child holds them at, as in this process (pass_fds).
        "pass": list(pass_fds),
        # The calling thread's: a new process inherits it.
        "blocked": sorted(int(number) for number in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    }
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        socket.send_fds(client, [json.dumps(request).encode()], [out_write, err_write, *pass_fds])
    except OSError as error:
        for descriptor in (out_read, out_write, err_read, err_write):
            os.close(descriptor)
        client.close()
        logger.debug("The build server at %s refused the request (%s).", socket_path, error)
        return None
    os.close(out_write)
    os.close(err_write)
    return BuildExchange(client, out_read, err_read, command, timeout).finish()


@dataclass
class BuildExchange:
    """The caller's side of one build: its output read as it comes, the reply, a timeout."""

    client: socket.socket
    out_read: int
    err_read: int
    command: list[str]
    timeout: float | None
    output: dict[int, bytearray] = field(default_factory=dict)

    def finish(self) -> subprocess.CompletedProcess | None:
        selector = selectors.DefaultSelector()
        try:
            return self._exchange(selector)
        finally:
            selector.close()
            self.client.close()
            for descriptor in (self.out_read, self.err_read):
                with contextlib.suppress(OSError):
                    os.close(descriptor)

    def _exchange(self, selector: selectors.BaseSelector) -> subprocess.CompletedProcess | None:
        for descriptor in (self.out_read, self.err_read):
            self.output[descriptor] = bytearray()
            selector.register(descriptor, selectors.EVENT_READ)
        selector.register(self.client, selectors.EVENT_READ)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        reply = None
        killed = False
        open_pipes = {self.out_read, self.err_read}
        while reply is None or open_pipes:
            wait = None if deadline is None or killed else max(0.0, deadline - time.monotonic())
            events = selector.select(wait)
            if not events and not killed:
                # The caller's timeout: the child is killed, as subprocess.run kills it.
                self.client.send(b'{"kill": true}')
                killed = True
            for key, _mask in events:
                if key.fileobj is self.client:
                    packet = self.client.recv(MAX_PACKET)
                    selector.unregister(self.client)
                    if not packet:
                        raise BuildServerLost(self._lost_sentence())
                    reply = json.loads(packet)
                    if "refused" in reply:
                        logger.debug("The build server runs no build: %s", reply["refused"])
                        return None
                    continue
                chunk = os.read(key.fd, 65536)
                if chunk:
                    self.output[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    open_pipes.discard(key.fd)
        stdout, stderr = (self._text(self.output[fd]) for fd in (self.out_read, self.err_read))
        if killed:
            raise subprocess.TimeoutExpired(self.command, self.timeout, stdout, stderr)
        return subprocess.CompletedProcess(self.command, reply["returncode"], stdout, stderr)

    def _lost_sentence(self) -> str:
        return (
            "The build server stopped before the build it ran had ended, so its "
            "outcome is unknown. Fix: build again; unset "
            f"{BUILD_SERVER_VARIABLE} to build without a server."
        )

    @staticmethod
    def _text(data: bytearray) -> str:
        # As subprocess.run(text=True) decodes: the locale's encoding, universal newlines.
        return io.TextIOWrapper(
            io.BytesIO(bytes(data)), encoding=locale.getpreferredencoding(False)
        ).read()


# ------------------------------------------------------------------ the server


def preload() -> None:
    """Import what every build imports; refuse to serve if a settings module came
    with it, or a thread (a fork copies only the thread that forks)."""
    for name in PRELOADED:
        importlib.import_module(name)
    if in_checkout():
        for folder in sorted((CHECKOUT_ROOT / "plugins").iterdir()):
            if (folder / "__init__.py").is_file():
                importlib.import_module(f"plugins.{folder.name}")
    loaded = [name for name in SETTINGS_MODULES if name in sys.modules]
    if loaded:
        raise OperationError(
            f"The build server imported {', '.join(loaded)} with the modules it preloads, "
            "and would give every build the values read then. Fix: import it inside the "
            "function that needs it, not at the top of a plugin's module."
        )
    if threading.active_count() != 1:
        raise OperationError(
            "A module the build server preloads started a thread, which a forked build "
            "would not have. Fix: start it when the build needs it, not at import."
        )


@dataclass(frozen=True)
class Request:
    """One build: its arguments to Pelican, folder and environment, the descriptors
    the caller sent (stdout, stderr, then `pass_fds` in order, at these numbers),
    and what the child takes over from the caller."""

    arguments: list[str]
    cwd: str
    env: dict[str, str]
    received: list[int]
    pass_numbers: list[int]
    pgid: int
    umask: int
    ignored: frozenset[int]
    blocked: frozenset[int]
    affinity: frozenset[int]


@dataclass
class Running:
    pid: int
    pidfd: int
    connection: socket.socket | None


class BuildServer:
    """The listening socket and the running builds, in one thread with one selector."""

    def __init__(self, socket_path: Path, parent: int):
        self.socket_path = socket_path
        self.environment = dict(os.environ)
        # `python -m` imports first from the folder it starts in (the server's
        # and Pelican's alike): a child imports as a new process would only if
        # it is asked to run from there too.
        self.import_root = os.path.realpath(os.getcwd())
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, Running] = {}
        self.pending: set[socket.socket] = set()
        self.wakeup_read, self.wakeup_write = socket.socketpair()
        for end in (self.wakeup_read, self.wakeup_write):
            end.setblocking(False)
        # A handler of Python's own, so that the signal reaches the wakeup
        # socket, and the loop stops between two events, never inside one.
        for number in STOP_SIGNALS:
            signal.signal(number, lambda *_: None)
        signal.set_wakeup_fd(self.wakeup_write.fileno())
        self.selector.register(self.wakeup_read, selectors.EVENT_READ, "signal")
        self.parent_pidfd = os.pidfd_open(parent)
        self.selector.register(self.parent_pidfd, selectors.EVENT_READ, "parent")
        self.listener: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(os.fspath(socket_path))
        os.chmod(socket_path, 0o600)
        self.listener.listen(LISTEN_BACKLOG)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, "listener")

    def serve(self) -> Request | None:
        """Serve until stopped and every build it started has ended (None), or, in
        a forked child, return that child's build."""
        while self.listener is not None or self.running or self.pending:
            for key, _mask in self.selector.select():
                forked = self._handle(key)
                if forked is not None:
                    return forked
        return None

    def _handle(self, key: selectors.SelectorKey) -> Request | None:
        role = key.data
        if role == "listener" and self.listener is not None:
            with contextlib.suppress(BlockingIOError):
                connection, _address = self.listener.accept()
                connection.setblocking(True)
                self.pending.add(connection)
                self.selector.register(connection, selectors.EVENT_READ, "request")
        elif role == "request":
            return self._start(key.fileobj)
        elif role == "signal":
            with contextlib.suppress(BlockingIOError):
                self.wakeup_read.recv(512)
            self.stop_listening()
        elif role == "parent":
            self.selector.unregister(self.parent_pidfd)
            self.stop_listening()
        elif isinstance(role, Running):
            self._from_caller(role)
        elif role == "child":
            self._reap(self.running.pop(key.fd))
        return None

    def _start(self, connection: socket.socket) -> Request | None:
        self.selector.unregister(connection)
        self.pending.discard(connection)
        try:
            packet, received, flags, _address = socket.recv_fds(connection, MAX_PACKET, MAX_FDS)
        except OSError:
            connection.close()
            return None
        truncated = flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC)
        try:
            request = (
                None if truncated or not packet else self._request(connection, packet, received)
            )
        except (ValueError, KeyError, TypeError, OSError) as error:
            request = f"the request cannot be read ({error})"
        if isinstance(request, str) or request is None:
            for descriptor in received:
                os.close(descriptor)
            with contextlib.suppress(OSError):
                connection.send(json.dumps({"refused": request or "empty request"}).encode())
            connection.close()
            return None
        return self._fork(connection, request)

    def _request(
        self, connection: socket.socket, packet: bytes, received: list[int]
    ) -> Request | str:
        """The Request, or why a new process must run it instead (a sentence)."""
        asked = json.loads(packet)
        pid, uid, gid = struct.unpack(
            "3i",
            connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")),
        )
        status = caller_status(pid)
        refusal = self._refusal(asked, pid, uid, gid, status, received)
        if refusal:
            return refusal
        return Request(
            arguments=[str(argument) for argument in asked["arguments"]],
            cwd=asked["cwd"],
            env={str(name): str(value) for name, value in asked["env"].items()},
            received=received,
            pass_numbers=[int(number) for number in asked["pass"]],
            pgid=os.getpgid(pid),
            umask=int(status["Umask"], 8),
            ignored=signal_set(status["SigIgn"]),
            blocked=frozenset(int(number) for number in asked["blocked"]),
            affinity=frozenset(os.sched_getaffinity(pid)),
        )

    def _refusal(self, asked, pid, uid, gid, status, received) -> str:
        if asked["executable"] != sys.executable:
            return f"another interpreter ({asked['executable']}, this server runs {sys.executable})"
        if asked["package"] != str(PACKAGE_DIR):
            return f"another checkout ({asked['package']}, this server runs {PACKAGE_DIR})"
        if asked["cwd"] != self.import_root:
            return f"another folder ({asked['cwd']}, this server imports from {self.import_root})"
        if frozen_environment(asked["env"]) != frozen_environment(self.environment):
            differing = sorted(
                set(frozen_environment(asked["env"]).items())
                ^ set(frozen_environment(self.environment).items())
            )
            return f"variables read at start differ: {sorted({name for name, _ in differing})}"
        if (uid, gid) != (os.getuid(), os.getgid()) or status["Groups"].split() != [
            str(group) for group in sorted(os.getgroups())
        ]:
            return "another user or groups"
        if os.getsid(pid) != os.getsid(0):
            return "a caller in another session"
        if os.getpriority(os.PRIO_PROCESS, pid) != os.getpriority(os.PRIO_PROCESS, 0):
            return "another priority"
        if any(resource.prlimit(pid, limit) != resource.getrlimit(limit) for limit in LIMITS):
            return "other resource limits"
        if len(received) != 2 + len(asked["pass"]):
            return "not the descriptors the request names"
        return ""

    def _fork(self, connection: socket.socket, request: Request) -> Request | None:
        sys.stdout.flush()
        sys.stderr.flush()
        # No stop signal reaches the child before it has dropped the server's handlers.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:
            return request
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        with contextlib.suppress(OSError):
            # Also from here, so that the caller's group holds it from the start.
            os.setpgid(pid, request.pgid)
        for descriptor in request.received:
            os.close(descriptor)
        pidfd = os.pidfd_open(pid)
        running = Running(pid, pidfd, connection)
        self.running[pidfd] = running
        self.selector.register(pidfd, selectors.EVENT_READ, "child")
        self.selector.register(connection, selectors.EVENT_READ, running)
        return None

    def _from_caller(self, running: Running) -> None:
        """A message from a caller whose build runs: kill it (its timeout), or the
        caller went away (its build goes on, as a new process would)."""
        packet = b""
        with contextlib.suppress(OSError):
            packet = running.connection.recv(MAX_PACKET)
        if packet and json.loads(packet).get("kill"):
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(running.pidfd, signal.SIGKILL)
            return
        self.selector.unregister(running.connection)
        running.connection.close()
        running.connection = None

    def _reap(self, running: Running) -> None:
        self.selector.unregister(running.pidfd)
        _pid, status = os.waitpid(running.pid, 0)
        os.close(running.pidfd)
        if running.connection is not None:
            self.selector.unregister(running.connection)
            with contextlib.suppress(OSError):
                running.connection.send(
                    json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode()
                )
            running.connection.close()

    def stop_listening(self) -> None:
        """No new builds; those running end (serve returns when they have)."""
        if self.listener is None:
            return
        self.selector.unregister(self.listener)
        self.listener.close()
        self.listener = None
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        for connection in list(self.pending):
            self.selector.unregister(connection)
            with contextlib.suppress(OSError):
                connection.send(b'{"refused": "the build server is stopping"}')
            connection.close()
        self.pending.clear()

    def close(self) -> None:
        """The server's end: its socket file removed, every descriptor closed."""
        self.stop_listening()
        self.forget()

    def forget(self) -> None:
        """Close the server's descriptors, leaving its socket file (a child's start)."""
        signal.set_wakeup_fd(-1)
        if self.listener is not None:
            self.listener.close()
        for running in self.running.values():
            os.close(running.pidfd)
            if running.connection is not None:
                running.connection.close()
        for connection in self.pending:
            connection.close()
        with contextlib.suppress(OSError):
            os.close(self.parent_pidfd)
        self.selector.close()
        self.wakeup_read.close()
        self.wakeup_write.close()


def caller_status(pid: int) -> dict[str, str]:
    """The fields of /proc/PID/status (Umask, SigIgn, Groups…)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def signal_set(mask: str) -> frozenset[int]:
    """The signal numbers of a /proc status mask (hexadecimal, bit n-1 for signal n)."""
    bits = int(mask, 16)
    return frozenset(
        number for number in range(1, bits.bit_length() + 1) if bits >> (number - 1) & 1
    )


# ------------------------------------------------------------------ the child


def become_the_build(server: BuildServer, request: Request) -> None:
    """In the forked child: drop the server, take on the caller's process state as a
    new process started by subprocess would have it, then run Pelican's own
    command line. Returns when Pelican does (an exit raises SystemExit)."""
    server.forget()
    reset_signals(request.ignored)
    os.setpgid(0, request.pgid)
    place_descriptors(request.received, [1, 2, *request.pass_numbers])
    os.chdir(request.cwd)
    os.environ.clear()
    os.environ.update(request.env)
    time.tzset()
    os.umask(request.umask)
    os.sched_setaffinity(0, request.affinity)
    sys.argv = ["-m", *request.arguments]
    signal.pthread_sigmask(signal.SIG_SETMASK, request.blocked)
    runpy.run_module("pelican", run_name="__main__", alter_sys=True)


def reset_signals(ignored: Iterable[int]) -> None:
    """Every signal as a new Python started by the caller has it: ignored where the
    caller ignores it, else the default; SIGINT raises KeyboardInterrupt; SIGPIPE and
    SIGXFSZ are ignored (Python's start)."""
    ignored = set(ignored)
    for number in signal.valid_signals():
        if number in UNCATCHABLE:
            continue
        disposition = signal.SIG_IGN if number in ignored else signal.SIG_DFL
        if number == signal.SIGINT and number not in ignored:
            disposition = signal.default_int_handler
        if number in IGNORED_BY_PYTHON:
            disposition = signal.SIG_IGN
        # Real-time signals the C library keeps for itself refuse a handler.
        with contextlib.suppress(OSError, ValueError):
            signal.signal(number, disposition)


def place_descriptors(received: list[int], targets: list[int]) -> None:
    """Put each received descriptor at its target number, stdin on /dev/null, and
    close every other descriptor, as subprocess does (close_fds, pass_fds)."""
    above = max([2, *targets, *received]) + 1
    moved = [fcntl.fcntl(descriptor, fcntl.F_DUPFD_CLOEXEC, above) for descriptor in received]
    for descriptor in received:
        os.close(descriptor)
    for descriptor, target in zip(moved, targets, strict=True):
        os.dup2(descriptor, target)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    keep = {0, 1, 2, *targets}
    for name in os.listdir("/proc/self/fd"):
        descriptor = int(name)
        if descriptor not in keep:
            with contextlib.suppress(OSError):
                os.close(descriptor)


def main(argv: list[str] | None = None) -> int | None:
    parser = argparse.ArgumentParser(
        prog="python -m commons.build_server",
        description="Fork each Pelican build from one process that has imported Pelican "
        f"and Commons' plugins; builds use it where {BUILD_SERVER_VARIABLE} names its socket.",
    )
    parser.add_argument("--socket", required=True, type=Path, help="the socket to listen on")
    parser.add_argument(
        "--parent",
        type=int,
        default=os.getppid(),
        help="stop when this process ends (default: the one that started the server)",
    )
    arguments = parser.parse_args(argv)
    preload()
    server = BuildServer(arguments.socket, arguments.parent)
    try:
        request = server.serve()
    except BaseException:
        server.close()
        raise
    if request is None:
        server.close()
        return 0
    # The forked child: it never returns into the server's loop, and ends as
    # `python -m pelican` ends, through the interpreter's own shutdown.
    become_the_build(server, request)
    return None


if __name__ == "__main__":
    sys.exit(main())
