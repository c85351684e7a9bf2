"""Check the content as a whole before anything is written.

Each file readable and UTF-8; every `{filename}`, `{static}` and `{attach}`
reference and every local image pointing at a file that exists; categories
from the agreed list when one is set. (Two posts sharing a discussion thread
are refused by the discussion plugin, which owns thread identity.)
Every problem is reported at once, each with the file and the fix.
"""

from .content_check import SCHEMA, register

__all__ = ["SCHEMA", "register"]
