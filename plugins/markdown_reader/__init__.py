"""Read Markdown with one converter per process, reset between files.

Pelican builds a new `markdown.Markdown` for every file it reads: finding,
loading and configuring the extensions costs about as much as converting a
short post. Python-Markdown's `reset()` is made for reuse (Pelican itself
resets and reuses a file's converter for its formatted metadata), so this
plugin gives Pelican a Markdown reader that keeps its converter from one file
to the next. The HTML is the same; a test compares every file of a build.
"""

from .markdown_reader import SCHEMA, register

__all__ = ["SCHEMA", "register"]
