"""A conservative CSS minifier: comments and layout whitespace only.

It never rewrites values, so it cannot change what a rule means: it removes
comments, collapses whitespace, and drops the spaces around punctuation where
CSS ignores them. Strings (`content: " (" attr(href) ")"`) are kept verbatim.
"""

from __future__ import annotations

import logging
import re

from pelican import signals

from commons.settings import Boolean, Schema, install
from commons.theme_static import rewrite_theme_static

logger = logging.getLogger(__name__)

SETTING = "CSS_MINIFY"
SCHEMA = Schema(SETTING, {"enabled": Boolean(True)})
DEFAULTS = SCHEMA.defaults()

# Strings first, so the other alternatives never look inside one.
_TOKENS = re.compile(r'("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(/\*.*?\*/)|(\s+)', re.S)
_AROUND = re.compile(r"\s*([{};,>])\s*")
# A space after a colon never matters; one before it does (`a :hover`).
_AFTER_COLON = re.compile(r":\s+")


def minify(css: str) -> str:
    strings: list[str] = []

    def keep(match: re.Match) -> str:
        string, comment, _space = match.groups()
        if string is not None:
            strings.append(string)
            return f"\0{len(strings) - 1}\0"
        return "" if comment is not None else " "

    compact = _TOKENS.sub(keep, css)
    compact = _AROUND.sub(r"\1", compact)
    compact = _AFTER_COLON.sub(":", compact).replace(";}", "}").strip()
    return re.sub(r"\0(\d+)\0", lambda m: strings[int(m.group(1))], compact)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def minify_output(pelican) -> None:
    if not pelican.settings[SETTING]["enabled"]:
        return
    rewrite_theme_static(pelican, "*.css", minify)


def register():
    signals.initialized.connect(check_settings)
    signals.finalized.connect(minify_output)
