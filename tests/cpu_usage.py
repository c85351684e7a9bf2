"""The CPU each test file costs, its children included: `--cpu-report=FILE`.

Wall time on a shared machine says little; CPU time says what a file costs.
Around each test (setup, call and teardown, so a module's fixtures count for
its file) the plugin reads the process's own CPU, its reaped children's
(`RUSAGE_SELF` + `RUSAGE_CHILDREN`: the builds, servers and validators a test
starts and ends) and, from /proc, that of its descendants still running: the
session's Chromium, whose renderers a test keeps busy, is counted in that
test rather than at the end of the session.

Each process that runs tests (each pytest-xdist worker) appends one line per
test to its own file in `FILE.parts/`; at the end the controlling process
writes FILE, one JSON report (per file: user, system and reaped CPU seconds,
wall seconds, tests; and the tests that cost most), and prints the files that
cost most. A run stopped early keeps its lines: `python -m tests.cpu_usage
FILE` writes the report from them.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

# How many files the terminal summary lists.
SHOWN_FILES = 25
# How many of the tests that cost most the JSON report lists.
LISTED_TESTS = 60
PART_KEY = pytest.StashKey[Path]()
REPORT_KEY = pytest.StashKey[dict]()
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


@dataclass(frozen=True)
class ProcessCpu:
    """One process's parent, and its user and system CPU with its reaped
    children's; `reaped`, the part of those that its reaped children spent."""

    parent: int
    user: float
    system: float
    reaped: float


def process_table() -> dict[int, ProcessCpu]:
    """Every process's parent and CPU seconds, from /proc ({} where there is none)."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii", errors="replace")
        except OSError:  # ended since the listing
            continue
        # The command name, in parentheses, may hold spaces: the fields follow its last ")".
        fields = text.rpartition(")")[2].split()
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        table[int(stat.parent.name)] = ProcessCpu(
            int(fields[1]),
            (utime + cutime) / CLOCK_TICKS,
            (stime + cstime) / CLOCK_TICKS,
            (cutime + cstime) / CLOCK_TICKS,
        )
    return table


def descendants(root: int, table: dict[int, ProcessCpu]) -> list[ProcessCpu]:
    """The living descendants of `root` in `table`."""
    children: dict[int, list[int]] = {}
    for pid, process in table.items():
        children.setdefault(process.parent, []).append(pid)
    found = []
    waiting = list(children.get(root, []))
    while waiting:
        pid = waiting.pop()
        found.append(table[pid])
        waiting.extend(children.get(pid, []))
    return found


def descendants_cpu(root: int) -> tuple[float, float]:
    """User and system CPU of the living descendants of `root` (and of the
    children they reaped): a session's browser, which only its end reaps."""
    living = descendants(root, process_table())
    return sum(process.user for process in living), sum(process.system for process in living)


def cpu_reading() -> CpuReading:
    """The CPU of this process, its reaped children and its living descendants.

    A descendant that ends moves its CPU into its parent's reaped children,
    counted too; but one whose parent ends first, never waiting for it (the
    browser's processes at its close), takes its CPU out of every count.
    Processes that a living descendant waited for count as reaped: the
    builds the build server (commons/build_server.py) forks and reaps.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    living = descendants(os.getpid(), process_table())
    user = own.ru_utime + children.ru_utime
    system = own.ru_stime + children.ru_stime
    return CpuReading(
        user + sum(process.user for process in living),
        system + sum(process.system for process in living),
        user + system + sum(process.reaped for process in living),
        time.monotonic(),
    )


@dataclass(frozen=True)
class CostOfATest:
    """What one test cost (setup, call and teardown)."""

    nodeid: str
    user: float
    system: float
    reaped: float
    seconds: float

    @classmethod
    def between(cls, nodeid: str, before: CpuReading, after: CpuReading) -> CostOfATest:
        # Never below zero: CPU that left every count (see cpu_reading) was
        # counted in the tests that spent it.
        return cls(
            nodeid,
            max(0.0, after.user - before.user),
            max(0.0, after.system - before.system),
            after.reaped - before.reaped,
            after.clock - before.clock,
        )


class CpuUsage:
    """The CPU of each test file, from the tests' figures."""

    def __init__(self) -> None:
        self.by_file: dict[str, FileCpu] = {}
        self.by_test: dict[str, float] = {}

    def add(self, test: CostOfATest) -> None:
        path = test.nodeid.split("::", 1)[0]
        self.by_file.setdefault(path, FileCpu()).add(
            test.user, test.system, test.reaped, test.seconds
        )
        self.by_test[test.nodeid] = test.user + test.system

    @classmethod
    def from_parts(cls, parts: Path) -> CpuUsage:
        """The figures every process of a run wrote into `parts`, one test a line."""
        usage = cls()
        for part in sorted(parts.glob("*.jsonl")):
            for line in part.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    usage.add(CostOfATest(**json.loads(line)))
        return usage

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


def parts_folder(report: Path) -> Path:
    """Where each process of a run appends its tests' figures: beside the report."""
    return report.with_name(report.name + ".parts")


def write_report(report: Path) -> dict:
    figures = CpuUsage.from_parts(parts_folder(report)).report()
    report.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return figures


def pytest_addoption(parser):
    parser.addoption(
        "--cpu-report",
        metavar="FILE",
        default=None,
        type=Path,
        help="write the CPU (user and system, children included) of each test file to FILE "
        "as JSON, and list the files that cost most",
    )


def pytest_configure(config):
    report = config.getoption("cpu_report")
    if report is None:
        return
    worker = getattr(config, "workerinput", {}).get("workerid")
    parts = parts_folder(report.resolve())
    if worker is None:
        # The controlling process (or a run without xdist), before any test:
        # no figures of an earlier run may count.
        shutil.rmtree(parts, ignore_errors=True)
        parts.mkdir(parents=True)
    config.stash[PART_KEY] = parts / f"{worker or 'main'}.jsonl"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    part = item.config.stash.get(PART_KEY, None)
    if part is None:
        yield
        return
    before = cpu_reading()
    yield
    test = CostOfATest.between(item.nodeid, before, cpu_reading())
    # One line per test, written at once: a run stopped early keeps its figures
    # (`python -m tests.cpu_usage FILE` makes the report from them).
    with part.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(test)) + "\n")


def pytest_sessionfinish(session):
    report = session.config.getoption("cpu_report")
    if report is not None and not hasattr(session.config, "workerinput"):
        session.config.stash[REPORT_KEY] = write_report(report.resolve())


def pytest_terminal_summary(terminalreporter, config):
    report = config.stash.get(REPORT_KEY, None)
    if report is None:
        return
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


if __name__ == "__main__":
    # The report of a run that stopped before its end, from the figures it wrote.
    figures = write_report(Path(sys.argv[1]).resolve())
    print(f"{figures['user'] + figures['system']:.1f} s of CPU in {len(figures['files'])} files")
