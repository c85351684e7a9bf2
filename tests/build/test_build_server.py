"""A build through the build server (commons/build_server.py) is a `python -m pelican`
run in every way a build can tell: the same site, exit status, output, process
state and lock; and the server is used only where it can give exactly that.

Each test starts its own server, so that it can tell from the server's reaped
children's CPU (/proc) whether a build ran there.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.build import BuildError, build_site, pelican_command
from commons.build_server import BUILD_SERVER_VARIABLE, is_frozen, run_pelican
from tests.conftest import (
    SAMPLE_CONTENT,
    checkout_copy,
    copy_content,
    parse_html,
    run_python,
    site_files,
    start_build_server,
    stop_build_server,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A build of the sample site costs more CPU than this; a refused request, nothing.
A_BUILD = 0.15


@pytest.fixture
def server(tmp_path):
    """(the server process, its socket), stopped by PID at the end."""
    folder = tmp_path / "build-server"
    folder.mkdir(mode=0o700)
    process, socket_path = start_build_server(folder)
    yield process, socket_path
    stop_build_server(process)


def reaped_cpu(pid: int) -> float:
    """CPU seconds of the children `pid` has waited for (its builds)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def through(socket_path: Path | None) -> dict:
    """The environment of builds that use the server at `socket_path` (None: a new process)."""
    return {BUILD_SERVER_VARIABLE: str(socket_path) if socket_path else ""}


@pytest.mark.parametrize("settings_file", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["local", "prod"])
def test_the_site_built_through_the_server_is_the_site_a_new_process_builds(
    tmp_path, server, settings_file
):
    process, socket_path = server
    # Not the server's value: the build must have the caller's environment.
    address = {"COMMONS_SITEURL": "https://elsewhere.example.org"}
    before = reaped_cpu(process.pid)
    served = build_site(
        tmp_path / "served" / "output",
        settings_file=settings_file,
        content=SAMPLE_CONTENT,
        env={**through(socket_path), **address},
    )
    assert reaped_cpu(process.pid) - before > A_BUILD, "the build did not run in the server"
    fresh = build_site(
        tmp_path / "fresh" / "output",
        settings_file=settings_file,
        content=SAMPLE_CONTENT,
        env={**through(None), **address},
    )
    one, other = site_files(served.output), site_files(fresh.output)
    assert sorted(one) == sorted(other)
    assert [name for name in one if one[name] != other[name]] == []


# A settings file that writes what its process looks like, then builds an empty site.
PROBE_SETTINGS = """
import importlib.util, json, os, resource, signal, sys, time
from pathlib import Path

def descriptors():
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except FileNotFoundError:  # the listing's own, closed since
            continue
        found[name] = target.split(":")[0] if target.startswith(("pipe:", "socket:")) else target
    return found

status = dict(
    line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
)
state = {
    "cwd": os.getcwd(),
    "environ": dict(os.environ),
    "descriptors": descriptors(),
    "inheritable": {name: os.get_inheritable(int(name)) for name in ("0", "1", "2")},
    "signals": {
        signal.Signals(number).name: repr(signal.getsignal(number))
        for number in signal.valid_signals()
        if number in set(signal.Signals)
    },
    "blocked": sorted(int(n) for n in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    "umask": status["Umask"].strip(),
    "process_group_is_the_callers": os.getpgrp() == int(os.environ["PROBE_CALLER_GROUP"]),
    "session": os.getsid(0),
    "argv": sys.argv,
    "imported_from": [importlib.util.find_spec(name).origin for name in ("commons", "plugins")],
    "main": getattr(sys.modules["__main__"], "__file__", None),
    "tzname": list(time.tzname),
    "affinity": sorted(os.sched_getaffinity(0)),
    "limits": [resource.getrlimit(n) for n in (resource.RLIMIT_NOFILE, resource.RLIMIT_CORE)],
    "stdio": [sys.stdout.encoding, sys.stderr.encoding, sys.stdout.line_buffering],
}
Path(os.environ["PROBE_FILE"]).write_text(json.dumps(state), encoding="utf-8")
PATH = os.environ["PROBE_CONTENT"]
"""


