"""Write the theme's own markup without the whitespace and quotes HTML does not need.

The article page has a weight budget (18 KB before any interaction, HTML,
CSS, scripts and images; docs/theme.md). The templates' line breaks,
indentation and attribute quotes are compacted as Jinja loads each template,
so a page costs nothing more to render, and what a page inserts (a post's
body, a title, a comment) is never changed.
Settings: `HTML_MINIFY`.
"""

from .html_minify import SCHEMA, register

__all__ = ["SCHEMA", "register"]
