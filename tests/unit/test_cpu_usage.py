"""The CPU report of the suite (tests/cpu_usage.py) counts what the tests' processes spend."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from commons import REPO_ROOT
from tests.cpu_usage import (
    CostOfATest,
    CpuReading,
    CpuUsage,
    cpu_reading,
    descendants_cpu,
    parts_folder,
    write_report,
)

# A child that spends about half a second of CPU, says so, and then waits, alive.
BURN_THEN_WAIT = (
    "import sys, time\n"
    "end = time.process_time() + 0.5\n"
    "while time.process_time() < end: pass\n"
    "print('burnt', flush=True)\n"
    "sys.stdin.read()\n"
)


def start_child(program: str) -> subprocess.Popen:
    """A Python child running `program`, with pipes to talk to it and to end it."""
    return subprocess.Popen(
        [sys.executable, "-c", program], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def test_a_living_child_is_counted_and_its_cpu_stays_counted_once_it_has_ended():
    before = cpu_reading()
    child = start_child(BURN_THEN_WAIT)
    try:
        assert child.stdout.readline() == "burnt\n"
        assert sum(descendants_cpu(os.getpid())) >= 0.4
        alive = cpu_reading()
        assert (alive.user + alive.system) - (before.user + before.system) >= 0.4
        # Not yet waited for: time(1) would not see it.
        assert alive.reaped - before.reaped < 0.2
    finally:
        child.communicate("")
    ended = cpu_reading()
    assert ended.reaped - before.reaped >= 0.4
    assert ended.user + ended.system >= alive.user + alive.system


def test_each_file_sums_its_tests_and_cpu_that_left_every_count_is_not_negative():
    usage = CpuUsage()
    start = CpuReading(user=10.0, system=1.0, reaped=5.0, clock=100.0)
    usage.add(CostOfATest.between("tests/a.py::test_one", start, CpuReading(12.0, 1.5, 7.0, 103.0)))
    usage.add(CostOfATest.between("tests/a.py::test_two", start, CpuReading(11.0, 1.0, 5.5, 101.0)))
    # The browser closed: its processes' CPU left every count.
    usage.add(CostOfATest.between("tests/b.py::test_last", start, CpuReading(4.0, 0.5, 5.0, 100.5)))
    report = usage.report()
    assert list(report["files"]) == ["tests/a.py", "tests/b.py"]
    assert report["files"]["tests/a.py"] == {
        "user": 3.0,
        "system": 0.5,
        "reaped": 2.5,
        "seconds": 4.0,
        "tests": 2,
    }
    assert report["files"]["tests/b.py"]["user"] == 0.0
    assert report["files"]["tests/b.py"]["system"] == 0.0
    assert report["user"] == 3.0 and report["system"] == 0.5


def test_every_workers_lines_make_the_report_even_of_a_run_stopped_early(tmp_path):
    report = tmp_path / "cpu.json"
    parts = parts_folder(report)
    parts.mkdir()
    one = {"user": 2.0, "system": 1.0, "reaped": 3.0, "seconds": 4.0}
    (parts / "gw0.jsonl").write_text(
        json.dumps({"nodeid": "tests/a.py::test_one", **one}) + "\n", encoding="utf-8"
    )
    (parts / "gw1.jsonl").write_text(
        json.dumps({"nodeid": "tests/a.py::test_two", **one})
        + "\n"
        + json.dumps({"nodeid": "tests/b.py::test_three", **one})
        + "\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "tests.cpu_usage", str(report)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["files"]["tests/a.py"]["tests"] == 2
    assert figures["files"]["tests/a.py"]["seconds"] == 8.0
    assert figures["user"] == 6.0 and figures["reaped"] == 9.0
    assert figures == write_report(report)


# A child that waits for a grandchild spending about half a second, then waits, alive.
REAP_THEN_WAIT = (
    "import subprocess, sys\n"
    f"subprocess.run([sys.executable, '-c', {BURN_THEN_WAIT!r}], input='', text=True,"
    " stdout=subprocess.DEVNULL, check=True)\n"
    "print('reaped', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_what_a_living_child_reaped_counts_as_reaped():
    # The build server (commons/build_server.py) reaps the builds it forks and
    # lives until the session ends: its builds are processes waited for.
    before = cpu_reading()
    child = start_child(REAP_THEN_WAIT)
    try:
        assert child.stdout.readline() == "reaped\n"
        alive = cpu_reading()
        assert alive.reaped - before.reaped >= 0.4
    finally:
        child.communicate("")
    ended = cpu_reading()
    # Counted once: the child's end moves the same seconds into this process's children.
    assert ended.reaped - alive.reaped < 0.3
