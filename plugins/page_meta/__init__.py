"""What a post or page says about itself: description, canonical URL, reading
time, JSON-LD and the share links.

The theme's head and article templates read `content.page_meta`; nothing here
is computed in Jinja. Settings: one dict, `PAGE_META` (see docs/settings.md).
"""

from .page_meta import SCHEMA, register

__all__ = ["SCHEMA", "register"]
