"""What a pass takes from the output folder as it is, instead of rendering it again."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class KeptOutput:
    """The output folder as the last pass synced and the saves since left it.

    Every page and feed in it is what the site model renders, except where
    `changed_posts` (ids of post objects) show: so a pass may take any other
    page's text, or, from a feed holding one of them, the other posts'
    entries (plugins/feeds: the writer's `kept_feeds`).
    """

    root: Path
    changed_posts: frozenset[int] = frozenset()

    def text(self, name: str) -> str | None:
        """The text of the output's file `name` (relative), or None."""
        path = self._path(name)
        try:
            return None if path is None else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            return None

    def holds(self, name: str) -> bool:
        """Whether the output has a file `name` (relative)."""
        path = self._path(name)
        return path is not None and path.is_file()

    def size(self, name: str) -> int:
        """The size in bytes of the output's file `name` (relative); 0 if none."""
        path = self._path(name)
        try:
            return 0 if path is None else path.stat().st_size
        except OSError:
            return 0

    def _path(self, name: str) -> Path | None:
        # Names the writer was given (from the settings and posts' slugs):
        # only inside the output, as Pelican's sanitised_join allows them.
        if not name or os.path.isabs(name) or ".." in PurePosixPath(name).parts:
            return None
        return self.root / name

    def changed(self, post) -> bool:
        return id(post) in self.changed_posts
