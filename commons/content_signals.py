"""Commons' own signal for posts read again outside a build.

`content_reread` is sent by the preview's resident path
(commons/preview/engine.py) for a post whose file it read again and whose
object it changed in place, in the site model of the last build, with the
post as sender and `generator=` its generator. Only its body, title and
summary may have changed (its address, date, status, labels and links are
those of the last build). A plugin that sets a field on a post after reading
(at `article_generator_finalized` or later) from any of those three connects
here and sets it again for this one post.
"""

from __future__ import annotations

from blinker import signal

content_reread = signal("commons_content_reread")
