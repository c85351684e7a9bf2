"""The CPU each test file costs, its children included: `--cpu-report=FILE`.

Wall time on a shared machine says little; CPU time says what a file costs.
Around each test (setup, call and teardown, so a module's fixtures count for
its file) the plugin reads the process's own CPU and its reaped children's
(`RUSAGE_SELF` + `RUSAGE_CHILDREN`): the builds, servers, validators and
browsers a test starts are children, counted once they have ended and been
waited for. A session fixture's servers (Chromium) are counted in the test
whose teardown ends them, the last of its worker.

With pytest-xdist each worker measures its own tests and hands its figures to
the controlling process, which writes one JSON report (per file: user and
system seconds, tests) and prints the files that cost most.
"""

from __future__ import annotations

import json
import resource
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


@dataclass
class FileCpu:
    user: float = 0.0
    system: float = 0.0
    tests: int = 0

    @property
    def total(self) -> float:
        return self.user + self.system

    def add(self, user: float, system: float, tests: int = 1) -> None:
        self.user += user
        self.system += system
        self.tests += tests


def cpu_seconds() -> tuple[float, float]:
    """User and system CPU of this process and its reaped children, in seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


class CpuUsage:
    """The CPU of each test file in this process (a worker, or a run without xdist)."""

    def __init__(self) -> None:
        self.by_file: dict[str, FileCpu] = {}
        self.by_test: dict[str, float] = {}

    def add(self, nodeid: str, user: float, system: float) -> None:
        path = nodeid.split("::", 1)[0]
        self.by_file.setdefault(path, FileCpu()).add(user, system)
        self.by_test[nodeid] = user + system

    def as_json(self) -> dict[str, dict]:
        return {
            "files": {path: asdict(usage) for path, usage in self.by_file.items()},
            "tests": self.by_test,
        }

    def merge(self, figures: dict[str, dict]) -> None:
        for path, usage in figures["files"].items():
            self.by_file.setdefault(path, FileCpu()).add(
                usage["user"], usage["system"], usage["tests"]
            )
        self.by_test.update(figures["tests"])

    def report(self) -> dict:
        files = sorted(self.by_file.items(), key=lambda item: -item[1].total)
        return {
            "user": round(sum(usage.user for _, usage in files), 2),
            "system": round(sum(usage.system for _, usage in files), 2),
            "files": {
                path: {
                    "user": round(usage.user, 2),
                    "system": round(usage.system, 2),
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
    user, system = cpu_seconds()
    yield
    user_after, system_after = cpu_seconds()
    usage.add(item.nodeid, user_after - user, system_after - system)


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
        f"all files: {report['user']:.1f} s user + {report['system']:.1f} s system"
    )
    for path, figures in list(report["files"].items())[:SHOWN_FILES]:
        terminalreporter.write_line(
            f"{figures['user'] + figures['system']:8.1f} s  {figures['tests']:4d} tests  {path}"
        )
