"""How Commons names a file by its path inside a folder: a post in a message, a written page."""

from __future__ import annotations

import os
from pathlib import PurePath

UNKNOWN_SOURCE = "<unknown file>"


def source_name(path, content_root) -> str:
    """`path` relative to `content_root` (Pelican's PATH), as an editor finds it: '2011/post.md'.

    Pass the build's own PATH (the generator's settings): a post loaded from
    Pelican's content cache carries the settings of the build that cached it.
    """
    if not path:
        return UNKNOWN_SOURCE
    try:
        return relative_posix(path, content_root or os.getcwd())
    except ValueError:  # another drive (Windows): the full path is still a name
        return str(path)


def relative_posix(path, folder) -> str:
    """`path` relative to `folder`, as os.path.relpath gives it, with "/" between folders.

    The common case, a normalised path under a normalised absolute folder (a
    post under PATH, a page Pelican writes under OUTPUT_PATH), is a slice,
    without relpath's two abspath calls (and their getcwd): a build names
    every post a dozen times, and every page it writes twice.
    """
    path, folder = os.fspath(path), os.fspath(folder)
    root = folder.rstrip("/")
    if (
        os.path.isabs(folder)
        and path.startswith(root + "/")
        and path == os.path.normpath(path)
        and root == os.path.normpath(folder)
    ):
        # Normalised already: only the separators may differ from the POSIX form.
        return path[len(root) + 1 :].replace(os.sep, "/")
    return PurePath(os.path.relpath(path, folder)).as_posix()
