"""A busy port is never taken for a working server: `invoke serve`, `livereload`
and `preview` stop at once, before building, naming the port, the program that
holds it and the variable that moves it; and a server that answers must be
the one started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commons import DEFAULT_OUTPUT
from commons.servers import (
    SITE_PORT_VARIABLE,
    ChildServer,
    PortInUse,
    StaticSiteServer,
    free_port,
    wait_for_port,
)
from tests.conftest import TASK_CHECKOUT, start_invoke_task

# Where each task builds, in its checkout: it must be left as it was.
OUTPUTS = {
    "serve": DEFAULT_OUTPUT.name,
    "livereload": DEFAULT_OUTPUT.name,
    "preview": "output-preview",
}
# A task that stops at once still imports Pelican and reads its settings.
QUICKLY = 30


def state(path: Path):
    """What replacing or writing the folder would change."""
    if not path.exists():
        return None
    index = path / "index.html"
    return (
        path.stat().st_ino,
        path.stat().st_mtime_ns,
        index.stat().st_mtime_ns if index.exists() else None,
    )


@pytest.fixture
def other_program():
    """Another program (a small Python listener) holding a port on 127.0.0.1."""
    port = free_port()
    listener = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket, sys, time\n"
            "s = socket.socket()\n"
            f"s.bind(('127.0.0.1', {port}))\n"
            "s.listen()\n"
            "print('listening', flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout.readline().strip() == "listening"
        yield port, listener.pid
    finally:
        listener.kill()
        listener.wait(timeout=10)


@pytest.mark.parametrize("task_name", ["serve", "livereload", "preview"])
@pytest.mark.parametrize("variable", ["COMMONS_SITE_PORT", "COMMONS_ISSO_PORT"])
def test_a_busy_port_stops_the_task_before_anything_starts(
    tmp_path, other_program, task_name, variable
):
    port, holder_pid = other_program
    output = tmp_path / TASK_CHECKOUT / OUTPUTS[task_name]
    before = state(output)
    started = time.monotonic()
    task, _site_port, _isso_port = start_invoke_task(
        task_name,
        tmp_path,
        env={variable: str(port), "COMMONS_PREVIEW_DATA": str(tmp_path / "preview-data")},
    )
    try:
        message, _ = task.communicate(timeout=QUICKLY)
    finally:
        if task.poll() is None:
            os.killpg(task.pid, 9)
            task.wait()
    assert task.returncode != 0, message
    assert time.monotonic() - started < QUICKLY
    assert f"Port {port} on 127.0.0.1" in message, message
    assert "python" in message and f"(pid {holder_pid})" in message, message
    assert f"set {variable} to a free port" in message, message
    assert "Traceback" not in message, message
    # Nothing started, nothing built: the last site is as it was.
    assert "pid" not in message.replace(f"(pid {holder_pid})", ""), message
    assert "Built" not in message, message
    assert state(output) == before


class LateListener(ChildServer):
    """A server that never listens, while another program takes its port after
    the check and before it answers (`command` runs in between). Its port is
    given, as an editor's setting gives it: a picked port would be replaced."""

    name = "late"

    def __init__(self, tmp_path: Path):
        super().__init__(port=free_port())
        self.tmp_path = tmp_path
        self.other = None

    def command(self) -> list[str]:
        import socket

        self.other = socket.socket()
        self.other.bind((self.host, self.port))
        self.other.listen()
        return [sys.executable, "-c", "import time; time.sleep(600)"]


def test_a_server_answering_on_the_port_must_be_the_one_started(tmp_path):
    server = LateListener(tmp_path)
    try:
        with pytest.raises(PortInUse) as refused:
            server.start()
        assert f"Port {server.port}" in str(refused.value)
        assert f"(pid {os.getpid()})" in str(refused.value)
        # The server it started was stopped.
        assert server.process.poll() is not None
    finally:
        server.stop()
        if server.other:
            server.other.close()


def test_a_started_server_is_accepted(tmp_path):
    """The check does not refuse a server whose own process listens."""
    server = ChildServer()
    server.command = lambda: [
        sys.executable,
        "-m",
        "http.server",
        "--bind",
        "127.0.0.1",
        "--directory",
        str(tmp_path),
        str(server.port),
    ]
    with server:
        wait_for_port(server.host, server.port, server.process)


def test_a_picked_port_another_program_takes_first_is_replaced(tmp_path):
    """Parallel tests pick free ports at once: a server whose picked port was
    taken before it listened starts on another one, and answers there."""
    import socket
    import urllib.request

    (tmp_path / "index.html").write_text("the site", encoding="utf-8")
    server = StaticSiteServer(tmp_path)
    picked = server.port
    with socket.socket() as other:
        other.bind((server.host, picked))
        other.listen()
        with server:
            assert server.port != picked
            with urllib.request.urlopen(server.url, timeout=10) as response:
                assert response.read() == b"the site"


def test_a_port_this_machine_cannot_listen_on_names_the_variable(tmp_path):
    server = StaticSiteServer(tmp_path, port=70000)
    server.port_variable = SITE_PORT_VARIABLE
    with pytest.raises(RuntimeError) as refused:
        server.start()
    message = str(refused.value)
    assert "cannot listen on 127.0.0.1:70000" in message, message
    assert f"set {SITE_PORT_VARIABLE} to another port" in message, message
    assert server.process is None  # nothing was started
