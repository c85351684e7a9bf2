"""No test writes into the repository: a pytest plugin that compares the
checkout's `git status` before and after the session, and fails the run with
the paths that changed.

It runs where nobody edits the checkout during the run: when CI=true (CI, and
`CI=true bin/test` on a developer's machine). It reads the status once per
run, in the controlling process (not in pytest-xdist's workers).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from commons import REPO_ROOT

# What running the tests itself leaves: Python's bytecode and pytest's and
# ruff's caches, and the tools the tests install (bin/test).
EXPECTED_PREFIXES = (".pytest_cache/", ".ruff_cache/", ".venv", "tests/tools/node_modules")
# Not even walked: thousands of installed files.
EXCLUDED_FOLDERS = (".venv", "tests/tools/node_modules")
EXPECTED_PARTS = ("__pycache__",)
STATUS_KEY = pytest.StashKey[frozenset[str]]()


def repository_status() -> frozenset[str] | None:
    """Each changed, untracked or ignored path of the checkout with its status
    (None outside a git checkout, or without git)."""
    git = shutil.which("git")
    if git is None or not (REPO_ROOT / ".git").exists():
        return None
    excluded = [f":(exclude){folder}" for folder in EXCLUDED_FOLDERS]
    completed = subprocess.run(
        [
            git,
            "status",
            "--porcelain=v1",
            "-z",
            "--ignored",
            "--untracked-files=all",
            "--",
            ".",
            *excluded,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    entries = completed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(
        entry
        for entry in entries
        if entry
        and not entry[3:].startswith(EXPECTED_PREFIXES)
        and not any(part in EXPECTED_PARTS for part in entry[3:].split("/"))
    )


def checking(config) -> bool:
    return os.environ.get("CI") == "true" and not hasattr(config, "workerinput")


def pytest_sessionstart(session):
    if checking(session.config):
        status = repository_status()
        if status is not None:
            session.config.stash[STATUS_KEY] = status


def pytest_sessionfinish(session, exitstatus):
    before = session.config.stash.get(STATUS_KEY, None)
    if before is None:
        return
    changed = sorted(repository_status() ^ before)
    if not changed:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = "\n".join(f"  {entry}" for entry in changed)
    message = (
        f"\nThe tests wrote into the repository ({REPO_ROOT}); these paths changed "
        f"(git status --porcelain):\n{lines}\n"
        "Fix: make the test that writes them write under its tmp_path instead."
    )
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(message, red=True)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
