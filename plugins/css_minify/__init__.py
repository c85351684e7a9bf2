"""Minify the theme's stylesheets in the output, so the source can keep its comments.

The article page has a weight budget (18 KB before any interaction, HTML,
CSS, scripts and images; docs/theme.md); comments and indentation are a
fifth of a stylesheet. The minifier is rcssmin.
Settings: `CSS_MINIFY`.
"""

from .css_minify import SCHEMA, register

__all__ = ["SCHEMA", "register"]
