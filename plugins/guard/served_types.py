"""The media types common web servers send a file with, by its extension.

`served_types.json`, beside this module, joins three maps: Debian's
/etc/mime.types (package media-types; Apache, lighttpd and Caddy on Debian
read it, and so does Python's http.server), nginx's /etc/nginx/mime.types,
and the table built into Python's `mimetypes`. It is a snapshot, so a build
judges uploads the same way on every machine; at build time Python's own
table is joined to it, so a newer Python can only add types. Write it again
from this machine's files with

    .venv/bin/python -m plugins.guard.served_types

(tests/unit/test_upload_types.py fails while it lacks a mapping this
machine's files have).
"""

from __future__ import annotations

import json
import mimetypes
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

TABLE = Path(__file__).with_name("served_types.json")
SYSTEM_MAPS = (Path("/etc/mime.types"), Path("/etc/nginx/mime.types"))


def parse_mime_types(text: str) -> dict[str, set[str]]:
    """extension (lower case, no dot) -> types, from a mime.types file in Debian's
    format (`type ext ext`, one a line) or nginx's (`types { type ext ext; }`)."""
    found: dict[str, set[str]] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].replace(";", " ").replace("{", " ").split()
        if len(words) < 2 or "/" not in words[0]:
            continue
        for extension in words[1:]:
            found.setdefault(extension.lower(), set()).add(words[0].lower())
    return found


def python_types() -> dict[str, set[str]]:
    """The table built into Python's mimetypes, without the system files it also reads."""
    table = mimetypes.MimeTypes(filenames=())
    found: dict[str, set[str]] = {}
    for strict in (True, False):
        for extension, kind in table.types_map[strict].items():
            found.setdefault(extension.lstrip(".").lower(), set()).add(kind.lower())
    return found


def join(*maps: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    joined: dict[str, set[str]] = {}
    for table in maps:
        for extension, kinds in table.items():
            joined.setdefault(extension, set()).update(kinds)
    return {extension: frozenset(kinds) for extension, kinds in joined.items()}


def machine_types() -> dict[str, frozenset[str]]:
    """This machine's maps (those of SYSTEM_MAPS it has) and Python's, joined."""
    maps = [
        parse_mime_types(path.read_text(encoding="utf-8")) for path in SYSTEM_MAPS if path.is_file()
    ]
    return join(*maps, python_types())


def served_types() -> dict[str, frozenset[str]]:
    """extension -> every type a common server sends it with: the snapshot and Python's table."""
    snapshot = json.loads(TABLE.read_text(encoding="utf-8"))
    return join(snapshot, python_types())


def write_table(path: Path = TABLE) -> int:
    missing = [str(p) for p in SYSTEM_MAPS if not p.is_file()]
    if missing:
        print(
            f"{', '.join(missing)} missing: apt-get install media-types nginx-common, "
            "then run again.",
            file=sys.stderr,
        )
        return 1
    table = sorted(machine_types().items())
    lines = [f"{json.dumps(extension)}: {json.dumps(sorted(kinds))}" for extension, kinds in table]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"Wrote {len(table)} extensions to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(write_table())
