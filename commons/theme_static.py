"""The theme's static files in a written site, rewritten after the build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def rewrite_theme_static(pelican, pattern: str, transform: Callable[[str], str]) -> None:
    """Every file of the theme's static folder in the output matching `pattern`
    (a glob, such as '*.css'), replaced by `transform` of its text."""
    static = Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"]
    for path in sorted(static.rglob(pattern)):
        path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")
