"""The theme's scripts written minified by rjsmin.

rjsmin (ndparker; what webassets and django-compressor use) removes comments
and whitespace that no statement needs. It keeps the line breaks automatic
semicolon insertion depends on, and never renames or rewrites code, so a
script does what its source does. License comments (`/*! ... */`) are
dropped too: the theme has none, and its licence is the repository's.
Minifying its own output changes nothing, so a rebuild into an existing
output writes the same bytes.
"""

from __future__ import annotations

import rjsmin
from pelican import signals

from commons.settings import Boolean, Schema, install
from commons.theme_static import rewrite_theme_static

SETTING = "JS_MINIFY"
SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(
            True,
            help="write the theme's scripts without comments and the whitespace no "
            "statement needs (rjsmin; code is never renamed or rewritten)",
        )
    },
)
DEFAULTS = SCHEMA.defaults()


def minify(script: str) -> str:
    return rjsmin.jsmin(script)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def minify_output(pelican) -> None:
    if not pelican.settings[SETTING]["enabled"]:
        return
    rewrite_theme_static(pelican, "*.js", minify)


def register():
    signals.initialized.connect(check_settings)
    signals.finalized.connect(minify_output)
