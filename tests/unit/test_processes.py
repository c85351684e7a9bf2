"""commons.processes: a child is stopped with SIGTERM, or SIGKILL when it ignores it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from commons.processes import stop_process, stop_process_group

# A child that says it is ready, then sleeps; with "ignore" it ignores SIGTERM.
CHILD = """
import signal, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


def start(mode: str, own_session: bool = False) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=own_session,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.mark.parametrize("stop", [stop_process, stop_process_group])
def test_a_child_that_honours_sigterm_ends_by_it(stop):
    process = start("honour", own_session=stop is stop_process_group)
    stop(process, timeout=10)
    assert process.returncode == -signal.SIGTERM


@pytest.mark.parametrize("stop", [stop_process, stop_process_group])
def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout(stop):
    process = start("ignore", own_session=stop is stop_process_group)
    began = time.monotonic()
    stop(process, timeout=0.5)
    assert process.returncode == -signal.SIGKILL
    assert time.monotonic() - began >= 0.5


@pytest.mark.parametrize("stop", [stop_process, stop_process_group])
def test_an_ended_or_missing_child_is_left_alone(stop):
    stop(None, timeout=1)
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    stop(process, timeout=1)
    assert process.returncode == 0
