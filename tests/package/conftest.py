"""Commons as its users get it: the wheel built from this working tree, installed
into a fresh virtual environment outside the repository.

Tests have no network: the wheel is built with --no-isolation (setuptools and
build are pinned in requirements-dev.txt) and installed with --no-deps. Its
dependencies are this environment's installed packages, linked into the new
one entry by entry as pip would have put them beside it (Pelican's `pelican`
package is merged, file by file, with the wheel's `pelican/plugins/commons_*`);
the checkout itself is never importable there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from commons import REPO_ROOT
from tests.conftest import restore_sigint

# What the wheel is built from: the packaging files and the packaged folders.
PACKAGE_INPUTS = (
    "pyproject.toml",
    "setup.py",
    "LICENSE",
    "README.md",
    "docs/install.md",
    "commons",
    "plugins",
    "theme",
)
# Variables of this session that would point the new environment back at it.
LEAKING_VARIABLES = ("PYTHONPATH", "VIRTUAL_ENV", "COMMONS_SITE", "PYTHONHOME")


@dataclass
class Installed:
    """A fresh virtual environment with the wheel installed."""

    root: Path
    wheel: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def environment(self, extra: dict | None = None) -> dict:
        env = {key: value for key, value in os.environ.items() if key not in LEAKING_VARIABLES}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return {**env, **(extra or {})}

    def run(self, command: list, cwd: Path, env: dict | None = None, timeout: float = 300):
        """Run `command` (its first word a program of the environment) in `cwd`."""
        program, *arguments = command
        return subprocess.run(
            [str(self.bin / program), *map(str, arguments)],
            cwd=cwd,
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, command: list, cwd: Path, env: dict | None = None) -> subprocess.Popen:
        program, *arguments = command
        return subprocess.Popen(
            [str(self.bin / program), *map(str, arguments)],
            cwd=cwd,
            env=self.environment(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=restore_sigint,
        )


def run_checked(command: list, **kwargs) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False, **kwargs
    )
    assert completed.returncode == 0, f"{command}:\n{completed.stdout}\n{completed.stderr}"
    return completed


def copy_package_inputs(destination: Path) -> Path:
    """The working tree's packaged files, so the build writes nothing into the repository."""
    for name in PACKAGE_INPUTS:
        source, target = REPO_ROOT / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return destination


def link_dependencies(venv_site: Path, venv_bin: Path) -> None:
    """This environment's packages and their commands, visible from the new one."""
    shared_site = Path(sysconfig.get_paths()["purelib"])
    for entry in shared_site.iterdir():
        if entry.name in ("__pycache__", "pelican") or entry.name.startswith("commons"):
            continue
        target = venv_site / entry.name
        if not target.exists():
            target.symlink_to(entry)
    # Pelican's own modules beside the wheel's pelican/plugins/commons_*.
    (venv_site / "pelican" / "plugins").mkdir(parents=True, exist_ok=True)
    for entry in (shared_site / "pelican").iterdir():
        if entry.name not in ("plugins", "__pycache__"):
            (venv_site / "pelican" / entry.name).symlink_to(entry)
    for entry in (shared_site / "pelican" / "plugins").iterdir():
        if entry.name != "__pycache__":
            (venv_site / "pelican" / "plugins" / entry.name).symlink_to(entry)
    # The dependencies' commands (pelican, pelican-plugins, invoke, gunicorn...),
    # as pip writes them: the same script, started by the new environment's Python.
    shared_bin = Path(sys.executable).parent
    for script in shared_bin.iterdir():
        target = venv_bin / script.name
        if target.exists() or not script.is_file():
            continue
        try:
            first, _, rest = script.read_text(encoding="utf-8").partition("\n")
        except UnicodeDecodeError:
            continue
        if first.startswith("#!") and first.endswith(("/python", "/python3")):
            target.write_text(f"#!{venv_bin / 'python'}\n{rest}", encoding="utf-8")
            target.chmod(0o755)


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    work = tmp_path_factory.mktemp("package")
    # The checkout is not installed in this environment: outside it, it cannot be imported.
    outside = subprocess.run(
        [sys.executable, "-c", "import commons"],
        cwd=work,
        env={k: v for k, v in os.environ.items() if k not in LEAKING_VARIABLES},
        capture_output=True,
        text=True,
        check=False,
    )
    assert outside.returncode != 0, "this environment has the checkout installed (editable?)"

    started = time.perf_counter()
    source = copy_package_inputs(work / "source")
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir"]
    run_checked([*build, work / "dist", source], cwd=work)
    (wheel,) = (work / "dist").glob("pelican_commons-*.whl")
    built = time.perf_counter()
    installed = new_environment(work / "venv", wheel)
    done = time.perf_counter()
    installed.timings.update({"build the wheel": built - started, "venv and install": done - built})
    return installed


def pip_install(venv: Path, *arguments) -> subprocess.CompletedProcess:
    """This environment's pip installing into `venv` (--python), from files only:
    no index, no dependencies (link_dependencies makes them visible)."""
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install"]
    options = ["--no-deps", "--no-index", "--disable-pip-version-check"]
    return run_checked([*pip, *options, *arguments], cwd=venv.parent)


def new_environment(venv: Path, wheel: Path) -> Installed:
    """A fresh virtual environment at `venv` with `wheel` installed and the
    dependencies this environment has made visible in it."""
    run_checked([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent)
    pip_install(venv, wheel)
    venv_site = Path(
        run_checked(
            [
                venv / "bin" / "python",
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            cwd=venv.parent,
        ).stdout.strip()
    )
    link_dependencies(venv_site, venv / "bin")
    return Installed(root=venv, wheel=wheel)
