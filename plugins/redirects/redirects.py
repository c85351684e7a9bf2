"""Receivers and writers for the REDIRECTS setting."""

from __future__ import annotations

import html
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.urlwrappers import Author, Category, Tag

from commons.files import Folder, WriteRefused
from commons.layout import plugin_module
from commons.settings import Boolean, Pattern, Schema, install

_guard_paths = plugin_module("guard", "paths")
PLACEHOLDER = _guard_paths.PLACEHOLDER
generated_paths = _guard_paths.generated_paths
reserved_folders = _guard_paths.reserved_folders

logger = logging.getLogger(__name__)

SETTING = "REDIRECTS"


def file_name(default: str) -> Pattern:
    return Pattern(
        r"[^./\s][^/\s]*",
        "a plain file or folder name (no '/', not starting with '.')",
        default,
    )


SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(True),
        "folder": file_name("redirects"),
        "redirects_file": file_name("_redirects"),
        "nginx_file": file_name("nginx-redirects.conf"),
        "html_pages": Boolean(True),
    },
)
DEFAULTS = SCHEMA.defaults()
# Where the resolved redirects wait, in the build's settings, between the end
# of reading (targets known) and the end of writing (the output exists).
RESOLVED = "_COMMONS_REDIRECTS_RESOLVED"
REFERENCE = re.compile(r"^\{(filename|category|tag|author)\}(.+)$")
QUERY = re.compile(r"^(p|page_id)=(\d+)$")
URL_WRAPPERS = {"category": Category, "tag": Tag, "author": Author}
SAFE_PATH = re.compile(r"^/[A-Za-z0-9/%._~!$&'()*+,;=:@-]*$")
# What Netlify and Cloudflare Pages expand in a `_redirects` path: a splat
# (`*`) anywhere, a placeholder (`:name`) at the start of a segment.
EXPANDED = re.compile(r"\*|(?:^|/):")


