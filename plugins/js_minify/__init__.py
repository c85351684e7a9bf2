"""Write the theme's scripts minified (rjsmin), so the source can keep its
comments and the pages weigh less.
Settings: `JS_MINIFY`.
"""

from .js_minify import SCHEMA, register

__all__ = ["SCHEMA", "register"]
