"""Receivers and checks for the CONTENT_CHECK setting."""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from pelican import signals

from commons.paths import source_name
from commons.settings import Boolean, ListOf, Optional, Schema, String, install

from .links import BodyLinks, images_without_alt, references
from .templates import is_template

logger = logging.getLogger(__name__)

SETTING = "CONTENT_CHECK"


def _category(name: str) -> str | None:
    return None if name.strip() == name else "it has surrounding spaces"


def _site_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query:
        return None
    return "it is not an http(s) address such as https://blog.example.org"


SCHEMA = Schema(
    SETTING,
    {
        "categories": Optional(
            ListOf(String(check=_category)),
            none_means="any category",
            accepted="None (any category) or a list of category names without surrounding spaces",
        ),
        "check_references": Boolean(True),
        # The site's own addresses besides SITEURL (its public one, in a local
        # build): links written with them are checked like relative links.
        "site_urls": ListOf(
            String(check=_site_url),
            [],
            accepted="a list of the site's addresses, such as ['https://blog.example.org']",
        ),
        # False logs the problems and lets the build go on, so that `invoke
        # check` sees the later stages' problems too.
        "stop": Boolean(True),
    },
)
DEFAULTS = SCHEMA.defaults()
SOURCE_SUFFIXES = {".md", ".markdown", ".mkd", ".mdown", ".rst", ".html", ".htm"}
REFERENCE_KINDS = {"filename", "static", "attach"}
# Pelican's own syntax for links to other content: {filename}path or |filename|path.
INTRASITE = re.compile(r"^[{|](?P<kind>\w+)[}|](?P<path>.*)$")


class ContentError(ValueError):
    """One or more content files are inconsistent; the message lists each with its fix."""


