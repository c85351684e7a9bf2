"""An old theme's page template kept in content/: Jinja, not a post.

Pelican blogs often keep their TEMPLATE_PAGES (`templates/code.html`) in
content/; Commons' HTML reader would publish each as a post showing its source.
"""

from __future__ import annotations

import re
from pathlib import Path

# `{% extends … %}` or `{% block … %}` near the top of the file.
JINJA_TEMPLATE = re.compile(r"\{%-?\s*(?:extends|block)\b")
TEMPLATE_SUFFIXES = (".html", ".htm")


def is_template(path) -> bool:
    """Whether the .html file at `path` is a Jinja template rather than a page."""
    path = Path(path)
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        return False
    try:
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(JINJA_TEMPLATE.search(head))
