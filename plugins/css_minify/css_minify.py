"""The theme's stylesheets written minified by rcssmin.

rcssmin (ndparker; what webassets and django-compressor use) removes
comments and layout whitespace and keeps strings, `calc()` spacing and the
space before a selector's colon (`a :hover`): it never rewrites a value, so
a rule means what it meant. Minifying its own output changes nothing, so a
rebuild into an existing output writes the same bytes.
"""

from __future__ import annotations

import rcssmin
from pelican import signals

from commons.settings import Boolean, Schema, install
from commons.theme_static import rewrite_theme_static

SETTING = "CSS_MINIFY"
SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(
            True,
            help="write the theme's stylesheets without comments and layout whitespace "
            "(rcssmin; values are never rewritten)",
        )
    },
)
DEFAULTS = SCHEMA.defaults()


def minify(css: str) -> str:
    return rcssmin.cssmin(css)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def minify_output(pelican) -> None:
    if not pelican.settings[SETTING]["enabled"]:
        return
    rewrite_theme_static(pelican, "*.css", minify)


def register():
    signals.initialized.connect(check_settings)
    signals.finalized.connect(minify_output)
