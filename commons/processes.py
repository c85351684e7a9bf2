"""Stopping child processes: SIGTERM first, SIGKILL if they do not end in time."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_process(process: subprocess.Popen | None, timeout: float) -> None:
    """Stop one child: SIGTERM, then SIGKILL if it has not ended in `timeout` seconds.

    A child that already ended (or was never started) is left alone.
    """
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


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
