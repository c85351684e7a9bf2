"""Run one build in a child process and read what it cost from the kernel.

`os.wait4` returns the resource usage of exactly the child it waited for (and
of any processes that child waited for): its CPU time and its peak resident
memory. That is the peak of the build alone, not of the runner, and it needs
no external tool. The peak is that of the build's largest process, which may
be a helper the build starts (Commons forks read workers and runs Pagefind,
one shard at a time); the child's own peak
(`VmHWM` in /proc, read while it runs) is recorded beside it.

A build that forks (read workers, render children) is several processes at
once, and the largest one's peak is not what the build occupies. So a sampler
also adds up the proportional set size (PSS: each shared page counted once,
split between the processes sharing it) of the build and all its descendants
every 200 milliseconds; the highest sum is `tree_peak`. The same samples
are also split by program: `python_peak`, the highest sum over the build's
Python processes (Pelican and any children it forks), and `helper_peak`, the
highest sum over the others (Pagefind), so that each can be compared with
what it replaces.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from commons.build_server import BUILD_SERVER_VARIABLE


class MeasureError(RuntimeError):
    """The measured command failed; the message ends with the tail of its output."""

    def __init__(self, message: str, log_path: Path):
        super().__init__(message)
        self.log_path = Path(log_path)


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds, from start to exit
    cpu: float  # seconds, user + system
    max_rss: int  # bytes, peak resident set size of the largest process of the build
    own_max_rss: int | None = None  # bytes, the child's own peak (None: not seen)
    tree_peak: int | None = None  # bytes, the highest PSS sum of the build's processes
    python_peak: int | None = None  # bytes, the highest PSS sum of its Python processes
    helper_peak: int | None = None  # bytes, the highest PSS sum of its other processes

    def as_dict(self) -> dict:
        return {
            "wall": self.wall,
            "cpu": self.cpu,
            "max_rss": self.max_rss,
            "own_max_rss": self.own_max_rss,
            "tree_peak": self.tree_peak,
            "python_peak": self.python_peak,
            "helper_peak": self.helper_peak,
        }


class _HighWaterMark(threading.Thread):
    """Reads a process's VmHWM (its own peak RSS) every few milliseconds until it ends.

    VmHWM only grows, so the last reading before the process exits is its peak
    unless it grows in its very last moments.
    """

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.path = f"/proc/{pid}/status"
        self.interval = interval
        self.peak: int | None = None
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                with open(self.path, encoding="ascii") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.peak = int(line.split()[1]) * 1024
                            break
            except (OSError, ValueError):
                return  # gone, or a zombie without memory lines
            self.done.wait(self.interval)


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from the kernel's children lists."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    queue.extend(int(child) for child in children.read().split())
            except OSError:
                continue
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass  # ended between the listing and the reading
    return 0


def _is_python(pid: int) -> bool:
    """Whether the process runs a Python interpreter (its program's name, from the kernel)."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as comm:
            return comm.read().strip().startswith("python")
    except OSError:
        return False


class _TreePeak(threading.Thread):
    """The highest sum of PSS over a process and its descendants, sampled until it ends.

    Also the highest sums over its Python processes and over the others, each
    on its own: the two need not peak in the same sample."""

    # Reading smaps_rollup walks a process's page tables: at 20,000 posts,
    # sampling every 50 ms cost the runner a tenth of a core.
    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak: int | None = None
        self.python_peak: int | None = None
        self.helper_peak: int | None = None
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            python = helpers = 0
            for pid in _descendants(self.pid):
                if _is_python(pid):
                    python += _pss(pid)
                else:
                    helpers += _pss(pid)
            if python + helpers:
                self.peak = max(self.peak or 0, python + helpers)
                self.python_peak = max(self.python_peak or 0, python)
                self.helper_peak = max(self.helper_peak or 0, helpers)
            self.done.wait(self.interval)


def run_measured(
    command: list[str], log_path: Path, cwd: Path | None = None, env: dict | None = None
) -> Measurement:
    """Run `command` to completion, output to `log_path`; raise MeasureError on failure."""
    # Earlier builds' files go to disk first, untimed: otherwise the kernel
    # writes them back during this build, on whichever core it finds idle,
    # which is the core a build that uses two (Commons) is using.
    os.sync()
    # Every build it starts is a new process, whose CPU wait4 counts: never a
    # fork of a build server (commons/build_server.py), which is not its child.
    env = {
        name: value
        for name, value in (os.environ if env is None else env).items()
        if name != BUILD_SERVER_VARIABLE
    }
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        watcher = _HighWaterMark(process.pid)
        tree = _TreePeak(process.pid)
        watcher.start()
        tree.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        for thread in (watcher, tree):
            thread.done.set()
            thread.join()
    # Tell Popen the child is reaped, so it does not wait for it again.
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = Path(log_path).read_text(encoding="utf-8", errors="replace")[-3000:]
        raise MeasureError(
            f"{' '.join(map(str, command))} exited with code {process.returncode}:\n{tail}",
            log_path,
        )
    # Linux reports ru_maxrss in KiB.
    return Measurement(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss=usage.ru_maxrss * 1024,
        own_max_rss=watcher.peak,
        tree_peak=tree.peak,
        python_peak=tree.python_peak,
        helper_peak=tree.helper_peak,
    )


# A server's whole process tree, started in a session of its own (the preview
# and its passes' children, hugo server): what each save costs it.


def session_stats(session: int):
    """(the /proc/PID folder, its stat fields after the command name) of each
    process in `session`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The fields after the command name, which is in parentheses and may hold spaces.
            fields = stat[stat.rindex(")") + 2 :].split()
        except (OSError, ValueError):
            continue  # the process ended meanwhile
        if int(fields[3]) == session:
            yield entry, fields


def session_rss(session: int) -> int:
    """The resident bytes of every process in `session` (the preview, its children)."""
    total = 0
    for entry, _fields in session_stats(session):
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # the process ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def session_cpu(session: int) -> float:
    """CPU seconds (user and system) of every process in `session`, with the
    children they have waited for (each pass's child, once it has ended)."""
    ticks = sum(sum(int(value) for value in fields[11:15]) for _e, fields in session_stats(session))
    return ticks / os.sysconf("SC_CLK_TCK")
