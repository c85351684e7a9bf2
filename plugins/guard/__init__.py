"""The guard: content is safe and valid before anything is published.

One plugin, one setting (GUARD), one module per check: sources.py (what may
be read, and within which limits), metadata.py (front matter), paths.py
(where a post may be written), links.py and written_links.py (links and
images that lead nowhere), media.py (uploads a browser would run, media from
other sites), html.py (the sanitiser). Every problem is a `Problem(file,
field, problem, fix)` collected per build and written as JSON
(problems.py), which `invoke build`, `invoke check` and the preview read.
"""

from .plugin import SCHEMA, register

__all__ = ["SCHEMA", "register"]
