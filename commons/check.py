"""`invoke check`: every problem in the site at once, grouped by file, each with its fix.

`invoke build` stops at Pelican's first warning (warnings are fatal there);
`check` runs the same build with warnings not fatal, into a folder it throws
away, and collects everything Pelican and Commons' plugins say: each reader
error (one per file), the cross-file content problems, and Pelican's own
warnings. A message that names a file under content/ is listed under that
file; the others under "The site".
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import CONTENT_DIR, DEV_SETTINGS, REPO_ROOT
from .build import STATIC_LINK_FIX, pelican_command
from .unicode_controls import terminal_safe

SITE_WIDE = "The site"
# The name plugins/metadata_check gives a problem found outside a file's reading.
UNNAMED_SOURCE = "<settings>"
# Lines that are not problems: Pelican's summary, and the traceback and the
# repeated message that follow an error raised by a plugin (its lines were
# logged once already).
NOT_PROBLEMS = re.compile(
    r"^(Traceback |  File |    |"
    r"\w+(\.\w+)*Error: |\w+(\.\w+)*Exception: |"
    r"RuntimeError: Warning or error encountered|The content has problems:$|\^+$)"
)
# Pelican's closing summary, wrapped over two lines.
DONE = re.compile(r"^Done: Processed .*? seconds\.$", re.MULTILINE | re.DOTALL)
# Pelican's warning for a {filename} link to a missing file names no file;
# Commons' content check reports the same link with its file.
UNRESOLVED = re.compile(r"^Unable to find '(?P<target>[^']*)', skipping url replacement")
# Pelican's "Could not process x.md" (or "./x.md") after a reader error: the
# rest of the line is the file's path, spaces and all.
COULD_NOT_PROCESS = re.compile(r"^Could not process (?:\./)?(?P<path>.+)$")
# The last line of the traceback that follows it (the check runs with DEBUG
# on, so Pelican logs one): the reason.
EXCEPTION_LINE = re.compile(r"^(?:\w+\.)*(?P<kind>\w+(?:Error|Exception)): (?P<reason>.*)$")
# A traceback's own lines: a log line may start with one space (a file named
# " notes.md"), never with these.
TRACEBACK_LINES = ("Traceback ", "  File ", "    ")
# The lines that join two tracebacks of one failure.
CHAINED = {
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
}
# The first line of a block of problems (plugins/content_check), whose lines
# are indented by two spaces: a file name may itself start with a space.
BLOCK_START = "The content has problems:"
BLOCK_INDENT = "  "


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
            lines.append(source if source == SITE_WIDE else f"content/{source}")
            lines += [f"  - {message}" for message in messages]
        files = len(self.problems)
        noun = "problem" if self.count == 1 else "problems"
        lines.append(f"{self.count} {noun} in {files} {'place' if files == 1 else 'places'}.")
        return "\n".join(lines)


def source_files(content: Path) -> list[str]:
    """Every file under `content`, as a path relative to it and as the build's
    log names it (terminal controls escaped, plugins/terminal_safe), longest first."""
    return sorted(
        (
            terminal_safe(p.relative_to(content).as_posix(), newlines=False)
            for p in content.rglob("*")
            if not p.is_dir()
        ),
        key=lambda name: (-len(name), name),
    )


def group(log: str, sources: list[str]) -> CheckReport:
    """Sort Pelican's log lines into problems per source file."""
    grouped: dict[str, list[str]] = defaultdict(list)
    unread: dict[str, str] = {}
    names = set(sources)
    in_block = False
    reading = None  # the file whose traceback is being read
    for raw_line in DONE.sub("", log).splitlines():
        if reading is not None:
            # Inside the traceback after "Could not process": its last
            # exception line (of a chain, the last one) is the reason.
            failure = EXCEPTION_LINE.match(raw_line)
            if failure:
                unread[reading] = failure["reason"].strip()
                continue
            if (
                not raw_line.strip()
                or raw_line.startswith(TRACEBACK_LINES)
                or (raw_line in CHAINED)
            ):
                continue
            reading = None
        if raw_line == BLOCK_START:
            in_block = True
            continue
        if in_block and raw_line.startswith(BLOCK_INDENT):
            line = raw_line[len(BLOCK_INDENT) :].rstrip()
        else:
            in_block = False
            if not raw_line.strip() or NOT_PROBLEMS.match(raw_line):
                continue
            line = raw_line.rstrip()
        could_not = COULD_NOT_PROCESS.match(line)
        if could_not:
            path = _known_path(could_not["path"], names)
            unread.setdefault(path, "")
            reading = path
            continue
        unresolved = UNRESOLVED.match(line)
        if unresolved and any(
            unresolved["target"] in message for messages in grouped.values() for message in messages
        ):
            continue  # the file that links to it is listed with the fix
        source = _source_named(line, sources)
        message = line[len(source) + 2 :] if source and line.startswith(f"{source}: ") else line
        message = message.strip()
        if message.startswith("{filename} used for linking to static content"):
            message += ". " + STATIC_LINK_FIX
        if message not in grouped[source or SITE_WIDE]:
            grouped[source or SITE_WIDE].append(message)
    for path, logged_reason in unread.items():
        # Commons' own errors start with the file's name, shown already.
        reason = logged_reason.removeprefix(f"{path}: ")
        if reason.startswith(f"{UNNAMED_SOURCE}: "):
            # Pelican reads the metadata in a file's name (FILENAME_METADATA)
            # before the file, so the error was also logged under no file's
            # name: it is listed once, under the file.
            grouped[SITE_WIDE] = [m for m in grouped.get(SITE_WIDE, []) if m != reason]
            reason = reason.removeprefix(f"{UNNAMED_SOURCE}: ")
        listed = grouped.get(path) or []
        if listed and (not reason or any(reason in message for message in listed)):
            continue  # the file's own messages say why already
        if " Fix: " in reason:
            grouped[path].append(f"Pelican could not read this file: {reason}")
            continue
        because = f": {reason}" if reason else ""
        grouped[path].append(
            f"Pelican could not read this file{because}. Fix: correct the file where the "
            "reason points (its metadata block at the top, or its markup), or move it out "
            "of content/ if it is not a post."
        )
    ordered = {
        name: grouped[name] for name in sorted(grouped) if name != SITE_WIDE and grouped[name]
    }
    if grouped.get(SITE_WIDE):
        ordered[SITE_WIDE] = grouped[SITE_WIDE]
    return CheckReport(ordered)


