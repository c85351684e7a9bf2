"""Colours for highlighted code, light and dark, in a stylesheet only pages with code load.

Python-Markdown's codehilite marks code up with Pygments' token classes; this
plugin writes the matching colours from two Pygments styles into one
stylesheet, each colour as `light-dark(light, dark)` so it follows the theme's
colour scheme (the system's, or the one theme.js sets). Every colour is
darkened (light scheme) or lightened (dark scheme) until it reaches WCAG AA
contrast (4.5:1) on the theme's code background. Pages whose body has no
highlighted code do not link the stylesheet, so the budget of the sample post
is not touched.
"""

from __future__ import annotations

import colorsys
import logging
from pathlib import Path

from pelican import signals
from pygments.styles import get_all_styles, get_style_by_name
from pygments.token import STANDARD_TYPES

from commons.pelican_patches import raw_body
from commons.settings import Choice, Pattern, Schema, install

logger = logging.getLogger(__name__)

SETTING = "CODE_STYLE"
SCHEMA = Schema(
    SETTING,
    {
        "light": Choice(
            sorted(get_all_styles()), "default", help="the Pygments style for the light scheme"
        ),
        "dark": Choice(
            sorted(get_all_styles()), "github-dark", help="the Pygments style for the dark scheme"
        ),
        "css_class": Pattern(
            r"[A-Za-z][\w-]*",
            "a CSS class name",
            "highlight",
            help="the class `codehilite` puts on code blocks",
        ),
        "save_as": Pattern(
            r"(?!/)(?!.*\.\.)[\w./-]+\.css",
            "a path inside the output, ending in .css",
            "theme/css/code.css",
            help="where the stylesheet is written",
        ),
    },
)
# The theme's --code-bg in each scheme (theme/static/css/commons.css).
BACKGROUNDS = {"light": "#f1efe9", "dark": "#1f2428"}
TEXT = {"light": "#1d2125", "dark": "#e8e6e1"}
MIN_CONTRAST = 4.5


def _luminance(rgb: tuple[float, float, float]) -> float:
    # WCAG 2.1 relative luminance.
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def readable(colour: str, background: str) -> str:
    """`colour` with its hue kept, moved in lightness until it reads on `background` (AA)."""
    if contrast(colour, background) >= MIN_CONTRAST:
        return _hex(_rgb(colour))
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    darker = _luminance(_rgb(background)) > 0.5
    step = -0.02 if darker else 0.02
    while 0 <= lightness <= 1:
        lightness = min(1.0, max(0.0, lightness + step))
        candidate = _hex(colorsys.hls_to_rgb(hue, lightness, saturation))
        if contrast(candidate, background) >= MIN_CONTRAST or lightness in (0.0, 1.0):
            return candidate
    return candidate


def _token_rules(style_name: str, scheme: str) -> dict[str, dict[str, str]]:
    """Per Pygments CSS class: the declarations the style gives it, colours made readable."""
    style = get_style_by_name(style_name)
    rules: dict[str, dict[str, str]] = {}
    for token, spec in style:
        css_class = STANDARD_TYPES.get(token)
        if not css_class:
            continue
        declarations = {}
        if spec["color"]:
            declarations["color"] = readable(f"#{spec['color']}", BACKGROUNDS[scheme])
        if spec["bold"]:
            declarations["font-weight"] = "bold"
        if spec["italic"]:
            declarations["font-style"] = "italic"
        if declarations:
            rules[css_class] = declarations
    return rules


def stylesheet(light: str, dark: str, css_class: str) -> str:
    """The CSS: one rule per token class, colours as light-dark(light, dark)."""
    light_rules, dark_rules = _token_rules(light, "light"), _token_rules(dark, "dark")
    lines = [
        f"/* Code colours: Pygments styles {light} (light) and {dark} (dark), "
        "adjusted to WCAG AA contrast on the theme's code background. */"
    ]
    for css_class_name in sorted(set(light_rules) | set(dark_rules)):
        light_decl = light_rules.get(css_class_name, {})
        dark_decl = dark_rules.get(css_class_name, {})
        declarations = []
        light_colour = light_decl.get("color", TEXT["light"])
        dark_colour = dark_decl.get("color", TEXT["dark"])
        if light_colour != TEXT["light"] or dark_colour != TEXT["dark"]:
            declarations.append(f"color:light-dark({light_colour},{dark_colour})")
        # Weight and slant read the same in both schemes: the light style's win.
        for prop in ("font-weight", "font-style"):
            if prop in light_decl:
                declarations.append(f"{prop}:{light_decl[prop]}")
        if declarations:
            lines.append(f".{css_class} .{css_class_name}{{{';'.join(declarations)}}}")
    return "\n".join(lines) + "\n"


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def mark_code(content) -> None:
    """`content.has_code`: whether the body holds highlighted code (the page links code.css)."""
    options = content.settings.get(SETTING)
    if not options:
        return
    body = raw_body(content) or ""
    content.has_code = f'class="{options["css_class"]}"' in body


def write_stylesheet(pelican) -> None:
    options = pelican.settings[SETTING]
    target = Path(pelican.output_path) / options["save_as"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        stylesheet(options["light"], options["dark"], options["css_class"]), encoding="utf-8"
    )


def register():
    signals.initialized.connect(check_settings)
    signals.content_object_init.connect(mark_code)
    signals.finalized.connect(write_stylesheet)
