"""Read the Markdown sources on every core before Pelican asks for them.

Pelican reads and converts content files one at a time, in one process, and
on a large site that is a third of the build. Right after the articles'
generator is created, this plugin forks worker processes that run the very same
readers (with every plugin's reader hooks) over the files, and hands Pelican
the results as it asks for each file. Anything unusual about a file (a warning,
an error, an edit in between) sends it back to Pelican's own serial read, so
error messages and `--fatal warnings` behave exactly as without the plugin.
"""

from .parallel_read import SCHEMA, register

__all__ = ["SCHEMA", "register"]
