"""Bring a folder up to date with a freshly built one, writing only files whose bytes differ."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write `data` to `target` atomically (a rename) unless it already holds exactly that."""
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        pass
    _make_parent(target)
    temporary = target.with_name(f".{target.name}.preview-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return True


def sync_tree(source: Path, target: Path, keep: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Make `target` hold exactly what `source` holds, moving only files that changed.

    Files are moved (renamed: `source` must be on the same file system), never
    copied, and only when their bytes differ, so a reader of `target` sees each
    file either old or new, never half-written. Files of `target` that `source`
    lacks are removed, except top-level names in `keep` (OUTPUT_RETENTION).
    Returns the changed paths, relative and with forward slashes, sorted.
    """
    source, target = Path(source), Path(target)
    fresh: set[str] = set()
    changed = move_changed(source, target, fresh)
    for folder, dirs, files in os.walk(target, topdown=True):
        here = Path(folder)
        if here == target:
            dirs[:] = [name for name in dirs if name not in keep]
            files = [name for name in files if name not in keep]
        for name in files:
            relative = (here / name).relative_to(target).as_posix()
            if relative not in fresh:
                (here / name).unlink()
                changed.append(relative)
    _remove_empty_folders(target, keep)
    return sorted(changed)


def move_changed(source: Path, target: Path, seen: set[str] | None = None) -> list[str]:
    """Move each file of `source` whose bytes `target` lacks into `target`; no file is removed.

    Returns the moved paths (relative, forward slashes); `seen` receives every
    path `source` holds.
    """
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    for folder, _dirs, files in os.walk(source):
        for name in files:
            path = Path(folder) / name
            relative = path.relative_to(source).as_posix()
            if seen is not None:
                seen.add(relative)
            destination = target / relative
            if _same_bytes(path, destination):
                continue
            _make_parent(destination)
            if destination.is_dir() and not destination.is_symlink():
                shutil.rmtree(destination)
            os.replace(path, destination)
            changed.append(relative)
    return changed


def _same_bytes(new: Path, old: Path) -> bool:
    try:
        if not old.is_file() or old.stat().st_size != new.stat().st_size:
            return False
        return old.read_bytes() == new.read_bytes()
    except OSError:
        return False


def _make_parent(path: Path) -> None:
    parent = path.parent
    # A file where a folder must now be (a page became a section): replace it.
    for ancestor in reversed(parent.parents):
        if ancestor.is_file():
            ancestor.unlink()
    if parent.is_file():
        parent.unlink()
    parent.mkdir(parents=True, exist_ok=True)


def _remove_empty_folders(root: Path, keep) -> None:
    for folder, _dirs, _files in os.walk(root, topdown=False):
        here = Path(folder)
        if here == root or here.relative_to(root).parts[0] in keep:
            continue
        with contextlib.suppress(OSError):  # not empty
            here.rmdir()