def validate_settings(raw) -> dict:
    """CONTENT_CHECK with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw)


def unreadable_sources(content_root: Path) -> list[str]:
    """Problems with source files that Pelican would fail on before reading them."""
    problems = []
    for path in sorted(content_root.rglob("*")):
        if path.suffix.lower() not in SOURCE_SUFFIXES or path.is_dir():
            continue
        name = path.relative_to(content_root)
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(
                f"{name}: cannot be read ({error.strerror}). Fix: restore the file or "
                "its permissions, or delete it (a broken link counts)."
            )
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            problems.append(
                f"{name}: is not UTF-8 (byte 0x{raw[error.start]:02x} on line {line}). "
                "Fix: save the file as UTF-8 in your editor."
            )
    return problems


# Documents that a blog may hold but that no Commons reader reads: without a
# word they would simply not be published.
UNPUBLISHABLE = {
    ".ipynb": ("a Jupyter notebook", "export it to Markdown (jupyter nbconvert --to markdown)"),
    ".org": ("an Org file", "convert it to Markdown (pandoc -t markdown)"),
    ".adoc": ("an AsciiDoc file", "convert it to Markdown (pandoc -t markdown)"),
    ".asciidoc": ("an AsciiDoc file", "convert it to Markdown (pandoc -t markdown)"),
    ".textile": ("a Textile file", "convert it to Markdown (pandoc -t markdown)"),
    ".docx": ("a Word document", "convert it to Markdown (pandoc -t markdown)"),
    ".odt": ("an OpenDocument text", "convert it to Markdown (pandoc -t markdown)"),
}


def unpublishable_sources(content_root: Path, static_paths: list[str]) -> list[str]:
    """Documents outside STATIC_PATHS that no reader reads, each with the fix."""
    problems = []
    for path in sorted(content_root.rglob("*")):
        kind = UNPUBLISHABLE.get(path.suffix.lower())
        if kind is None or not path.is_file() or _under(path, content_root, static_paths):
            continue
        name = path.relative_to(content_root).as_posix()
        what, conversion = kind
        problems.append(
            f"{name}: is {what}, which Commons has no reader for, so it would not be "
            f"published. Fix: {conversion}, or move it into a STATIC_PATHS folder "
            f"({', '.join(static_paths) or 'none'}) to publish it as a download."
        )
    for path in sorted(content_root.rglob("*")):
        if not path.is_file() or _under(path, content_root, static_paths):
            continue
        if not is_template(path):
            continue
        problems.append(
            f"{path.relative_to(content_root).as_posix()}: is a Jinja template (an old "
            "theme's page, such as Pelican's TEMPLATE_PAGES), not a post: it would be "
            "published as a post showing its source. Fix: move it out of content/ "
            "(Commons' theme has its own pages)."
        )
    return problems


def reference_problems(content, content_root: Path, source: str) -> list[str]:
    """Links and images in one post or page that point at files that do not exist."""
    problems = []
    folder = Path(content.source_path).parent
    static_paths = content.settings.get("STATIC_PATHS", [])
    for attribute, url in references(content._content or ""):
        intrasite = INTRASITE.match(url)
        if intrasite and intrasite["kind"] in REFERENCE_KINDS:
            path = unquote(urlsplit(intrasite["path"]).path)
            target = content_root / path.lstrip("/") if path.startswith("/") else folder / path
            if not target.exists():
                problems.append(
                    f"{source}: {url} points to {_shown(target, content_root)}, which does not "
                    "exist. Fix: correct the path (from content/ when it starts with /, "
                    f"otherwise from the post's folder), or remove the link to {url}."
                )
            elif intrasite["kind"] == "static" and not _under(target, content_root, static_paths):
                problems.append(
                    f"{source}: {url} names {_shown(target, content_root)}, which is not under "
                    f"STATIC_PATHS ({', '.join(static_paths) or 'none'}), so it is never "
                    f"copied to the site. Fix: add {_top_folder(target, content_root)!r} to "
                    "STATIC_PATHS in pelicanconf.py, or move the file into one of those folders."
                )
        elif attribute == "src" and _is_local(url):
            problems.append(_local_image_problem(url, folder, content_root, static_paths, source))
    for src in images_without_alt(content._content or ""):
        # Pelican warns about five of these per build, naming no fix; every
        # one is listed here (pelicanconf.py's LOG_FILTER silences Pelican's).
        problems.append(
            f"{source}: the image {src} has no alt text, so a screen reader says only "
            '"image". Fix: describe what it shows between the brackets, '
            f'![what it shows]({src}) (in HTML, alt="what it shows").'
        )
    return [problem for problem in problems if problem]


def _local_image_problem(
    url: str, folder: Path, content_root: Path, static_paths: list[str], source: str
) -> str | None:
    path = unquote(urlsplit(url).path)
    if path.startswith("/"):
        target = content_root / path.lstrip("/")
        if not target.is_file():
            name = PurePosixPath(path).name or "image.png"
            return (
                f"{source}: the image {url} is not a file under content/. Fix: put it in "
                f"content/images/ as {name} and write {{static}}/images/{name}, or remove "
                "the image."
            )
        if not _under(target, content_root, static_paths):
            return (
                f"{source}: the image {url} is in content/ but not under STATIC_PATHS "
                f"({', '.join(static_paths) or 'none'}), so it is never copied to the site. "
                f"Fix: add {_top_folder(target, content_root)!r} to STATIC_PATHS in "
                "pelicanconf.py, or move it into content/images/."
            )
        return None
    beside = folder / path
    if beside.is_file():
        shown = _shown(beside, content_root)
        return (
            f"{source}: the image {url} is a path relative to the post's file; the post is "
            "published in a folder of its own, where that path does not lead to "
            f"{shown}. Fix: write {{static}}/{shown.removeprefix('content/')} "
            "(`invoke migrate-links` does it for every post)."
        )
    name = PurePosixPath(path).name or "image.png"
    return (
        f"{source}: the image {url} is not a file under content/. Fix: put it in "
        f"content/images/ as {name} and write {{static}}/images/{name}, or remove the image."
    )


def _under(target: Path, content_root: Path, static_paths: list[str]) -> bool:
    try:
        relative = target.resolve().relative_to(content_root.resolve()).as_posix()
    except ValueError:
        return False
    return any(
        relative == folder.strip("/") or relative.startswith(folder.strip("/") + "/")
        for folder in static_paths
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


def consistency_problems(
    contents: list, settings: dict, content_root: Path, articles: bool = True
) -> list[str]:
    options = settings[SETTING]
    problems = []
    # Pages get a category from their folder name; only posts are checked.
    allowed = options["categories"] if articles else None
    for content in contents:
        source = source_name(content.source_path, content_root)
        if options["check_references"]:
            problems += reference_problems(content, content_root, source)
        if allowed is not None:
            for category in getattr(content, "categories", None) or [
                getattr(content, "category", None)
            ]:
                if category is not None and str(category) not in allowed:
                    problems.append(
                        f"{source}: category {str(category)!r} is not in "
                        f"{SETTING}['categories']. Fix: use one of {', '.join(allowed)}, "
                        "or add it to the list in pelicanconf.py."
                    )
    return problems


def report(problems: list[str], stop: bool = True) -> None:
    if not problems:
        return
    message = "The content has problems:\n  " + "\n  ".join(problems)
    # With --fatal warnings, logging the error is what stops Pelican; without
    # it, the exception does, unless the settings ask to go on.
    logger.error("%s", message)
    if stop:
        raise ContentError(message)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)
    options = pelican.settings[SETTING]
    if options["check_references"]:
        BodyLinks(pelican.settings, lambda problems: report(problems, options["stop"])).connect()
    content_root = Path(pelican.settings["PATH"])
    report(
        unreadable_sources(content_root)
        + unpublishable_sources(content_root, pelican.settings.get("STATIC_PATHS", [])),
        pelican.settings[SETTING]["stop"],
    )


def check_articles(generator) -> None:
    # Runs when the articles are read and before the static files are: a missing
    # {static} image is reported here, with its post, not later by the cache.
    contents = (
        generator.articles + generator.translations + generator.drafts + generator.hidden_articles
    )
    report(
        consistency_problems(contents, generator.settings, Path(generator.settings["PATH"])),
        generator.settings[SETTING]["stop"],
    )


def check_pages(generator) -> None:
    contents = generator.pages + generator.hidden_pages + generator.draft_pages
    report(
        consistency_problems(
            contents, generator.settings, Path(generator.settings["PATH"]), articles=False
        ),
        generator.settings[SETTING]["stop"],
    )


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(check_articles)
    signals.page_generator_finalized.connect(check_pages)
