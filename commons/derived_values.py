"""Values worked out from a post's text alone, kept beside the content cache between builds.

Pelican's content cache keeps what a post reads as; plugins then work more out
of that text on every build: the links and images of a body (the guard), its
HTML with absolute links (the feeds). Each such value depends on its input
text and on the code that makes it, nothing else, so a build can take the
last build's value for the same text instead of parsing the body again.

One `DerivedValues` per plugin and build: it reads its file from the cache
folder when the build loads the content cache (LOAD_CONTENT_CACHE) and writes
it back at the end when the build caches content (CACHE_CONTENT). A value is
found by the digest of its kind and input text, so an edited post simply
misses; the file also records the digest of the code that made its values
(`code`: the makers' source files, and `packages`: the versions of the
libraries they call), and a file made by other code is not read.
Values a build did not ask for are kept for `MAX_AGE` more builds (the
posts of feeds a build kept from the last site are not asked for), then
dropped, so the file does not grow with every edit. Values are JSON data.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pelican import signals

from commons.digests import files_digest
from commons.files import Folder
from commons.receivers import BuildReceivers

FORMAT = 1
# Builds a value may go unused before it is dropped.
MAX_AGE = 8

Value = TypeVar("Value")


class DerivedValues(BuildReceivers):
    """One plugin's values of one build, by the digest of (kind, input text).

    Its owner calls `save` when it has asked for its last value, or connects
    it so that it saves itself when the build is written (`finalized`) and
    lets go of its signals. A build that fails before then leaves it connected
    until the next build's end, which writes its values (each still the one
    for its text) and lets it go.
    """

    def __init__(
        self,
        settings: dict,
        name: str,
        code: Iterable[Path | str],
        packages: Iterable[str] = (),
    ):
        cache = settings.get("CACHE_PATH")
        self.path = Path(cache) / f"derived-{name}.json" if cache else None
        self.save_enabled = bool(self.path and settings.get("CACHE_CONTENT"))
        digest = files_digest(code)
        for package in packages:
            digest.update(f"{package}={_version(package)}\x00".encode())
        self.code = digest.hexdigest()
        # digest -> [age, value]: the last build's, then this build's.
        self.last: dict[str, list] = {}
        if self.path and settings.get("LOAD_CONTENT_CACHE"):
            self.last = self._read()
        self.used: dict[str, list] = {}
        self.pid = os.getpid()

    def _read(self) -> dict[str, list]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        if data.get("code") != self.code or not isinstance(data.get("values"), dict):
            return {}
        return {
            key: entry
            for key, entry in data["values"].items()
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)
        }

    def receivers(self) -> list:
        return [(signals.finalized, self.finish)]

    def finish(self, _pelican) -> None:
        self.disconnect()
        self.save()

    def get(self, kind: str, text: str, make: Callable[[], Value]) -> Value:
        """The value of `kind` for `text`: the one kept for the same text, or `make()`."""
        key = hashlib.sha256(f"{kind}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()
        entry = self.used.get(key)
        if entry is None:
            entry = self.last.get(key)
            if entry is None:
                entry = [0, make()]
            self.used[key] = [0, entry[1]]
        return entry[1]

    def save(self) -> None:
        """Write this build's values, and the last build's it did not use, a build older.

        Only the process that read the file writes it (a forked render child's
        values stay in the child)."""
        if not self.save_enabled or os.getpid() != self.pid:
            return
        values = {
            key: [entry[0] + 1, entry[1]]
            for key, entry in self.last.items()
            if key not in self.used and entry[0] + 1 <= MAX_AGE
        }
        values.update(self.used)

        def fill(handle) -> None:
            # Value by value: the whole file as one string (tens of MiB at 5,000
            # posts, twice over once encoded) would raise the build's peak memory.
            head = f'{{"code": {json.dumps(self.code)}, "format": {FORMAT}, "values": {{'
            handle.write(head.encode("utf-8"))
            for number, key in enumerate(sorted(values)):
                entry = f"{',' if number else ''}{json.dumps(key)}: {json.dumps(values[key])}"
                handle.write(entry.encode("utf-8"))
            handle.write(b"}}")

        # Written beside the target, then linked into place; never through a
        # link planted in the cache folder.
        Folder(self.path.parent, force=True).write_from(self.path.name, fill)
        self.last, self.used = {}, {}


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "missing"