def _known_path(logged: str, names: set[str]) -> str:
    """The source file a "Could not process" line names: the whole rest of the
    line when it is a file, else the longest file name it starts with."""
    if logged in names:
        return logged
    starts = [name for name in names if logged.startswith(name)]
    return max(starts, key=len) if starts else logged


def _source_named(line: str, sources: list[str]) -> str | None:
    for name in sources:
        if (
            line.startswith(f"{name}: ")
            or f"./{name}" in line
            or f"'{name}'" in line
            or line.endswith((f" in {name}. Use {{static}} instead", f" in {name}"))
        ):
            return name
    return None


def _setting(settings: dict, name: str) -> dict:
    return dict(settings.get(name) or {})


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
        settings = load(Path(settings_file), environ={**os.environ, **(env or {})}).settings
    except SettingsError as error:
        name = Path(settings_file).name
        return CheckReport({SITE_WIDE: [f"{name}: {problem}" for problem in error.problems]})
    with tempfile.TemporaryDirectory(prefix="commons-check-") as scratch:
        scratch_path = Path(scratch)
        command = pelican_command(
            Path(settings_file),
            scratch_path / "output",
            content,
            overrides={
                "CACHE_PATH": str(scratch_path / "cache"),
                "LOAD_CONTENT_CACHE": False,
                # Go on past a file's bad metadata and the cross-file checks,
                # so its links and later stages report too.
                "CONTENT_CHECK": {**_setting(settings, "CONTENT_CHECK"), "stop": False},
                "METADATA_CHECK": {**_setting(settings, "METADATA_CHECK"), "stop": False},
                # A file Pelican cannot read: its traceback, whose last line says why.
                "DEBUG": True,
            },
            fatal=None,
        )
        # The check reads the site; it does not ask the comment server for snapshots.
        env = {**os.environ, "COMMONS_COMMENTS_OFFLINE": "1", **(env or {})}
        completed = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, env=env, check=False
        )
    report = group(completed.stdout + completed.stderr, source_files(content))
    if completed.returncode != 0 and not report.problems:
        report.problems[SITE_WIDE] = [
            f"Pelican stopped (exit code {completed.returncode}) without saying why. "
            "Fix: run `invoke build` to see its full log."
        ]
    return report
