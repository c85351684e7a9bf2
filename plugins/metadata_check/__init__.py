"""Fail the build early, and clearly, on bad front matter.

Pelican reports a bad date as "Could not process <file>" and skips the post.
This plugin names the file, the field, the value and the fix instead, so an
editor knows what to change without reading a traceback.
"""

from .metadata_check import SCHEMA, register

__all__ = ["SCHEMA", "register"]
