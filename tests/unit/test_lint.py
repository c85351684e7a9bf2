"""Style is part of the suite: ruff lint and format must be clean."""

from __future__ import annotations

import subprocess
import sys

from commons import REPO_ROOT


def run_ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, str(REPO_ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_lint_is_clean():
    result = run_ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = run_ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
