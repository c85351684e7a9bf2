"""Uploads pass by the type servers send them with; images from other sites are named.

A static file under `STATIC_PATHS` (or linked with `{static}`/`{attach}`) is
served from the site's own origin: it passes only if every type a common
server gives any of its extensions is one no browser runs (docs/uploads.md),
or it is SVG or XML without a script, an event handler, a foreign object, a
link out or a stylesheet. Other files fail the build unless a maintainer
lists them in MEDIA_CHECK['trusted_files'] (or their type in
MEDIA_CHECK['allowed_types']). An image or media file that a post
loads from another site is reported too: the production Content-Security-Policy
blocks it unless SECURITY_HEADERS['extra_sources'] names that site.
"""

from .media_check import SCHEMA, register

__all__ = ["SCHEMA", "register"]
