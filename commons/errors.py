"""The exceptions Commons raises for what it refuses or cannot do.

Every one of them says, in its message, which file, line, field or setting is
at fault and what to do about it: a tool can catch `CommonsError` to print that
message and exit non-zero, and let anything else (a bug) show its traceback.

- `InputError` (also a ValueError): what an editor, an import file, a backup
  or a setting gave cannot be used.
- `OperationError` (also a RuntimeError): a command could not do its work (a
  build, a server, a publish), though its input may be fine.
"""

from __future__ import annotations


class CommonsError(Exception):
    """Something Commons refuses or cannot do; the message names where and the fix."""


class InputError(CommonsError, ValueError):
    """Input Commons was given cannot be used: content, settings, import files, backups."""


class OperationError(CommonsError, RuntimeError):
    """A command could not do its work: a build, a server, a publish."""
