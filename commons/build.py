"""Strict, atomic builds.

Pelican writes straight into its output folder, so a build that fails half way
leaves a half-written site. Commons builds into a fresh staging folder next to
the output, with `--fatal warnings`, and only when Pelican exits cleanly does it
swap the staging folder in. Files listed in OUTPUT_RETENTION (a CNAME, a .git
folder for gh-pages) are carried over from the old output first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import CONTENT_DIR, DEV_SETTINGS, REPO_ROOT

# With Pelican's plain log handler, its messages come first; under --fatal the
# first of these lines ends them and a traceback follows.
LOG_END_MARKERS = ("RuntimeError: Warning or error encountered", "Traceback", "CRITICAL")
PELICAN_FIXES = [
    (
        re.compile(r'There are \d+ items "with slug'),
        "Fix: give each of these posts its own Slug (or a different title).",
    ),
    (
        re.compile(r"Unable to find '.*', skipping url replacement"),
        "Fix: correct the {filename} or {static} link, or add the file it names.",
    ),
]


class BuildError(RuntimeError):
    """Pelican failed; the message carries its log so the editor sees why."""

    def __init__(self, message: str, log: str):
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class BuildResult:
    output: Path
    log: str


def pelican_command(
    settings_file: Path,
    output: Path,
    content: Path,
    overrides: dict | None = None,
    fatal: str | None = "warnings",
) -> list[str]:
    """The command line that runs Pelican for one build."""
    command = [
        sys.executable,
        "-m",
        "pelican",
        str(content),
        "--settings",
        str(settings_file),
        "--output",
        str(output),
    ]
    if fatal:
        command += ["--fatal", fatal]
    # Plain lines (no columns, no wrapping) so errors reach the editor whole.
    command += ["--log-handler", "plain"]
    if overrides:
        # One --extra-settings with every pair: Pelican keeps only the last
        # occurrence of the option.
        command += ["--extra-settings"]
        command += [f"{key}={json.dumps(value)}" for key, value in overrides.items()]
    return command


def build_site(
    output: Path,
    *,
    settings_file: Path = DEV_SETTINGS,
    content: Path = CONTENT_DIR,
    overrides: dict | None = None,
    fatal: str | None = "warnings",
    env: dict | None = None,
) -> BuildResult:
    """Build the site into `output` atomically; raise BuildError and leave `output` as it was."""
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # Each output has its own content cache: concurrent builds of different
    # outputs (tests, benchmarks, an editor's livereload) never share one.
    overrides = {"CACHE_PATH": str(cache_path(output)), **(overrides or {})}
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{output.name}-", dir=output.parent))
    try:
        completed = subprocess.run(
            pelican_command(Path(settings_file), staging, Path(content), overrides, fatal),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        log = completed.stdout + completed.stderr
        if completed.returncode != 0:
            raise BuildError(
                f"The build failed (Pelican exit code {completed.returncode}); "
                f"{output} was left as it was.\n{explain(log)}",
                log,
            )
        _carry_over(output, staging, output_retention(Path(settings_file)))
        _swap_in(staging, output)
        return BuildResult(output=output, log=log)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def cache_path(output: Path) -> Path:
    """Where the content cache of the build into `output` lives: beside it."""
    output = Path(output).resolve()
    return output.parent / f".pelican-cache-{output.name}"


def output_retention(settings_file: Path) -> list[str]:
    """OUTPUT_RETENTION as the settings file sets it."""
    from pelican.settings import get_settings_from_file

    return list(get_settings_from_file(str(settings_file)).get("OUTPUT_RETENTION", []))


def build_notes(log: str) -> list[str]:
    """The lines of a build's log meant for the person who ran it (the comment snapshot's)."""
    from .comments.snapshot import NOTE_PREFIX

    return [line for line in log.splitlines() if line.startswith(NOTE_PREFIX)]


def explain(log: str) -> str:
    """What the editor needs from Pelican's log: its messages, not its traceback.

    Pelican's own messages get Commons' fix appended where Pelican gives none.
    """
    lines = []
    for line in log.splitlines():
        if line.startswith(LOG_END_MARKERS):
            break
        lines.append(line)
    message = "\n".join(lines).strip() or log[-4000:]
    fixes = [fix for pattern, fix in PELICAN_FIXES if pattern.search(message)]
    return "\n".join([message, *fixes])


def _carry_over(old: Path, new: Path, retention: list[str]) -> None:
    for name in retention:
        source = old / name
        if not source.exists() or (new / name).exists():
            continue
        if source.is_dir():
            shutil.copytree(source, new / name, symlinks=True)
        else:
            shutil.copy2(source, new / name)


def _swap_in(staging: Path, output: Path) -> None:
    # Two renames on one file system, so nobody ever sees old and new files
    # mixed. They are two steps, not one: between them the output path does
    # not exist (a server answers 404 for that instant), and a crash there
    # leaves no site at the output path: the old one is beside it as
    # .previous-<name>-<pid> (with the OUTPUT_RETENTION files), the new one as
    # .staging-<name>-<random>; rename one of them back by hand.
    previous = None
    if output.exists():
        previous = output.with_name(f".previous-{output.name}-{os.getpid()}")
        shutil.rmtree(previous, ignore_errors=True)
        output.rename(previous)
    staging.rename(output)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
