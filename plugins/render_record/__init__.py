"""A page whose inputs did not change since the last build is not rendered again.

The render record (in the build's content cache folder, so that it goes with
the cache key: settings, Commons' code and theme) holds, for every page the
last build wrote, a digest of what it was rendered from (digest.py) and of
the bytes it got. A build into an output that holds that last site writes
such a page with those bytes, checked against the record, instead of
rendering it. Every page is written again, so what only a fresh build would
write is written, and nothing the last build wrote but this one does not is
kept. A build with a content cache restored from an earlier run (a CI job)
renders only what a push changed.
"""

from .render_record import SCHEMA, register

__all__ = ["SCHEMA", "register"]
