"""Commons run as the user nobody (`setpriv`), for the tests that check what
another user can and cannot do with a site.

nobody must reach the interpreter, the code and the settings. A checkout in a
private folder (a home directory at 0700) hides them: the command then runs
in a mount namespace of its own, where the checkout is bind-mounted on a
folder anyone can enter, and nobody runs it from there. Nothing outside that
namespace sees the mount, and it ends with the command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from commons import REPO_ROOT
from tests.conftest import require

NOBODY = 65534
DROP_TO_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
# Bind the checkout ($1) on the view ($2), enter it, and run the rest. The
# paths are arguments, never part of the script.
BIND_AND_RUN = 'mount --bind -- "$1" "$2" && cd -- "$2" && shift 2 && exec "$@"'
# What nobody's Python must import for the tests' commands to run.
PROBE = "import commons.build, commons.static_server, pelican"


@dataclass(frozen=True)
class NobodyCheckout:
    """How to run the checkout's Python as nobody: `command(...)`, from REPO_ROOT."""

    prefix: tuple[str, ...]
    python: str

    def command(self, *arguments: str) -> list[str]:
        """`python arguments…` as nobody, run with cwd=REPO_ROOT."""
        return [*self.prefix, *DROP_TO_NOBODY, self.python, *arguments]

    def runs(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command("-c", PROBE),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )


@contextmanager
def checkout_for_nobody() -> Iterator[NobodyCheckout]:
    """The checkout as nobody can run it: in place when nobody can reach it,
    else through a bind mount; skips, saying why, when neither works."""
    require(shutil.which("setpriv") is not None, "setpriv", "apt-get install util-linux")
    in_place = NobodyCheckout(prefix=(), python=sys.executable)
    if in_place.runs().returncode == 0:
        yield in_place
        return
    # Normalised (a `..` in it would pass for inside the checkout), but not
    # resolved: a .venv that links elsewhere is still reached through the checkout.
    python = Path(os.path.normpath(sys.executable))
    if not python.is_relative_to(REPO_ROOT):
        pytest.skip(
            f"the user nobody cannot run this Python ({python}), which is outside the "
            f"checkout: put the checkout and its .venv where other users can read them"
        )
    view = Path(tempfile.mkdtemp(prefix="commons-nobody-view-"))
    try:
        view.chmod(0o755)
        through_view = NobodyCheckout(
            prefix=(
                "unshare",
                "--mount",
                "--",
                "sh",
                "-c",
                BIND_AND_RUN,
                "sh",
                str(REPO_ROOT),
                str(view),
            ),
            python=str(view / python.relative_to(REPO_ROOT)),
        )
        probe = through_view.runs()
        if probe.returncode != 0:
            pytest.skip(
                f"the user nobody cannot reach the checkout ({REPO_ROOT} is in a private "
                f"folder) and cannot run it through a bind mount either: "
                f"{' '.join(probe.stderr.split()) or f'exit code {probe.returncode}'}"
            )
        yield through_view
    finally:
        view.rmdir()
