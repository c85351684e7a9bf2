"""Run one build in a child process and read what it cost from the kernel.

`os.wait4` returns the resource usage of exactly the child it waited for (and
of any processes that child waited for): its CPU time and its peak resident
memory. That is the peak of the build alone, not of the runner, and it needs
no external tool.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class MeasureError(RuntimeError):
    """The measured command failed; the message ends with the tail of its output."""

    def __init__(self, message: str, log_path: Path):
        super().__init__(message)
        self.log_path = Path(log_path)


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds, from start to exit
    cpu: float  # seconds, user + system
    max_rss: int  # bytes, peak resident set size

    def as_dict(self) -> dict:
        return {"wall": self.wall, "cpu": self.cpu, "max_rss": self.max_rss}


def run_measured(
    command: list[str], log_path: Path, cwd: Path | None = None, env: dict | None = None
) -> Measurement:
    """Run `command` to completion, output to `log_path`; raise MeasureError on failure."""
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
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
        wall=wall, cpu=usage.ru_utime + usage.ru_stime, max_rss=usage.ru_maxrss * 1024
    )
