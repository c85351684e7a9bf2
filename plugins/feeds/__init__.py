"""Feeds and discovery: full-content Atom and RSS, discussion links, a sitemap.

Pelican's own feed writer puts relative links in local feeds, drops a post's
other categories, keys entries on their URL and has no notion of a discussion.
This plugin replaces it (through the `get_writer` signal) and adds what helps a
subscriber or a crawler find the site: autodiscovery links for the templates,
`sitemap.xml` and, in production, `robots.txt`.
"""

from .options import SCHEMA
from .plugin import register

__all__ = ["SCHEMA", "register"]
