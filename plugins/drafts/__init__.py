"""Drafts are previewed locally and never reach production, in any language.

With DRAFTS['preview'] False (publishconf.py), every setting that writes a
draft (each `*_SAVE_AS` whose name holds DRAFT, from Pelican's own defaults
and the site's settings) is emptied, and every list of drafts a generator
keeps or puts into the templates' context is emptied once the content is
read: no draft is written, and no template (`Template: drafts` on a page
included) can list one. Settings: `DRAFTS`.
"""

from .drafts import SCHEMA, register

__all__ = ["SCHEMA", "register"]