def probe(tmp_path: Path, name: str, socket_path: Path | None) -> dict:
    """The probe's state of a build through the server at `socket_path` (None: a
    new process), with the lock passed as build_site passes it."""
    folder = tmp_path / name
    (folder / "content").mkdir(parents=True)
    settings = folder / "probe.py"
    settings.write_text(PROBE_SETTINGS, encoding="utf-8")
    with (tmp_path / "lock").open("a") as lock:
        completed = run_pelican(
            pelican_command(settings, folder / "output", folder / "content", fatal=None),
            cwd=REPO_ROOT,
            env={
                **os.environ,
                **through(socket_path),
                "PROBE_FILE": str(tmp_path / "probe.json"),
                "PROBE_CONTENT": str(tmp_path / "empty"),
                "PROBE_CALLER_GROUP": str(os.getpgrp()),
                "TZ": "Pacific/Auckland",
                "COMMONS_PROBE_RUN": name,
            },
            pass_fds=(lock.fileno(),),
        )
    assert completed.returncode == 0, completed.stderr
    state = json.loads((tmp_path / "probe.json").read_text(encoding="utf-8"))
    # What the caller set differently for the two runs.
    assert (
        state["environ"].pop(BUILD_SERVER_VARIABLE) == through(socket_path)[BUILD_SERVER_VARIABLE]
    )
    assert state["environ"].pop("COMMONS_PROBE_RUN") == name
    state["argv"] = [argument.replace(str(folder), "FOLDER") for argument in state["argv"]]
    return state


def test_a_build_in_the_server_has_the_process_a_new_process_has(tmp_path, server):
    process, socket_path = server
    (tmp_path / "empty").mkdir()
    # Changed after the server started: the build has the caller's.
    previous = os.umask(0o027)
    try:
        fresh = probe(tmp_path, "fresh", None)
        before = reaped_cpu(process.pid)
        served = probe(tmp_path, "served", socket_path)
        assert reaped_cpu(process.pid) > before, "the build did not run in the server"
    finally:
        os.umask(previous)
    assert served["umask"] == "0027"
    assert served["tzname"] == ["NZST", "NZDT"]
    assert served["process_group_is_the_callers"] is True
    for key in fresh:
        assert served[key] == fresh[key], key


FAILING_POST = """Title: Broken
Date: not a date at all

A post whose date Pelican cannot read.
"""


def test_a_failing_build_says_the_same_and_exits_the_same(tmp_path, server):
    process, socket_path = server
    content = copy_content(tmp_path / "content")
    (content / "broken.md").write_text(FAILING_POST, encoding="utf-8")
    outcomes = []
    for name, socket in (("served", socket_path), ("fresh", None)):
        before = reaped_cpu(process.pid)
        completed = run_pelican(
            pelican_command(DEV_SETTINGS, tmp_path / name, content),
            cwd=REPO_ROOT,
            env={**os.environ, **through(socket), "COMMONS_COMMENTS_OFFLINE": "1"},
        )
        # A build that stops at its first post can cost less than A_BUILD; the
        # server, which ran nothing else, reaped some CPU only if it ran this one.
        assert (reaped_cpu(process.pid) - before > 0) == (socket is not None)
        outcomes.append((completed.returncode, completed.stdout, completed.stderr))
    served, fresh = outcomes
    assert served[0] == fresh[0] == 1
    assert "broken.md" in served[2]
    assert served == fresh


def test_each_build_reads_the_environment_it_is_given(tmp_path, server):
    # publishconf.py reads COMMONS_SITEURL when it runs: in each build, not once in the server.
    _process, socket_path = server
    addresses = ["https://one.example.org", "https://two.example.org"]
    for address in addresses:
        output = build_site(
            tmp_path / address.split("//")[1] / "output",
            settings_file=PUBLISH_SETTINGS,
            content=SAMPLE_CONTENT,
            env={**through(socket_path), "COMMONS_SITEURL": address},
        ).output
        canonical = parse_html(output / "index.html").xpath("//link[@rel='canonical']/@href")
        assert canonical == [f"{address}/"]


EXIT_BY_SIGNAL = """
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_build_killed_by_a_signal_has_the_negative_status(tmp_path, server):
    process, socket_path = server
    settings = tmp_path / "killed.py"
    settings.write_text(EXIT_BY_SIGNAL, encoding="utf-8")
    (tmp_path / "content").mkdir()
    statuses = []
    for socket in (socket_path, None):
        completed = run_pelican(
            pelican_command(settings, tmp_path / "output", tmp_path / "content"),
            cwd=REPO_ROOT,
            env={**os.environ, **through(socket)},
        )
        statuses.append(completed.returncode)
    assert statuses == [-signal.SIGKILL, -signal.SIGKILL]
    assert zombies_of(process.pid) == []


SLOW_SETTINGS = """
import time
time.sleep(60)
"""


def test_the_callers_timeout_kills_the_build(tmp_path, server):
    process, socket_path = server
    settings = tmp_path / "slow.py"
    settings.write_text(SLOW_SETTINGS, encoding="utf-8")
    (tmp_path / "content").mkdir()
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_pelican(
            pelican_command(settings, tmp_path / "output", tmp_path / "content"),
            cwd=REPO_ROOT,
            env={**os.environ, **through(socket_path)},
            timeout=2,
        )
    assert time.monotonic() - started < 30
    assert children_of(process.pid) == []


def children_of(pid: int) -> list[int]:
    """The living and unreaped children of `pid`."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def zombies_of(pid: int) -> list[int]:
    found = []
    for child in children_of(pid):
        with contextlib.suppress(FileNotFoundError):
            state = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()[0]
            if state == "Z":
                found.append(child)
    return found


