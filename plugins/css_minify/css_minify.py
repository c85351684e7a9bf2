"""A conservative CSS minifier: comments and layout whitespace only.

It never rewrites values, so it cannot change what a rule means: it removes
comments, collapses whitespace, and drops the spaces around punctuation where
CSS ignores them. Strings (`content: " (" attr(href) ")"`) are kept verbatim.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pelican import signals

from commons.settings import install

logger = logging.getLogger(__name__)

SETTING = "CSS_MINIFY"
DEFAULTS = {"enabled": True}

# Strings first, so the other alternatives never look inside one.
_TOKENS = re.compile(r'("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(/\*.*?\*/)|(\s+)', re.S)
_AROUND = re.compile(r"\s*([{};,>])\s*")
# A space after a colon never matters; one before it does (`a :hover`).
_AFTER_COLON = re.compile(r":\s+")


class SettingsError(ValueError):
    """CSS_MINIFY has a value the plugin cannot use."""


def validate_settings(raw) -> dict:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict) or set(raw) - set(DEFAULTS):
        raise SettingsError(f"{SETTING} must be a dict with the keys {sorted(DEFAULTS)}")
    options = {**DEFAULTS, **raw}
    if not isinstance(options["enabled"], bool):
        raise SettingsError(f"{SETTING}['enabled'] must be true or false")
    return options


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
    install(pelican.settings, SETTING, validate_settings)


def minify_output(pelican) -> None:
    if not pelican.settings[SETTING]["enabled"]:
        return
    static = Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"]
    for sheet in sorted(static.rglob("*.css")):
        sheet.write_text(minify(sheet.read_text(encoding="utf-8")), encoding="utf-8")


def register():
    signals.initialized.connect(check_settings)
    signals.finalized.connect(minify_output)
