"""Write the theme's own markup without the whitespace and quotes HTML does not need.

The article page has a weight budget (18 KB before any interaction, HTML,
CSS, scripts and images; docs/theme.md). The templates' line breaks,
indentation and attribute quotes are compacted as Jinja loads each template
(an attribute value made with expressions is quoted or not as the page
renders), and what a page inserts (a post's body, a title, a comment) is
never changed.
Settings: `HTML_MINIFY`.
"""

from .html_minify import SCHEMA, register

__all__ = ["SCHEMA", "register"]