def test_a_server_of_another_checkout_is_not_used(tmp_path):
    # Its modules are another checkout's: a build here runs in a new process.
    copy = checkout_copy(tmp_path / "copy")
    folder = tmp_path / "server"
    folder.mkdir(mode=0o700)
    other, socket_path = start_build_server(folder, checkout=copy)
    try:
        before = reaped_cpu(other.pid)
        result = build_site(tmp_path / "output", content=SAMPLE_CONTENT, env=through(socket_path))
        assert reaped_cpu(other.pid) == before
        assert (result.output / "index.html").is_file()
    finally:
        stop_build_server(other)


BUILD_AND_WAIT = """
import sys
from pathlib import Path
from commons.build import build_site
build_site(Path(sys.argv[1]), content=Path(sys.argv[2]))
"""


def test_the_build_holds_the_output_lock_after_its_caller_is_killed(tmp_path, server):
    # As with a new process (pass_fds): the build keeps the lock until it ends,
    # so no other build touches the output meanwhile.
    process, socket_path = server
    content = copy_content(tmp_path / "content")
    for number in range(60):
        (content / f"post-{number}.md").write_text(
            f"Title: Post {number}\nDate: 2024-02-{number % 28 + 1:02d} 10:00\n"
            "Category: Community\n\n" + "A paragraph about the space. " * 60 + "\n",
            encoding="utf-8",
        )
    output = tmp_path / "output"
    caller = subprocess.Popen(
        [sys.executable, "-c", BUILD_AND_WAIT, str(output), str(content)],
        cwd=REPO_ROOT,
        env={**os.environ, **through(socket_path)},
    )
    deadline = time.monotonic() + 120
    while not children_of(process.pid):
        assert caller.poll() is None, "the caller ended before its build started"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    caller.kill()
    caller.wait()
    assert children_of(process.pid), "the build ended before its caller was killed"
    with pytest.raises(BuildError, match="Another build"):
        build_site(output, content=content, wait=0)
    while children_of(process.pid):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert build_site(output, content=content).output == output


# Every variable the preloaded modules read, and whether a settings module came with them.
READ_WHILE_PRELOADING = """
import json, os, sys
read = set()
class Recording(type(os.environ)):
    def __getitem__(self, name):
        read.add(name)
        return super().__getitem__(name)
plain = type(os.environ)
from commons.build_server import SETTINGS_MODULES, preload
os.environ.__class__ = Recording
preload()
os.environ.__class__ = plain
print(json.dumps({
    "read": sorted(read),
    "settings": [name for name in SETTINGS_MODULES if name in sys.modules],
}))
"""


def test_what_the_server_reads_at_import_makes_a_build_with_other_values_run_anew():
    completed = run_python(READ_WHILE_PRELOADING)
    found = json.loads(completed.stdout)
    assert found["read"], "nothing was recorded"
    assert [name for name in found["read"] if not is_frozen(name)] == []
    assert found["settings"] == []


def test_the_server_stops_on_sigterm_and_removes_its_socket(tmp_path):
    folder = tmp_path / "server"
    folder.mkdir(mode=0o700)
    process, socket_path = start_build_server(folder)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not socket_path.exists()


START_AND_LEAVE = """
import subprocess, sys, time
from pathlib import Path
socket_path = Path(sys.argv[1])
server = subprocess.Popen(
    [sys.executable, "-m", "commons.build_server", "--socket", str(socket_path)],
    stdin=subprocess.DEVNULL,
)
while not socket_path.exists():
    assert server.poll() is None
    time.sleep(0.05)
print(server.pid, flush=True)
"""


def test_the_server_ends_with_the_process_that_started_it(tmp_path):
    socket_path = tmp_path / "socket"
    parent = subprocess.run(
        [sys.executable, "-c", START_AND_LEAVE, str(socket_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    pid = int(parent.stdout)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists(), "the server outlived its parent"
    assert not socket_path.exists()


def test_a_benchmark_never_measures_through_a_build_server(tmp_path, server, monkeypatch):
    # A build forked by the server is not the measured process's child: its
    # CPU would be missing from the figure (bench/measure.py).
    from bench.measure import run_measured

    _process, socket_path = server
    monkeypatch.setenv(BUILD_SERVER_VARIABLE, str(socket_path))
    show = f"import os; print(os.environ.get({BUILD_SERVER_VARIABLE!r}, 'unset'))"
    for env in (None, dict(os.environ)):
        run_measured([sys.executable, "-c", show], tmp_path / "log", env=env)
        assert (tmp_path / "log").read_text(encoding="utf-8") == "unset\n"