class RedirectError(ValueError):
    """A redirect line cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Redirect:
    old_path: str  # percent-encoded, starts with "/"
    query: tuple[str, str] | None  # ("p", "123") for /?p=123
    target: str  # site-relative URL path, "/…", or absolute with SITEURL
    url: str  # the target in the built site, without the leading "/"
    source: str  # file:line, for messages


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def _targets(generators) -> dict[str, dict[str, str]]:
    """Every name a redirect may point at -> its site-relative URL."""
    found: dict[str, dict[str, str]] = {"filename": {}, "category": {}, "tag": {}, "author": {}}
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            contents = [*generator.articles, *generator.translations]
            # By slug, as Pelican itself merges "Tags" and "tags" into one tag.
            for category, _ in generator.categories:
                found["category"][category.slug] = category.url
            for tag in generator.tags:
                found["tag"][tag.slug] = tag.url
            for author, _ in generator.authors:
                found["author"][author.slug] = author.url
        elif isinstance(generator, PagesGenerator):
            contents = [*generator.pages, *generator.hidden_pages, *generator.translations]
        else:
            continue
        root = generator.settings["PATH"]
        for content in contents:
            relative = os.path.relpath(content.source_path, root).replace(os.sep, "/")
            found["filename"][relative] = content.url
    return found


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


def read_redirects(folder: Path, found: dict, site_url: str, settings: dict) -> list[Redirect]:
    """Every redirect line of every *.txt file in `folder`, resolved; RedirectError if any fails."""
    redirects, problems, seen = [], [], {}
    kept = KeptPaths.from_settings(settings)
    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{folder.name}/{path.name}:{number}"
            try:
                old, _, reference = line.partition(" ")
                reference = reference.strip()
                if not reference:
                    raise RedirectError(f"{where}: no target. Fix: write OLD-PATH TARGET.")
                old_path, query = old_address(old, where)
                problem = kept_problem(old_path, kept)
                if problem:
                    raise RedirectError(
                        f"{where}: the old address {old!r} {problem}; a redirect must never "
                        "replace it. Fix: remove the line."
                    )
                url = _resolve(reference, found, where, settings)
                if EXPANDED.search(url):
                    raise RedirectError(
                        f"{where}: the target /{url} has a wildcard (*) or a placeholder "
                        "(:name), which hosts expand in _redirects. Fix: point the line at "
                        "a page whose address has neither."
                    )
            except RedirectError as error:
                problems.append(str(error))
                continue
            key = (old_path, query)
            if key in seen:
                if seen[key] != url:
                    problems.append(f"{where}: {old} already redirects elsewhere ({seen[key]}).")
                continue
            seen[key] = url
            if query is None and unquote(old_path) == unquote("/" + url.lstrip("/")):
                continue  # the old address is the new one: nothing to redirect
            target = f"{site_url}/{url.lstrip('/')}" if site_url else "/" + url.lstrip("/")
            redirects.append(Redirect(old_path, query, target, url, where))
    if problems:
        raise RedirectError("Redirects that cannot be used:\n  " + "\n  ".join(problems))
    return redirects


def _resolve(reference: str, found: dict, where: str, settings: dict) -> str:
    match = REFERENCE.match(reference)
    if match:
        kind, name = match[1], match[2].strip()
        if kind != "filename":
            name = URL_WRAPPERS[kind](name, settings).slug
        name = name.lstrip("/")
        if name not in found[kind]:
            raise RedirectError(
                f"{where}: {reference} names no published {kind} of the site. Fix: correct "
                "the name, publish it, or remove the line."
            )
        return found[kind][name]
    if reference.startswith("/") and SAFE_PATH.match(reference) and ".." not in reference:
        return reference.lstrip("/")  # checked against the output once it is written
    raise RedirectError(
        f"{where}: the target {reference!r} is not a file the build writes. Fix: use "
        "{filename}/post.md, {category}Name, {tag}Name, {author}Name or the path of a "
        "built file such as /feeds/all.atom.xml."
    )


def resolve(generators) -> None:
    settings = generators[0].settings if generators else {}
    options = settings.get(SETTING) or {}
    if not options.get("enabled"):
        return
    site_url = settings.get("SITEURL", "") if not settings.get("RELATIVE_URLS") else ""
    try:
        redirects = read_redirects(
            Path(settings["PATH"]) / options["folder"],
            _targets(generators),
            site_url.rstrip("/"),
            settings,
        )
    except RedirectError as error:
        logger.error("%s", error)
        raise
    settings[RESOLVED] = redirects


def old_page(path: str) -> str:
    """The file an old path is served from by a plain static host."""
    relative = unquote(path).lstrip("/")
    if not relative or path.endswith("/") or "." not in PurePosixPath(relative).name:
        return (relative.rstrip("/") + "/index.html").lstrip("/")
    return relative


def redirect_page(redirect: Redirect, lang: str) -> str:
    target = html.escape(redirect.target, quote=True)
    return (
        "<!doctype html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        "<title>This page has moved</title>\n"
        f'<link rel="canonical" href="{target}">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        '<meta name="robots" content="noindex">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "</head>\n<body>\n"
        f'<p>This page has moved to <a href="{target}">{target}</a>.</p>\n'
        "</body>\n</html>\n"
    )


def netlify_redirects(redirects: list[Redirect]) -> str:
    lines = ["# Old addresses -> new ones (plugins/redirects). Query lines: Netlify only."]
    for r in redirects:
        if r.query:
            lines.append(f"{r.old_path} {r.query[0]}={r.query[1]} {r.target} 301")
        else:
            lines.append(f"{r.old_path} {r.target} 301")
    return "\n".join(lines) + "\n"


def _nginx_key(value: str) -> str:
    # A decoded path, as nginx's $uri is; control characters were refused on reading.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nginx_string(value: str) -> str:
    # Paths and URLs here are percent-encoded ASCII; `$` would start a variable.
    return '"' + quote(value, safe="/:?=&%-._~!'()*+,;@") + '"'


def nginx_map(redirects: list[Redirect]) -> str:
    by_query: dict[str, list[Redirect]] = {"p": [], "page_id": []}
    paths = []
    for r in redirects:
        (by_query[r.query[0]] if r.query else paths).append(r)
    lines = [
        "# Old addresses -> new ones (plugins/redirects). Include this file in nginx's",
        "# http block, then in the site's server block:",
        "#     if ($commons_redirect) { return 301 $commons_redirect; }",
        "map $arg_p $commons_redirect_p {",
        '    default "";',
        *(f"    {_nginx_string(r.query[1])} {_nginx_string(r.target)};" for r in by_query["p"]),
        "}",
        "map $arg_page_id $commons_redirect_id {",
        "    default $commons_redirect_p;",
        *(
            f"    {_nginx_string(r.query[1])} {_nginx_string(r.target)};"
            for r in by_query["page_id"]
        ),
        "}",
        "map $uri $commons_redirect {",
        "    default $commons_redirect_id;",
    ]
    for r in paths:
        # nginx matches $uri decoded; both spellings of a folder (with and without
        # the final slash) are matched, as WordPress answered both.
        decoded = unquote(r.old_path)
        for variant in dict.fromkeys([decoded, decoded.rstrip("/") or "/"]):
            lines.append(f"    {_nginx_key(variant)} {_nginx_string(r.target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(pelican) -> None:
    options = pelican.settings.get(SETTING) or {}
    redirects = pelican.settings.pop(RESOLVED, None)
    if not options.get("enabled") or redirects is None:
        return
    output = Path(pelican.output_path).resolve()
    missing = [
        f"{r.source}: the target /{r.url} is not in the built site. Fix: point it at a "
        "published post, page or feed, or remove the line."
        for r in redirects
        if not (output / old_page("/" + r.url)).is_file()
    ]
    if missing:
        message = "Redirects that lead nowhere:\n  " + "\n  ".join(missing)
        logger.error("%s", message)
        raise RedirectError(message)
    kept = []
    for redirect in redirects:
        if redirect.query is None and (output / old_page(redirect.old_path)).exists():
            # A page the site generates lives there now: it wins, no redirect.
            logger.info("Redirects: %s is a page of the site; not redirected", redirect.old_path)
            continue
        kept.append(redirect)
    if not kept:
        return
    (output / options["redirects_file"]).write_text(netlify_redirects(kept), encoding="utf-8")
    (output / options["nginx_file"]).write_text(nginx_map(kept), encoding="utf-8")
    pages = 0
    if options["html_pages"]:
        lang = pelican.settings.get("DEFAULT_LANG", "en")
        # Through a Folder: a page never lands outside the output, on a file the
        # build wrote, through a link, or on a hidden name (.htaccess, .well-known/).
        site = Folder(output)
        for redirect in kept:
            if redirect.query is not None:
                continue  # /?p=123 is the home page's address: no file can answer it
            # read_redirects refused hidden, kept and generated paths by their line;
            # what the Folder still refuses here (a link planted in the output) stops.
            try:
                site.write_text(old_page(redirect.old_path), redirect_page(redirect, lang))
            except WriteRefused as refused:
                logger.error("%s: %s", redirect.source, refused)
                raise RedirectError(f"{redirect.source}: {refused}") from None
            pages += 1
    logger.info(
        "Redirects: %d old addresses in %s and %s, %d HTML pages",
        len(kept),
        options["redirects_file"],
        options["nginx_file"],
        pages,
    )


def register():
    signals.initialized.connect(check_settings)
    signals.all_generators_finalized.connect(resolve)
    signals.finalized.connect(write)


__all__ = ["register"]
