"""Links and images in posts that point at files that do not exist, and images without alt text.

Every `{filename}`, `{static}` and `{attach}` reference and every local image
must point at a file that exists (and, for an upload, one the site copies);
checked as the posts are read, before anything is written. The links written
by address are checked against the written site (written_links.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from commons.derived_values import DerivedValues
from commons.paths import source_name
from commons.pelican_patches import raw_body
from commons.settings import Boolean, ListOf, Schema, String

from .problems import Problem
from .sources import under_folders as _under
from .written_links import facts_of

SETTING = "GUARD['links']"


def _site_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query:
        return None
    return "it is not an http(s) address such as https://blog.example.org"


SCHEMA = Schema(
    SETTING,
    {
        "check_references": Boolean(True, help="check links, images and `{filename}` references"),
        # The site's own addresses besides SITEURL (its public one, in a local
        # build): links written with them are checked like relative links.
        "site_urls": ListOf(
            String(check=_site_url),
            [],
            accepted="a list of the site's addresses, such as ['https://blog.example.org']",
            help=(
                "the site's own addresses besides `SITEURL`: links written with them (http or "
                "https) are checked like relative links, in local builds too"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()
REFERENCE_KINDS = {"filename", "static", "attach"}
# Pelican's own syntax for links to other content: {filename}path or |filename|path.
INTRASITE = re.compile(r"^[{|](?P<kind>\w+)[}|](?P<path>.*)$")


def reference_problems(
    content,
    content_root: Path,
    source: str,
    values: DerivedValues | None = None,
    under_static: Callable[[Path, tuple], bool] | None = None,
) -> list[Problem]:
    """Links and images in one post or page that point at files that do not exist.

    `values`: the build's store of body facts (written_links.body_values);
    `under_static(target, static_paths)`: whether the file is under those
    folders, answered once per file for many posts (`StaticFolders`)."""
    problems = []
    folder = Path(content.source_path).parent
    static_paths = content.settings.get("STATIC_PATHS", [])
    under_static = under_static or StaticFolders(content_root)
    facts = facts_of(raw_body(content) or "", values)
    for attribute, url in facts["references"]:
        intrasite = INTRASITE.match(url)
        if intrasite and intrasite["kind"] in REFERENCE_KINDS:
            path = unquote(urlsplit(intrasite["path"]).path)
            target = content_root / path.lstrip("/") if path.startswith("/") else folder / path
            if not target.exists():
                problems.append(
                    Problem(
                        source,
                        "",
                        f"{url} points to {_shown(target, content_root)}, which does not exist",
                        "correct the path (from content/ when it starts with /, otherwise "
                        f"from the post's folder), or remove the link to {url}.",
                    )
                )
            elif intrasite["kind"] == "static" and not under_static(target, tuple(static_paths)):
                problems.append(
                    Problem(
                        source,
                        "",
                        f"{url} names {_shown(target, content_root)}, which is not under "
                        f"STATIC_PATHS ({', '.join(static_paths) or 'none'}), so it is never "
                        "copied to the site",
                        f"add {_top_folder(target, content_root)!r} to STATIC_PATHS in "
                        "pelicanconf.py, or move the file into one of those folders.",
                    )
                )
        elif attribute == "src" and _is_local(url):
            problems.append(_local_image_problem(url, folder, content_root, static_paths, source))
    for src in facts["no_alt"]:
        # Pelican warns about five of these per build, naming no fix; every
        # one is listed here (pelicanconf.py's LOG_FILTER silences Pelican's).
        problems.append(
            Problem(
                source,
                "",
                f'the image {src} has no alt text, so a screen reader says only "image"',
                f"describe what it shows between the brackets, ![what it shows]({src}) "
                '(in HTML, alt="what it shows").',
            )
        )
    return [problem for problem in problems if problem]


def _local_image_problem(
    url: str, folder: Path, content_root: Path, static_paths: list[str], source: str
) -> Problem | None:
    path = unquote(urlsplit(url).path)
    if path.startswith("/"):
        target = content_root / path.lstrip("/")
        if not target.is_file():
            name = PurePosixPath(path).name or "image.png"
            return Problem(
                source,
                "",
                f"the image {url} is not a file under content/",
                f"put it in content/images/ as {name} and write {{static}}/images/{name}, or "
                "remove the image.",
            )
        if not _under(target, content_root, static_paths):
            return Problem(
                source,
                "",
                f"the image {url} is in content/ but not under STATIC_PATHS "
                f"({', '.join(static_paths) or 'none'}), so it is never copied to the site",
                f"add {_top_folder(target, content_root)!r} to STATIC_PATHS in "
                "pelicanconf.py, or move it into content/images/.",
            )
        return None
    beside = folder / path
    if beside.is_file():
        shown = _shown(beside, content_root)
        return Problem(
            source,
            "",
            f"the image {url} is a path relative to the post's file; the post is published "
            f"in a folder of its own, where that path does not lead to {shown}",
            f"write {{static}}/{shown.removeprefix('content/')} "
            "(`invoke migrate-links` does it for every post).",
        )
    name = PurePosixPath(path).name or "image.png"
    return Problem(
        source,
        "",
        f"the image {url} is not a file under content/",
        f"put it in content/images/ as {name} and write {{static}}/images/{name}, or remove "
        "the image.",
    )


def _top_folder(target: Path, content_root: Path) -> str:
    """The folder directly under content/ that holds `target` (its own name at the top)."""
    try:
        relative = target.resolve().relative_to(content_root.resolve())
    except ValueError:
        return target.parent.name
    return relative.parts[0]


def _shown(target: Path, content_root: Path) -> str:
    try:
        return f"content/{target.resolve().relative_to(content_root.resolve())}"
    except ValueError:
        return str(target)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc or url.startswith(("data:", "#")) or not url)


def link_problems(
    contents: list, settings: dict, content_root: Path, values: DerivedValues | None = None
) -> list[Problem]:
    """The references and images of `contents` that name no file the site has."""
    if not settings["GUARD"]["links"]["check_references"]:
        return []
    problems = []
    under_static = StaticFolders(content_root)
    for content in contents:
        source = source_name(content.source_path, content_root)
        problems += reference_problems(content, content_root, source, values, under_static)
    return problems


class StaticFolders:
    """Whether a file is under STATIC_PATHS, resolved once per file for one check
    of many posts (posts share their images)."""

    def __init__(self, content_root: Path):
        self.content_root = content_root
        self.resolved_root = content_root.resolve()
        self.answers: dict[tuple[Path, tuple], bool] = {}

    def __call__(self, target: Path, static_paths: tuple) -> bool:
        key = (target, static_paths)
        if key not in self.answers:
            self.answers[key] = _under(
                target, self.content_root, list(static_paths), self.resolved_root
            )
        return self.answers[key]
