"""Local servers for preview and tests: the static site and Isso.

Each runs as a child process on 127.0.0.1, is waited for until its port
answers, and is stopped by its PID. Both are context managers so that a test
or a task that starts one always stops it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import asdict
from pathlib import Path

from . import REPO_ROOT
from .comments.limits import LIMITS_FILE, Limits

LOOPBACK = "127.0.0.1"
# The local Isso's folder (`bin/serve`, `invoke serve`); its database is ISSO_DB_NAME in it.
LOCAL_ISSO_DATA = REPO_ROOT / ".isso"
ISSO_DB_NAME = "comments.db"


def free_port(host: str = LOOPBACK) -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


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


def stop_process_group(process: subprocess.Popen | None, timeout: float) -> None:
    """Stop a child started in its own session, and everything it forked.

    SIGTERM to the whole group, then SIGKILL if it has not ended in `timeout`
    seconds. A child that already ended (or was never started) is left alone.
    """
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


class ChildServer:
    """A server process started on entry and stopped, by PID, on exit."""

    name = "server"
    # Seconds to wait for the port to answer after starting.
    start_timeout = 20
    # Whether the server's own messages reach this process's terminal.
    show_output = False

    def __init__(self, host: str = LOOPBACK, port: int | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.process: subprocess.Popen | None = None

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

    def start(self, log_file=None) -> ChildServer:
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
            wait_for_port(self.host, self.port, self.process, timeout=self.start_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_process_group(self.process, timeout=10)

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


ISSO_CONFIG = """\
[general]
dbpath = {dbpath}
host =
{hosts}
notify = stdout
log-file =
max-age = 15m

[server]
listen = http://{host}:{port}/
public-endpoint = {public_endpoint}

[moderation]
enabled = {moderation}

[guard]
enabled = {guard}
ratelimit = 2
direct-reply = 3
reply-to-self = true
require-author = false
require-email = false

[markup]
options = strikethrough, superscript, autolink, fenced-code

[rss]
base = {rss_base}
limit = 100

[hash]
salt = Eech7co8Ohloopo9Ol6baimi
algorithm = pbkdf2
"""


class IssoServer(ChildServer):
    """Isso, from PyPI, with an SQLite file, on loopback.

    `site_origins` are the origins allowed to embed it (Isso's CORS list) and
    the only ones the cross-site guard in front of it lets post.
    `guard=False` turns off Isso's rate limit, which tests that post several
    comments in a minute would otherwise trip. `cross_site_guard=False` runs
    Isso alone (`isso run`), for testing a proxy's rule in front of it, and
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
        super().__init__(host, port)
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
        return self.data_dir / "isso.cfg"

    @property
    def db_path(self) -> Path:
        return self.data_dir / ISSO_DB_NAME

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            ISSO_CONFIG.format(
                dbpath=self.db_path,
                hosts="\n".join(f"    {origin}" for origin in self.site_origins),
                host=self.host,
                port=self.port,
                public_endpoint=self.public_endpoint or f"http://{self.host}:{self.port}",
                guard="true" if self.guard else "false",
                moderation="true" if self.moderation else "false",
                rss_base=self.rss_base,
            ),
            encoding="utf-8",
        )
        limits = Limits.of({**asdict(Limits()), **self.limits})
        (self.data_dir / LIMITS_FILE).write_text(limits.to_json(), encoding="utf-8")
        return self.config_path

    def command(self) -> list[str]:
        # Isso behind Commons' cross-site guard (commons/comments/guard.py):
        # only the site's origins, sending JSON, may post.
        self.write_config()
        if not self.cross_site_guard:
            isso = Path(sys.executable).with_name("isso")
            return [str(isso), "-c", str(self.config_path), "run"]
        return [sys.executable, "-m", "commons.comments.serve", str(self.config_path)]
