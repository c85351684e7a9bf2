"""Render the site's pages on every core, and write them as Pelican would.

Pelican renders every page's template in one process, one after the other.
When the first generator starts writing, this plugin forks render children.
A child is a copy of the build at that instant: it walks the same generators'
output in the same order, and renders the pages it claims first (a table in
shared memory says who claimed what) and sends their HTML back. The parent
walks as Pelican always does and writes every file and sends every signal
itself, in Pelican's order; for a page a child claimed, it takes the child's
HTML instead of rendering it. Anything unusual about a child's render (an
exception, a warning, a child that dies) only costs time: the parent renders
that page itself, so errors and `--fatal warnings` behave exactly as without
the plugin, and the output is the same, byte for byte.
"""

from .parallel_render import SCHEMA, register

__all__ = ["SCHEMA", "register"]
