"""How Commons names a content file in a message: its path inside the content folder."""

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
    path, root = os.fspath(path), os.fspath(content_root or "")
    # The common case, a normalised path under a normalised absolute root,
    # without relpath's two abspath calls (and their getcwd): a build names
    # every post this way a dozen times.
    if (
        os.path.isabs(root)
        and path.startswith(root.rstrip("/") + "/")
        and path == os.path.normpath(path)
        and root.rstrip("/") == os.path.normpath(root)
    ):
        # Normalised already: only the separators may differ from the POSIX form.
        return path[len(root.rstrip("/")) + 1 :].replace(os.sep, "/")
    try:
        relative = os.path.relpath(path, content_root or os.getcwd())
    except ValueError:  # another drive (Windows): the full path is still a name
        return str(path)
    return PurePath(relative).as_posix()
