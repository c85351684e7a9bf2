"""A comment thread under every post, behind a consent gate.

One setting, DISCUSSION, picks the provider (Isso by default; giscus,
utterances, Disqus, Remark42, Cusdis, Comentario or a site-supplied
template) and how the thread loads. Each article (and each page that asks for
one) gets a `discussion` object that the theme's partials read; nothing about
threads is decided in the templates.

Modules, one concern each:
- `settings`: the DISCUSSION schema, defaults and validation;
- `providers`: the provider registry (options, origins, runtime config);
- `identity`: a post's thread: state, id, title, URL;
- `plugin`: the Pelican receivers that tie them together.
"""

from commons.discussion.providers import provider_origins
from commons.discussion.settings import SCHEMA

from .plugin import register

__all__ = ["SCHEMA", "provider_origins", "register"]
