"""`invoke check`: every problem in the site at once, grouped by file, each with its fix.

`invoke build` stops at Pelican's first warning (warnings are fatal there);
`check` runs the same build with warnings not fatal and the guard told to go
on (GUARD['stop'] False), into a folder it throws away, and reads the
problems the build wrote (plugins/guard; commons/problems.py): each reader
error (one per file), the cross-file content problems, and what Pelican and
the other plugins logged. A problem of a file under content/ is listed under
that file; the others under "The site".
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import CONTENT_DIR, DEV_SETTINGS, REPO_ROOT
from .build import LOG_TAIL, pelican_command
from .build_server import run_pelican
from .problems import PROBLEMS_FILE_VARIABLE, Problem, read_problems
from .unicode_controls import terminal_safe

SITE_WIDE = "The site"


@dataclass
class CheckReport:
    """The problems found, per file (relative to content/), in the order they were seen."""

    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(messages) for messages in self.problems.values())

    def render(self) -> str:
        if not self.problems:
            return "No problems found."
        lines = []
        for source, messages in self.problems.items():
            # Names and messages come from the content: shown with terminal
            # controls escaped, as every line Commons prints.
            shown = terminal_safe(source, newlines=False)
            lines.append(shown if source == SITE_WIDE else f"content/{shown}")
            lines += [f"  - {terminal_safe(message)}" for message in messages]
        files = len(self.problems)
        noun = "problem" if self.count == 1 else "problems"
        lines.append(f"{self.count} {noun} in {files} {'place' if files == 1 else 'places'}.")
        return "\n".join(lines)


def group(problems: list[Problem]) -> CheckReport:
    """The problems per file (the site's own last), each once, in the order they were found."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        where = problem.file or SITE_WIDE
        # The file is the heading: each message is said without it.
        message = str(replace(problem, file=""))
        listed = grouped.setdefault(where, [])
        if message not in listed:
            listed.append(message)
    ordered = {name: grouped[name] for name in sorted(grouped) if name != SITE_WIDE}
    if grouped.get(SITE_WIDE):
        ordered[SITE_WIDE] = grouped[SITE_WIDE]
    return CheckReport(ordered)


def check_site(
    settings_file: Path = DEV_SETTINGS, content: Path = CONTENT_DIR, env: dict | None = None
) -> CheckReport:
    """Build `content` with warnings not fatal, into a throw-away folder; report every problem.

    Settings Commons cannot use are the report (every one, naming the file): no
    build is tried with them.
    """
    from .config import load
    from .settings import SettingsError

    content = Path(content).resolve()
    try:
        settings = load(
            Path(settings_file),
            # The content folder the check reads (Pelican refuses a PATH that is not one).
            overrides={"PATH": str(content)} if content.is_dir() else None,
            environ={**os.environ, **(env or {})},
        ).settings
    except SettingsError as error:
        name = Path(settings_file).name
        return CheckReport({SITE_WIDE: [f"{name}: {problem}" for problem in error.problems]})
    with tempfile.TemporaryDirectory(prefix="commons-check-") as scratch:
        scratch_path = Path(scratch)
        problems_file = scratch_path / "problems.json"
        command = pelican_command(
            Path(settings_file),
            scratch_path / "output",
            content,
            overrides={
                "CACHE_PATH": str(scratch_path / "cache"),
                "LOAD_CONTENT_CACHE": False,
                # Go on past a file's bad metadata and the cross-file checks,
                # so its links and later stages report too.
                "GUARD": {
                    **settings.get("GUARD", {}),
                    "stop": False,
                    "problems_file": str(problems_file),
                },
            },
            fatal=None,
        )
        # The check reads the site; it does not ask the comment server for snapshots.
        env = {**os.environ, "COMMONS_COMMENTS_OFFLINE": "1", **(env or {})}
        # The check's own problem file, whatever the caller's environment names.
        env.pop(PROBLEMS_FILE_VARIABLE, None)
        completed = run_pelican(command, cwd=REPO_ROOT, env=env)
        problems = read_problems(problems_file)
    report = group(problems or [])
    if problems is None and completed.returncode == 0:
        report.problems[SITE_WIDE] = [
            "Nothing was checked: the settings' PLUGINS list has no 'plugins.guard'. "
            "Fix: add 'plugins.guard' to PLUGINS in pelicanconf.py, right after "
            "'plugins.terminal_safe'."
        ]
    elif problems is None:
        # The guard never started: the settings file did not run, or a plugin
        # did not import. Pelican's own output is all there is.
        tail = (completed.stdout + completed.stderr).strip()[-LOG_TAIL:]
        report.problems[SITE_WIDE] = [
            f"The check could not start (Pelican exit code {completed.returncode}): {tail}. "
            "Fix: correct what it names, or run `invoke build` to see Pelican's full log."
        ]
    elif completed.returncode != 0 and not report.problems:
        report.problems[SITE_WIDE] = [
            f"Pelican stopped (exit code {completed.returncode}) without saying why. "
            "Fix: run `invoke build` to see its full log."
        ]
    return report
