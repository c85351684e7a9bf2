"""Paths a post sets (Url, Save_as, Slug, Lang, Template) that Commons can publish safely.

No path out of the site, no hidden file, no page Commons generates or file
the site keeps (OUTPUT_RETENTION, the theme's files, GUARD['paths']['reserved']),
and no draft published by its Save_as.
"""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pelican.contents import Static

from commons.paths import source_name
from commons.pelican_patches import url_setting_ignoring_override
from commons.settings import ListOf, Schema, String
from commons.site_files import PATHS_SETTING as SETTING
from commons.site_files import PLACEHOLDER, generated_paths, reserved_folders

from .problems import Problem

# C0 and C1 controls, and the Unicode line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _reserved_problem(path: str) -> str | None:
    return relative_problem(path.strip("/")) if path.strip("/") else "it names no path"


SCHEMA = Schema(
    SETTING,
    {
        # More paths no post may take, beside those Commons computes from the
        # settings: a file ("status.html") or a folder ("downloads/").
        "reserved": ListOf(
            String(check=_reserved_problem),
            [],
            accepted="a list of paths relative to the output folder, such as 'downloads/' "
            "or 'status.html'",
            help=(
                'more paths no post may take: a file (`"status.html"`) or a folder (`"downloads/"`)'
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()


def reserved_matcher(settings: dict):
    """A function: save_as -> what Commons keeps there, or None."""
    exact = []
    for symbolic, what in generated_paths(settings):
        pattern = "".join(
            "[^/]+" if part == PLACEHOLDER else re.escape(part)
            for part in re.split(f"({PLACEHOLDER})", symbolic)
        )
        exact.append((re.compile(f"^{pattern}$", re.IGNORECASE), what))
    folders = [(name.casefold(), why) for name, why in reserved_folders(settings)]

    def match(save_as: str) -> str | None:
        path = os.path.normpath(save_as).replace(os.sep, "/").casefold()
        for name, why in folders:
            if path == name or path.startswith(name + "/"):
                return why
        for pattern, what in exact:
            if pattern.match(path):
                return what
        return None

    return match


# ------------------------------------------------------------ one value
def relative_problem(value: str) -> str | None:
    """Why `value` is not a plain relative path inside the site, or None."""
    decoded = unquote(value)
    if CONTROL.search(value) or CONTROL.search(decoded):
        return "contains a control character or a line break"
    if "\\" in decoded:
        return "contains a backslash"
    if value != value.strip():
        return "starts or ends with a space"
    parts = urlsplit(value)
    if parts.scheme or ":" in decoded.split("/")[0]:
        return (
            "has a scheme (javascript:, data:, https:...): only a path inside the site is accepted"
        )
    if parts.netloc or value.startswith("/"):
        return "is absolute (it starts with /); only a path inside the site is accepted"
    for segment in decoded.split("/"):
        if segment in (".", ".."):
            return "contains a . or .. segment"
        if segment.startswith("."):
            return f"names a hidden file or folder ({segment})"
    return None


def unpaired_address(content, source: str) -> Problem | None:
    """`Url` without `Save_as`, or the reverse: Pelican links to the one and
    writes to the other, so every link to the post leads where it is not."""
    given = [field for field in ("url", "save_as") if _metadata_field(content, field)]
    if len(given) != 1:
        return None
    field = given[0]
    value = _metadata_field(content, field)
    if field == "url":
        other = "save_as"
        wanted = value + "index.html" if value.endswith("/") else value
    else:
        other = "url"
        wanted = value.removesuffix("index.html")
    return Problem(
        source,
        field,
        f"metadata fields '{field}' and '{other}': '{field}' is set to {value!r} "
        f"without '{other}', so links to this post lead where it is not written",
        f"add the line `{_field_line(content, other, wanted)}` to the metadata block.",
    )


def _field_line(content, field: str, value: str) -> str:
    """The metadata line that sets `field`, in the file's own syntax."""
    suffix = os.path.splitext(content.source_path or "")[1].lower()
    if suffix == ".rst":
        return f":{field}: {value}"
    if suffix in (".html", ".htm"):
        return f'<meta name="{field}" content="{escape(value)}">'
    return f"{field.capitalize()}: {value}"


def _metadata_field(content, field: str) -> str | None:
    value = content.metadata.get(field)
    return value if isinstance(value, str) else None


class Checker:
    """Collects the problems of every post and page of one generator."""

    def __init__(self, settings: dict, full: bool = True):
        # Light (full=False): only what one file shows, for each file as it is
        # read, before Pelican's own checks; full: the generated paths and
        # the theme's templates too, once all the content is read.
        self.settings = settings
        self.reserved = reserved_matcher(settings) if full else None
        self.templates = theme_templates(settings) if full else None
        self.problems: list[Problem] = []

    def fail(self, source: str, field: str, value: str, problem: str, fix: str) -> None:
        self.problems.append(
            Problem(
                source,
                field,
                f"metadata field '{field}' has the value {value!r}, which {problem}",
                f"{fix}.",
            )
        )

    def check(self, content) -> None:
        source = source_name(content.source_path, self.settings["PATH"])
        url_fix = (
            "write a path from the site's root such as `Url: 2024/05/my-post/`, "
            "or remove the line to use the default"
        )
        save_fix = (
            "write a path from the site's root that ends in .html, such as "
            "`Save_as: 2024/05/my-post/index.html`, or remove the line to use the default"
        )
        for field, fix in (("url", url_fix), ("save_as", save_fix)):
            value = _metadata_field(content, field)
            if value is not None:
                problem = relative_problem(value)
                if problem:
                    self.fail(source, field, value, problem, fix)
                    return
        lang = _metadata_field(content, "lang")
        if lang is not None and not LANGUAGE_TAG.match(lang):
            self.fail(
                source,
                "lang",
                lang,
                "is not a language code",
                "write a code such as en, fr or pt-BR, or remove the line",
            )
            return
        template = _metadata_field(content, "template")
        if template is not None and (
            not TEMPLATE_NAME.match(template)
            or (self.templates is not None and template not in self.templates)
        ):
            names = sorted(theme_templates(self.settings))
            self.fail(
                source,
                "template",
                template,
                "is not one of the theme's page templates",
                f"use one of {', '.join(names)}, or remove the line",
            )
            return
        if self.reserved is not None:
            found = len(self.problems)
            self.check_location(content, source, save_fix)
            # Last, with all the content: a path Commons keeps or that is not a
            # page is the problem to fix first. A file with only one of the two
            # is still written, so `invoke check` sees the rest of it.
            unpaired = unpaired_address(content, source)
            if unpaired and len(self.problems) == found:
                self.problems.append(unpaired)

    def check_location(self, content, source: str, save_fix: str) -> None:
        """The paths Pelican built from the patterns and the fields, as it will write them."""
        field = "save_as" if "save_as" in content.metadata else "slug"
        if field == "slug" and "url" in content.metadata:
            field = "url"
        url, save_as = content.url, content.save_as
        for value in (url, save_as):
            problem = relative_problem(value) if value else None
            if problem:
                self.fail(
                    source,
                    field,
                    _metadata_field(content, field) or value,
                    f"gives the path {value!r}, which {problem}",
                    "remove the characters a path cannot hold from the fields it is built from",
                )
                return
        if not save_as:
            return
        taken = self.reserved(save_as)
        if taken:
            shown = _metadata_field(content, field) or content.slug
            self.fail(
                source,
                field,
                shown,
                f"is {taken}"
                if shown == save_as
                else f"gives the path {save_as!r}, which is {taken}",
                f"choose another {field.capitalize()} for this post, or remove the line",
            )
            return
        if not save_as.endswith((".html", ".htm")):
            self.fail(
                source,
                field,
                _metadata_field(content, field) or save_as,
                f"gives the file {save_as!r}, which is not an .html page",
                save_fix,
            )
            return


def theme_templates(settings: dict) -> set[str]:
    """The names `Template:` may take: the theme's top-level templates."""
    folders = [Path(settings["THEME"]) / "templates"]
    folders += [Path(folder) for folder in settings.get("THEME_TEMPLATES_OVERRIDES") or ()]
    extensions = tuple(settings.get("TEMPLATE_EXTENSIONS") or (".html",))
    return {
        path.name[: -len(extension)]
        for folder in folders
        if folder.is_dir()
        for path in folder.iterdir()
        for extension in extensions
        if path.name.endswith(extension) and path.is_file()
    }


def unpublish_drafts(contents: list) -> None:
    """A draft whose site does not publish drafts is not written, whatever its Save_as."""
    for content in contents:
        if getattr(content, "status", None) != "draft":
            continue
        key = "save_as" if content.in_default_lang else "lang_save_as"
        written = url_setting_ignoring_override(content, key)
        if not written and getattr(content, "override_save_as", ""):
            content.override_save_as = ""


def path_problems(contents: list, settings: dict) -> list[Problem]:
    """The paths of every post and page of a generator, once all the content is read."""
    unpublish_drafts(contents)
    checker = Checker(settings)
    for content in contents:
        checker.check(content)
    return checker.problems


def new_content_problems(content) -> list[Problem]:
    """One post or page as Pelican creates it: before its own checks, which name no field."""
    if isinstance(content, Static) or content.source_path is None:
        return []
    unpublish_drafts([content])
    checker = Checker(content.settings, full=False)
    checker.check(content)
    return checker.problems


def attached_problems(generator) -> list[Problem]:
    """Static files an `{attach}` link moved next to a post: not onto a generated or kept path.

    Their place is known only once the posts are written (Pelican moves them
    then); the pages are written after the posts and before the static files
    are copied, so this runs when both are done.
    """
    settings = generator.settings
    reserved = reserved_matcher(settings)
    problems = []
    for static in generator.context.get("staticfiles") or ():
        # Moved by {attach}: an override that no metadata (EXTRA_PATH_METADATA,
        # a maintainer's choice such as extra/robots.txt -> robots.txt) set.
        attached = hasattr(static, "override_save_as") and "save_as" not in static.metadata
        taken = reserved(static.save_as) if attached and static.save_as else None
        if taken:
            problems.append(
                Problem(
                    source_name(static.source_path, settings["PATH"]),
                    "",
                    f"an {{attach}} link puts it at {static.save_as!r}, which is {taken}",
                    "rename the file, or link to it with {static}.",
                )
            )
    return problems
