"""What the plugins that fork worker processes (parallel_read, parallel_render) share."""

from __future__ import annotations

import logging
import multiprocessing
import os


def usable_cores() -> int:
    """The cores this process may run on (its affinity), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    # Workers inherit the build's state (readers, templates, every post) by
    # forking; where Python offers no fork, Pelican works serially.
    return "fork" in multiprocessing.get_all_start_methods()


class HighestLevel(logging.Handler):
    """Remembers the most severe record a worker logged since `highest` was reset."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.highest = logging.NOTSET

    def emit(self, record: logging.LogRecord) -> None:
        self.highest = max(self.highest, record.levelno)


def count_worker_logs() -> HighestLevel:
    """Silence a forked worker's logging and count its records instead.

    A worker's log lines would reach the terminal twice (once from the worker,
    once from Pelican's own serial retry of the work that logged them), so a
    worker only notes how severe they were and hands the work back.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    levels = HighestLevel()
    root.addHandler(levels)
    return levels
