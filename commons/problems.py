"""The problems a build found: `Problem(file, field, problem, fix)`, and the file they go in.

The guard (plugins/guard) writes one JSON file per build (GUARD['problems_file']):
a list of objects with the keys file, field, problem, fix and stops.
`commons.build`, `commons.check` and the preview read it with `read_problems`;
nothing reads problems back out of Pelican's log.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from commons.files import replace_file

# The file of a problem found in no file (a setting, the site as a whole).
NO_FILE = ""
# The environment variable that names the problem file of one build
# (GUARD['problems_file'] declares it): commons.build sets it for Pelican.
PROBLEMS_FILE_VARIABLE = "COMMONS_PROBLEMS_FILE"


@dataclass(frozen=True)
class Problem:
    """One thing to fix: the file (relative to content/, or NO_FILE), the metadata field
    or setting concerned ("" when none), what is wrong, and the fix ("" when none is known).

    `stops`: False for what the build goes on without (an element the sanitiser
    removed), which `invoke check` lists all the same.
    """

    file: str
    field: str
    problem: str
    fix: str
    stops: bool = True

    def __str__(self) -> str:
        said = f"{self.file}: {self.problem}" if self.file else self.problem
        return f"{said}. Fix: {self.fix}" if self.fix else said

    def as_json(self) -> dict:
        return asdict(self)


def write_problems(path: str | os.PathLike, problems: list[Problem]) -> None:
    """The problem file: a JSON list of objects with file, field, problem, fix and stops."""
    replace_file(
        path,
        json.dumps([problem.as_json() for problem in problems], ensure_ascii=False, indent=1),
    )


def read_problems(path: str | os.PathLike) -> list[Problem] | None:
    """The problems a build wrote to `path`, or None when it wrote none (it stopped before
    the guard started: a settings file that does not run, a plugin that does not import)."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entries, list):
        return None
    names = {field.name for field in fields(Problem)}
    return [
        Problem(**{key: value for key, value in entry.items() if key in names})
        for entry in entries
        if isinstance(entry, dict) and names - {"stops"} <= set(entry)
    ]
