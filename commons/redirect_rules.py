"""The rules a redirect line's old address follows, and what no redirect page may take.

The redirects plugin publishes content/redirects/*.txt by them; the Pelican
importer (commons/pelican_addresses.py) writes only lines they accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from commons.errors import InputError
from commons.settings import Boolean, Pattern, Schema
from commons.site_files import PLACEHOLDER, generated_paths, reserved_folders

QUERY = re.compile(r"^(p|page_id)=(\d+)$")
SAFE_PATH = re.compile(r"^/[A-Za-z0-9/%._~!$&'()*+,;=:@-]*$")
# What Netlify and Cloudflare Pages expand in a `_redirects` path: a splat
# (`*`) anywhere, a placeholder (`:name`) at the start of a segment.
EXPANDED = re.compile(r"\*|(?:^|/):")
SETTING = "REDIRECTS"


def file_name(default: str, help: str = "") -> Pattern:
    return Pattern(
        r"[^./\s][^/\s]*",
        "a plain file or folder name (no '/', not starting with '.')",
        default,
        help=help,
    )


SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(True, help="read the redirect files and write the three forms"),
        "folder": file_name(
            "redirects", "the folder of `content/` whose `*.txt` files list the redirects"
        ),
        "redirects_file": file_name("_redirects", "the Netlify/Cloudflare file name"),
        "nginx_file": file_name("nginx-redirects.conf", "the nginx `map` file's name"),
        "html_pages": Boolean(
            True, help="write an HTML page (canonical link, meta refresh) at each old path"
        ),
    },
)
DEFAULTS = SCHEMA.defaults()


class RedirectError(InputError):
    """A redirect line cannot be used; the message names the file, the line and the fix."""


def old_address(path: str, where: str) -> tuple[str, tuple[str, str] | None]:
    """The old path of a redirect line and its ?p=/?page_id= query, or RedirectError."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not SAFE_PATH.match(parts.path or "-"):
        raise RedirectError(
            f"{where}: the old address {path!r} is not a path of this site. Fix: write it as "
            "/2012/01/03/old-slug/ or /?p=123, percent-encoding anything else."
        )
    decoded = unquote(parts.path)
    if (
        any(s in (".", "..") for s in decoded.split("/"))
        or "//" in parts.path
        or any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in decoded)
    ):
        raise RedirectError(
            f"{where}: the old address {path!r} has '.', '..', '//', a backslash or a "
            "control character in it. Fix: correct or remove the line."
        )
    if EXPANDED.search(parts.path):
        raise RedirectError(
            f"{where}: the old address {path!r} has a wildcard (*) or a placeholder (:name), "
            "which hosts expand in _redirects to catch addresses the site has. Fix: write "
            "each old address in full, or remove the line."
        )
    query = None
    if parts.query:
        match = QUERY.match(parts.query)
        if not match:
            raise RedirectError(
                f"{where}: the old address {path!r} has a query other than ?p=ID or "
                "?page_id=ID, which no static host can match. Fix: remove the line."
            )
        query = (match[1], match[2])
    return parts.path, query


@dataclass(frozen=True)
class KeptPaths:
    """What no redirect page may take, from the settings (casefolded)."""

    folders: tuple[tuple[str, str], ...]  # (file or folder, why): kept, reserved
    files: dict[str, str]  # file -> what: the feeds, robots.txt, _headers, _redirects...

    @classmethod
    def from_settings(cls, settings: dict) -> KeptPaths:
        options = settings.get(SETTING) or DEFAULTS
        files = {
            symbolic.casefold(): what
            for symbolic, what in generated_paths(settings)
            if PLACEHOLDER not in symbolic and not symbolic.endswith((".html", ".htm"))
        }
        for key in ("redirects_file", "nginx_file"):
            files[options[key].casefold()] = f"the redirects file ({key})"
        folders = tuple((name.casefold(), why) for name, why in reserved_folders(settings))
        return cls(folders, files)


def kept_problem(old_path: str, kept: KeptPaths) -> str | None:
    """Why a redirect page may not be written for `old_path`: the file is hidden, kept
    across builds or on the host (OUTPUT_RETENTION), reserved or written by Commons;
    or None."""
    decoded = unquote(old_path)
    for segment in decoded.split("/"):
        if segment.startswith("."):
            return (
                f"names a hidden file or folder ({segment}), which the host keeps for itself "
                "(.htaccess, .well-known/, .git/)"
            )
    # Both the file a static host serves and the name itself: /CNAME's page
    # would be CNAME/index.html, a folder in place of the kept file.
    written = {old_page(old_path).casefold(), decoded.strip("/").casefold()}
    for name, why in kept.folders:
        if any(path == name or path.startswith(name + "/") for path in written):
            return f"is {why}"
    for path in written:
        if path in kept.files:
            return f"is {kept.files[path]}"
    return None


def old_page(path: str) -> str:
    """The file an old path is served from by a plain static host."""
    relative = unquote(path).lstrip("/")
    if not relative or path.endswith("/") or "." not in PurePosixPath(relative).name:
        return (relative.rstrip("/") + "/index.html").lstrip("/")
    return relative
