"""Colours for highlighted code, light and dark, linked only from pages with code.

Writes the stylesheet and sets `has_code` on posts and pages. Settings: `CODE_STYLE`.
"""

from .code_style import SCHEMA, register

__all__ = ["SCHEMA", "register"]
