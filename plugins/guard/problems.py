"""What the guard found, collected per build and written as JSON.

Every check returns `Problem(file, field, problem, fix)`s (commons/problems.py);
one `ProblemLog` per Pelican collects them, logs them for the editor, and
rewrites the build's problem file (GUARD['problems_file']) after each
addition, so the file is complete even when the build stops on the next line.
`commons.build`, `commons.check` and the preview read that file
(`commons.problems.read_problems`), never the log.

Messages other code logs at WARNING and above (Pelican's own, other
plugins') reach the same file through `LoggedProblems`, a logging handler,
from the log record's own fields: the file is the argument that names a
content file.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace

from commons.problems import NO_FILE, Problem, write_problems

__all__ = ["NO_FILE", "GuardError", "LoggedProblems", "Problem", "ProblemLog"]

# On the guard's own log records: the Problems the record says, for the handler.
GUARD_PROBLEMS = "commons_guard_problems"
# What Pelican logs when a reader (or a receiver of content_object_init) raised.
COULD_NOT_PROCESS = "Could not process %s"


class GuardError(ValueError):
    """The content has problems; the message lists each with its fix."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(
            "The content has problems:\n  " + "\n  ".join(str(p) for p in self.problems)
        )


class ProblemLog:
    """The problems of one Pelican's current build, and where they are written."""

    def __init__(self, path: str | None, logger: logging.Logger):
        self.path = path
        self.logger = logger
        self.problems: list[Problem] = []

    def start_build(self) -> None:
        self.problems = []
        self.save()

    def save(self) -> None:
        if self.path:
            write_problems(self.path, self.problems)

    def add(self, problems: list[Problem]) -> None:
        """Record problems found outside the guard (a log record), without logging them again."""
        fresh = [problem for problem in problems if problem not in self.problems]
        if fresh:
            self.problems += fresh
            self.save()

    def report(self, problems: list[Problem], stop: bool = True) -> None:
        """Record and log `problems`; raise GuardError when one stops the build and `stop`."""
        if not problems:
            return
        self.problems += [problem for problem in problems if problem not in self.problems]
        self.save()
        stopping = [problem for problem in problems if problem.stops]
        if not stopping:
            return
        message = "The content has problems:\n  " + "\n  ".join(str(p) for p in stopping)
        # Under --fatal warnings, logging the error is what stops Pelican;
        # without it, the exception does, unless GUARD['stop'] is False
        # (`invoke check`, which lists every problem of a throw-away build).
        self.logger.error("%s", message, extra={GUARD_PROBLEMS: stopping})
        if stop:
            raise GuardError(stopping)


class LoggedProblems(logging.Handler):
    """Turns what other code logs at WARNING and above into Problems of the same build.

    `fix_for(template, error)`: the fix for a message logged without one, from
    its template (the record's `msg`, before its arguments are put in) and the
    exception it reports, if any; "" when there is none to give.
    `echoes`: templates of messages that repeat, without a file, a problem the
    guard lists with its file: left out when a recorded problem names their argument.
    """

    def __init__(
        self,
        log: ProblemLog,
        content_root: str,
        fix_for: Callable[[str, BaseException | None], str],
        echoes: frozenset[str] = frozenset(),
    ):
        super().__init__(logging.WARNING)
        self.log = log
        self.content_root = content_root
        self.fix_for = fix_for
        self.echoes = echoes

    def emit(self, record: logging.LogRecord) -> None:
        carried = getattr(record, GUARD_PROBLEMS, None)
        if carried:
            self.log.add(list(carried))
            return
        # Pelican logs "Could not process" inside its `except`, without the
        # exception unless DEBUG is on: the one being handled is the reason.
        error = record.exc_info[1] if isinstance(record.exc_info, tuple) else sys.exc_info()[1]
        if isinstance(error, GuardError):
            # A problem found before its file was named (the metadata in a
            # file's name): the file Pelican gave up on.
            file = self._file_named(record.args) if record.msg == COULD_NOT_PROCESS else ""
            self.log.add([replace(p, file=p.file or file) for p in error.problems])
            return
        if _is_fatal_marker(error):
            return  # a guard's or Pelican's warning made fatal: recorded already
        message = record.getMessage().strip()
        if _is_fatal_marker_text(message):
            return
        file = self._file_named(record.args)
        if record.msg == COULD_NOT_PROCESS:
            self.log.add(self._unreadable(file, error))
            return
        if error is not None and str(error).strip() and str(error).strip() in self._said():
            return  # Pelican's last word on an error logged in full already
        if str(record.msg) in self.echoes and self._names_a_problem(record.args):
            return
        fix = self.fix_for(str(record.msg), error)
        self.log.add([Problem(file, "", message.rstrip(".") if fix else message, fix)])

    def _said(self) -> set[str]:
        return {problem.problem for problem in self.log.problems} | {
            str(problem) for problem in self.log.problems
        }

    def _names_a_problem(self, args) -> bool:
        said = [str(problem) for problem in self.log.problems]
        return any(
            isinstance(value, str) and value and any(value in text for text in said)
            for value in (args if isinstance(args, tuple) else ())
        )

    def _file_named(self, args) -> str:
        """The content file a record's arguments name (relative to content/), or NO_FILE:
        the last argument that does (Pelican names the post after what it links to)."""
        root = os.path.realpath(self.content_root)
        for value in reversed(args) if isinstance(args, tuple) else ():
            if not isinstance(value, (str, os.PathLike)):
                continue
            text = os.fspath(value)
            if "\n" in text or not text.strip():
                continue
            path = os.path.realpath(os.path.join(root, text))
            if path.startswith(root + os.sep) and os.path.isfile(path):
                return os.path.relpath(path, root).replace(os.sep, "/")
        return NO_FILE

    def _unreadable(self, file: str, error: BaseException | None) -> list[Problem]:
        """A file Pelican gave up on: the reason its reader raised, with a fix."""
        reason = str(error).strip() if error is not None else ""
        if reason in self._said():
            return []  # listed already, with its fix
        if file and any(p.file == file and reason and reason in str(p) for p in self.log.problems):
            return []
        reason = reason.removeprefix(f"{file}: ") if file else reason
        if " Fix: " in reason:  # the reader's own error says what to do
            return [Problem(file, "", f"Pelican could not read this file: {reason}", "")]
        because = f": {reason.rstrip('.')}" if reason else ""
        return [
            Problem(
                file,
                "",
                f"Pelican could not read this file{because}",
                "correct the file where the reason points (its metadata block at the top, or "
                "its markup), or move it out of content/ if it is not a post.",
            )
        ]


def _is_fatal_marker(error: BaseException | None) -> bool:
    return isinstance(error, RuntimeError) and _is_fatal_marker_text(str(error))


def _is_fatal_marker_text(text: str) -> bool:
    # What Pelican's FatalLogger raises, and its main() logs, once a
    # warning is fatal: the warning itself is recorded already.
    return text.endswith("Warning or error encountered")
