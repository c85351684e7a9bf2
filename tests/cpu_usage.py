"""The CPU each test file costs, its children included: `--cpu-report=FILE`.

Wall time on a shared machine says little; CPU time says what a file costs.
Around each test (setup, call and teardown, so a module's fixtures count for
its file) the plugin reads the process's own CPU, its reaped children's
(`RUSAGE_SELF` + `RUSAGE_CHILDREN`: the builds, servers and validators a test
starts and ends) and, from /proc, that of its descendants still running: the
session's Chromium, whose renderers a test keeps busy, is counted in that
test rather than at the end of the session.

With pytest-xdist each worker measures its own tests and hands its figures to
the controlling process, which writes one JSON report (per file: user and
system seconds, tests) and prints the files that cost most.
"""

from __future__ import annotations

import json
import os
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

# Where a worker's figures travel to the controlling process (xdist's workeroutput).
WORKER_KEY = "cpu_usage_by_file"
# How many files the terminal summary lists.
SHOWN_FILES = 25
# How many of the tests that cost most the JSON report lists.
LISTED_TESTS = 60
USAGE_KEY = pytest.StashKey["CpuUsage"]()
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class FileCpu:
    """A file's CPU seconds: `user` and `system` with the living descendants
    (the browser), `reaped` without them (what `time` reports for the run);
    `seconds`, the wall time its tests took on their worker."""

    user: float = 0.0
    system: float = 0.0
    reaped: float = 0.0
    seconds: float = 0.0
    tests: int = 0

    @property
    def total(self) -> float:
        return self.user + self.system

    def add(
        self, user: float, system: float, reaped: float, seconds: float, tests: int = 1
    ) -> None:
        self.user += user
        self.system += system
        self.reaped += reaped
        self.seconds += seconds
        self.tests += tests


@dataclass(frozen=True)
class CpuReading:
    """CPU seconds so far: with the living descendants, and of reaped processes
    alone; and the wall clock (monotonic)."""

    user: float
    system: float
    reaped: float
    clock: float


def process_table() -> dict[int, tuple[int, float, float]]:
    """Every process's parent, and its user and system CPU with its reaped
    children's, in seconds, from /proc ({} where there is none)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii", errors="replace")
        except OSError:  # ended since the listing
            continue
        # The command name, in parentheses, may hold spaces: the fields follow its last ")".
        fields = text.rpartition(")")[2].split()
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        table[int(stat.parent.name)] = (
            int(fields[1]),
            (utime + cutime) / CLOCK_TICKS,
            (stime + cstime) / CLOCK_TICKS,
        )
    return table


def descendants_cpu(root: int) -> tuple[float, float]:
    """User and system CPU of the living descendants of `root` (and of the
    children they reaped): a session's browser, which only its end reaps."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _user, _system) in table.items():
        children.setdefault(parent, []).append(pid)
    user = system = 0.0
    waiting = list(children.get(root, []))
    while waiting:
        pid = waiting.pop()
        _parent, own_user, own_system = table[pid]
        user += own_user
        system += own_system
        waiting.extend(children.get(pid, []))
    return user, system


def cpu_reading() -> CpuReading:
    """The CPU of this process, its reaped children and its living descendants.

    A descendant that ends moves its CPU into its parent's reaped children,
    counted too; but one whose parent ends first, never waiting for it (the
    browser's processes at its close), takes its CPU out of every count.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    living_user, living_system = descendants_cpu(os.getpid())
    user = own.ru_utime + children.ru_utime
    system = own.ru_stime + children.ru_stime
    return CpuReading(user + living_user, system + living_system, user + system, time.monotonic())


class CpuUsage:
    """The CPU of each test file in this process (a worker, or a run without xdist)."""

    def __init__(self) -> None:
        self.by_file: dict[str, FileCpu] = {}
        self.by_test: dict[str, float] = {}

    def add(self, nodeid: str, before: CpuReading, after: CpuReading) -> None:
        # Never below zero: CPU that left every count (see cpu_reading) was
        # counted in the tests that spent it.
        user = max(0.0, after.user - before.user)
        system = max(0.0, after.system - before.system)
        path = nodeid.split("::", 1)[0]
        self.by_file.setdefault(path, FileCpu()).add(
            user, system, after.reaped - before.reaped, after.clock - before.clock
        )
        self.by_test[nodeid] = user + system

    def as_json(self) -> dict[str, dict]:
        return {
            "files": {path: asdict(usage) for path, usage in self.by_file.items()},
            "tests": self.by_test,
        }

    def merge(self, figures: dict[str, dict]) -> None:
        for path, usage in figures["files"].items():
            self.by_file.setdefault(path, FileCpu()).add(
                usage["user"], usage["system"], usage["reaped"], usage["seconds"], usage["tests"]
            )
        self.by_test.update(figures["tests"])

    def report(self) -> dict:
        files = sorted(self.by_file.items(), key=lambda item: -item[1].total)
        return {
            "user": round(sum(usage.user for _, usage in files), 2),
            "system": round(sum(usage.system for _, usage in files), 2),
            "reaped": round(sum(usage.reaped for _, usage in files), 2),
            "files": {
                path: {
                    "user": round(usage.user, 2),
                    "system": round(usage.system, 2),
                    "reaped": round(usage.reaped, 2),
                    "seconds": round(usage.seconds, 2),
                    "tests": usage.tests,
                }
                for path, usage in files
            },
            "longest_tests": {
                nodeid: round(seconds, 2)
                for nodeid, seconds in sorted(self.by_test.items(), key=lambda item: -item[1])[
                    :LISTED_TESTS
                ]
            },
        }


def pytest_addoption(parser):
    parser.addoption(
        "--cpu-report",
        metavar="FILE",
        default=None,
        help="write the CPU (user and system, children included) of each test file to FILE "
        "as JSON, and list the files that cost most",
    )


def pytest_configure(config):
    if config.getoption("cpu_report"):
        config.stash[USAGE_KEY] = CpuUsage()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    usage = item.config.stash.get(USAGE_KEY, None)
    if usage is None:
        yield
        return
    before = cpu_reading()
    yield
    usage.add(item.nodeid, before, cpu_reading())


def pytest_sessionfinish(session):
    usage = session.config.stash.get(USAGE_KEY, None)
    if usage is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = usage.as_json()
        return
    report = usage.report()
    Path(session.config.getoption("cpu_report")).write_text(
        json.dumps(report, indent=1) + "\n", encoding="utf-8"
    )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """A pytest-xdist worker ended: add its figures to the controlling process's."""
    usage = node.config.stash.get(USAGE_KEY, None)
    figures = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if usage is not None and figures:
        usage.merge(figures)


def pytest_terminal_summary(terminalreporter, config):
    usage = config.stash.get(USAGE_KEY, None)
    if usage is None or hasattr(config, "workerinput"):
        return
    report = usage.report()
    terminalreporter.section("CPU per test file (user + system, children included)")
    terminalreporter.write_line(
        f"all files: {report['user']:.1f} s user + {report['system']:.1f} s system "
        f"({report['reaped']:.1f} s of it in processes that were waited for)"
    )
    for path, figures in list(report["files"].items())[:SHOWN_FILES]:
        terminalreporter.write_line(
            f"{figures['user'] + figures['system']:8.1f} s CPU {figures['seconds']:8.1f} s "
            f"{figures['tests']:4d} tests  {path}"
        )
