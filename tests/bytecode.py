"""Commons' own modules compiled once per run, when the environment forbids
Python to write bytecode (PYTHONDONTWRITEBYTECODE, as in the development
containers).

Without it every build, check and task the suite starts in a subprocess
compiles `commons/` and `plugins/` from source again: about 0.3 s of CPU of a
1 s build. Python still reads bytecode it may not write, so compiling the
checkout's modules beforehand (into their `__pycache__` folders, which git
ignores and `tests/repository_writes.py` expects) lets every subprocess load
them. The sites the tests write (their settings files) are never compiled
ahead: a file rewritten within the same second at the same size would load
stale bytecode.
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path

from commons import REPO_ROOT

# What the subprocesses of the suite import from the checkout.
PACKAGES = ("commons", "plugins")
MODULES = ("pelicanconf.py", "publishconf.py", "tasks.py")


def compile_checkout(root: Path = REPO_ROOT) -> bool:
    """Compile the checkout's packages and settings modules; True if all compiled."""
    compiled = all(compileall.compile_dir(root / name, quiet=2) for name in PACKAGES)
    for name in MODULES:
        if (root / name).is_file():
            compiled = compileall.compile_file(root / name, quiet=2) and compiled
    return bool(compiled)


def pytest_configure(config):
    # Once, in the controlling process: pytest-xdist's workers start later.
    if sys.dont_write_bytecode and not hasattr(config, "workerinput"):
        compile_checkout()
