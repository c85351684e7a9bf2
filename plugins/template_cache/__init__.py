"""Compiled templates are kept between builds, in a folder keyed by what compiled them.

Jinja compiles each of the theme's templates to Python code once per
environment, and Pelican makes a new environment for every generator of every
build: about 0.2 s of CPU per build for Commons' theme, and again at each of
the preview's passes. This plugin gives each environment a bytecode cache in
CACHE_PATH (or TEMPLATE_CACHE['path']), so that a template whose source did
not change is loaded, not compiled. Jinja keys a cached template only by its
name and source; the code also depends on the environment's options, its
extensions, filters and tests, and on Jinja's and Python's versions, so each
combination gets a folder of its own, named by their digest.
"""

from .template_cache import SCHEMA, register

__all__ = ["SCHEMA", "register"]
