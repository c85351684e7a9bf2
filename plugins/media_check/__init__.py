"""Uploads a browser would run are refused; images from other sites are named.

A static file under `STATIC_PATHS` (or linked with `{static}`/`{attach}`) is
served from the site's own origin: an SVG with a script, an event handler, a
foreign object or a link out, an `.html` or `.js` file, an XML file with a
stylesheet, would run there. Such files fail the build unless a maintainer
lists them in MEDIA_CHECK['trusted_files']. An image or media file that a post
loads from another site is reported too: the production Content-Security-Policy
blocks it unless SECURITY_HEADERS['extra_sources'] names that site.
"""

from .media_check import SCHEMA, register

__all__ = ["SCHEMA", "register"]
