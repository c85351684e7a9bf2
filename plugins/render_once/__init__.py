"""Each post's summary is rendered once per build, however many listings show it.

A post appears on the home page, in the archives of each of its categories,
tags and author, and in their pagination: about six listings per post on a
typical site. Its summary partial depends only on the post and on site-wide
settings, so this plugin gives the templates `render_once(template, post)`,
which renders the partial the first time and hands back the same HTML after.
"""

from .render_once import SCHEMA, register

__all__ = ["SCHEMA", "register"]
