"""The files Commons writes from its settings, and the folders no content may take.

The guard's paths check (plugins/guard/paths.py) refuses a post saved over one
of them; the redirects plugin and the Pelican importer write no redirect page
over one.
"""

from __future__ import annotations

import os
import re
import string

# The setting that lists more reserved paths (the guard's paths check validates it).
PATHS_SETTING = "GUARD['paths']"
# The patterns that place content itself: a post matching another post's
# pattern is an ordinary (if unusual) Save_as; Pelican reports two posts on one path.
CONTENT_PATTERNS = {
    f"{kind}{lang}_SAVE_AS"
    for kind in ("ARTICLE", "PAGE", "DRAFT", "DRAFT_PAGE", "STATIC")
    for lang in ("", "_LANG")
}
FEED_SETTING = re.compile(r"^(?:[A-Z]+_)?FEED(?:_ALL)?_(?:ATOM|RSS)$")
# One path segment of any text, where a pattern has a {field}.
PLACEHOLDER = "\x00"


def symbolic_path(pattern: str) -> str:
    """`pattern` with each {field} replaced by PLACEHOLDER (one path segment, any text)."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(pattern):
        parts.append(literal)
        if field is not None:
            parts.append(PLACEHOLDER)
    return "".join(parts).lstrip("/")


def paginated(symbolic: str, settings: dict) -> list[str]:
    """The other pages of a listing saved at `symbolic`, per PAGINATION_PATTERNS."""
    name, extension = os.path.splitext(symbolic)
    folder, file_name = os.path.split(symbolic)
    base_name = folder if file_name in ("index.htm", "index.html") else name
    context = {
        "save_as": symbolic,
        "url": PLACEHOLDER,
        "name": name,
        "base_name": base_name,
        "extension": extension,
        "number": PLACEHOLDER,
    }
    pages = []
    for rule in settings.get("PAGINATION_PATTERNS") or ():
        save_as = rule[2] if len(rule) > 2 else None
        if isinstance(save_as, str) and "{number}" in save_as:
            pages.append(save_as.format(**context).lstrip("/"))
    return pages


def generated_paths(settings: dict) -> list[tuple[str, str]]:
    """(symbolic path, what it is) for every file Commons writes from its settings."""
    listings = {}
    for key, value in settings.items():
        if key.endswith("_SAVE_AS") and key not in CONTENT_PATTERNS and value:
            name = key[: -len("_SAVE_AS")].lower().replace("_", " ")
            listings[symbolic_path(str(value))] = f"the {name} page ({key})"
    for name in settings.get("DIRECT_TEMPLATES") or ():
        value = settings.get(f"{name.upper()}_SAVE_AS", f"{name}.html")
        if value:
            listings[symbolic_path(value)] = f"the {name} page"
    for value in (settings.get("TEMPLATE_PAGES") or {}).values():
        if value:
            listings[symbolic_path(value)] = "a page of TEMPLATE_PAGES"
    paths = dict(listings)
    for symbolic, what in listings.items():
        for page in paginated(symbolic, settings):
            paths.setdefault(page, f"a further page of {what}")
    for key, value in settings.items():
        if FEED_SETTING.match(key) and isinstance(value, str) and value:
            paths[symbolic_path(value)] = f"the feed {key} sets"
    feeds = settings.get("FEEDS") or {}
    if feeds.get("sitemap"):
        paths[feeds["sitemap"].lstrip("/")] = "the sitemap"
    paths["robots.txt"] = "the robots.txt file (FEEDS['robots_txt'])"
    headers = settings.get("SECURITY_HEADERS") or {}
    for key, default in (
        ("headers_file", "_headers"),
        ("nginx_file", "nginx-security-headers.conf"),
    ):
        paths[str(headers.get(key) or default).lstrip("/")] = f"the security headers file ({key})"
    return list(paths.items())


def reserved_folders(settings: dict) -> list[tuple[str, str]]:
    """(folder or file, why) that no content may write into or over."""
    folders = [
        (str(name).strip("/"), "a file kept across builds (OUTPUT_RETENTION)")
        for name in settings.get("OUTPUT_RETENTION") or ()
    ]
    theme_static = settings.get("THEME_STATIC_DIR")
    if theme_static:
        folders.append((theme_static.strip("/"), "the theme's files (THEME_STATIC_DIR)"))
    search = settings.get("SEARCH") or {}
    if search.get("bundle_dir"):
        folders.append((search["bundle_dir"].strip("/"), "the search index"))
    for name in ((settings.get("GUARD") or {}).get("paths") or {}).get("reserved") or ():
        folders.append((name.strip("/"), f"a path {PATHS_SETTING}['reserved'] lists"))
    return [(name, why) for name, why in folders if name]
