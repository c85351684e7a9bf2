"""Read nothing from outside content/, and nothing that costs more than its share.

Before Pelican opens a file, this plugin refuses links that lead out of
content/ and files that are not regular files (a named pipe would hang the
build). Every reader gets a size and a time limit per file, and a failure
names the file and the reason. `{static}`, `{attach}` and `{filename}` links
must name files inside content/.
"""

from .source_guard import SCHEMA, register

__all__ = ["SCHEMA", "register"]
