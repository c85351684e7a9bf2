"""Minify the theme's stylesheets in the output, so the source can keep its comments.

The article page has a weight budget (HTML + CSS + JS <= 30 KB before any
interaction); comments and indentation are a sixth of the stylesheet.
Settings: `CSS_MINIFY`.
"""

from .css_minify import SCHEMA, register

__all__ = ["SCHEMA", "register"]
