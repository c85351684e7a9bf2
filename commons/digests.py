"""A digest of a set of files: their names and their bytes, in a stable order.

What the content cache's key (commons.build.cache_key), the render record's
code digest (plugins/render_record) and the comment publisher's site inputs
(commons/comments/publisher.py) each hash.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path


def files_digest(paths: Iterable[Path | str], root: Path | str | None = None, digest=None):
    """`digest` (a new SHA-256 when None) fed, file by file in sorted order, with each
    file's name and the SHA-256 of its bytes; returns it.

    The name is the path relative to `root` (with `/`), or the path as given
    without one. A file that cannot be read counts as the word "unreadable",
    so that a file that comes back changes the digest again.
    """
    digest = digest or hashlib.sha256()
    for path in sorted(str(path) for path in paths):
        name = os.path.relpath(path, root).replace(os.sep, "/") if root is not None else path
        digest.update(name.encode("utf-8", "surrogateescape") + b"\x00")
        try:
            with open(path, "rb") as file:
                digest.update(hashlib.file_digest(file, "sha256").digest())
        except OSError:
            digest.update(b"unreadable")
    return digest


def folder_files(root: Path | str) -> list[str]:
    """Every file below `root` (links to files included), as paths under it."""
    return [
        os.path.join(folder, name)
        for folder, _folders, names in os.walk(root)
        for name in names
        if os.path.isfile(os.path.join(folder, name))
    ]
