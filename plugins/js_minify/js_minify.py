"""A conservative script minifier: whole comment lines and indentation only.

It works line by line and never joins lines, so automatic semicolon insertion
sees the same line breaks. A line can only be part of a string when a string
goes on past a line break (a template literal, or a backslash at the end of
a line): a script with either is written unchanged. Otherwise, the start of
a line is never inside a string or a regular expression, so a line that
starts with `//`, or a block comment that starts a line, is a comment, and
the spaces that indent a line are layout. A comment after code is removed
only when nothing before it on the line is a quote or a slash (which could
start a string or a regular expression holding `//`).
"""

from __future__ import annotations

import logging
import re

from pelican import signals

from commons.settings import Boolean, Schema, install
from commons.theme_static import rewrite_theme_static

logger = logging.getLogger(__name__)

SETTING = "JS_MINIFY"
SCHEMA = Schema(SETTING, {"enabled": Boolean(True)})
DEFAULTS = SCHEMA.defaults()

MULTILINE_STRING = re.compile(r"`|\\\r?\n")
TRAILING_COMMENT = re.compile(r"^([^'\"/]*?)\s*//.*$")


def minify(script: str) -> str:
    if MULTILINE_STRING.search(script):
        return script
    kept: list[str] = []
    in_comment = False
    for line in script.splitlines():
        text = line.strip()
        while True:
            if in_comment:
                end = text.find("*/")
                if end < 0:
                    text = ""
                    break
                in_comment = False
                text = text[end + 2 :].strip()
            elif text.startswith("/*"):
                in_comment = True
                text = text[2:]
            else:
                break
        if text.startswith("//"):
            continue
        text = TRAILING_COMMENT.sub(r"\1", text)
        if text:
            kept.append(text)
    return "\n".join(kept) + "\n" if kept else ""


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def minify_output(pelican) -> None:
    if not pelican.settings[SETTING]["enabled"]:
        return
    rewrite_theme_static(pelican, "*.js", minify)


def register():
    signals.initialized.connect(check_settings)
    signals.finalized.connect(minify_output)
