"""Which files were saved, and what kind of rebuild they need."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import watchfiles

# How long a burst of file events may take to settle (an editor's save is a
# few events within milliseconds), and how often the loop wakes up without one.
STEP_MS = 15
DEBOUNCE_MS = 60
IDLE_MS = 100


@dataclass(frozen=True, order=True)
class Change:
    path: Path
    kind: str  # "added", "modified" or "deleted"


def watch_changes(paths: list[Path], stop: threading.Event) -> Iterator[set[Change]]:
    """Yield each batch of changes under `paths` (folders, watched recursively, or files).

    Files are watched by their stamp (inode, size, modification and change
    times), checked each time the loop wakes up (an editor may replace a file
    by renaming another onto it; a copy may keep the modification time, never
    the change time). An
    empty set is yielded at least every IDLE_MS, so the caller can poll.
    """
    folders = [path for path in paths if path.is_dir()]
    files = {path: _stamp(path) for path in paths if not path.is_dir()}
    for raw in watchfiles.watch(
        *folders,
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        rust_timeout=IDLE_MS,
        yield_on_timeout=True,
        stop_event=stop,
        # Ctrl-C goes up to the preview's main, which stops cleanly. Caught
        # here, watchfiles would log a warning, which the build's fatal
        # logging turns into an error and a traceback.
        raise_interrupt=True,
    ):
        changes = {Change(Path(path), change.name) for change, path in raw}
        for path, stamp in files.items():
            now = _stamp(path)
            if now != stamp:
                files[path] = now
                changes.add(Change(path, "modified"))
        yield changes


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def classify(changes: set[Change], site, code: list[Path]) -> str:
    """'code' (plugins or Commons' own modules: restart), 'settings', 'theme' or 'content'."""
    paths = [change.path for change in changes]
    if any(_under(path, folder) for path in paths for folder in code):
        return "code"
    if site.settings_file in paths:
        return "settings"
    if all(_under(path, site.content) for path in paths):
        return "content"
    return "theme"


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
