"""The addresses a Pelican blog had, and the redirects that keep them working.

A blog moved to Commons changes address scheme (`/slug.html` becomes
`/YYYY/MM/slug/`, `/category/x.html` becomes `/category/x/`). The old blog's
URL settings are read from its `pelicanconf.py` (and the `publishconf.py`
beside it) as data: the file is parsed, never run, and only literal
assignments of the settings that shape addresses are kept (an editor or an
import is not trusted to run code). Each post, page, category, tag, author
and feed address is computed with Pelican's own readers and slug rules, and
written as one line of `content/redirects/pelican.txt`, which the redirects
plugin publishes. Lines the plugin would refuse are left out and listed.
"""

from __future__ import annotations

import ast
import copy
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from pelican.readers import (
    MarkdownReader,
    RstReader,
    default_metadata,
    parse_path_metadata,
    path_metadata,
)
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Author, Category, Tag
from pelican.utils import slugify

from commons.files import Folder
from commons.layout import plugin_module

_redirects = plugin_module("redirects", "redirects")
KeptPaths = _redirects.KeptPaths
RedirectError = _redirects.RedirectError
kept_problem = _redirects.kept_problem
old_address = _redirects.old_address

REDIRECTS_FILE = "redirects/pelican.txt"
# The settings that decide where Pelican wrote a file, and nothing else.
ADDRESS_SETTINGS = frozenset(
    {
        "SITEURL",
        "TIMEZONE",
        "DEFAULT_LANG",
        "DEFAULT_DATE",
        "DEFAULT_CATEGORY",
        "USE_FOLDER_AS_CATEGORY",
        "FILENAME_METADATA",
        "PATH_METADATA",
        "ARTICLE_PATHS",
        "PAGE_PATHS",
        "STATIC_PATHS",
        "ARTICLE_EXCLUDES",
        "PAGE_EXCLUDES",
        "DIRECT_TEMPLATES",
        "SLUGIFY_SOURCE",
        "SLUGIFY_USE_UNICODE",
        "SLUGIFY_PRESERVE_CASE",
        "SLUG_REGEX_SUBSTITUTIONS",
        "CATEGORY_REGEX_SUBSTITUTIONS",
        "TAG_REGEX_SUBSTITUTIONS",
        "AUTHOR_REGEX_SUBSTITUTIONS",
        "PLUGINS",  # pelican-more-categories splits "Category: A, B" into two
    }
)
MORE_CATEGORIES = "more_categories"
ADDRESS_SUFFIXES = ("_URL", "_SAVE_AS", "_ATOM", "_RSS")
READERS = {
    suffix: reader for reader in (MarkdownReader, RstReader) for suffix in reader.file_extensions
}
# Pelican's direct templates -> the Commons setting of the page that replaces it.
DIRECT_PAGES = {
    "archives": "ARCHIVES_URL",
    "categories": "CATEGORIES_URL",
    "tags": "TAGS_URL",
    "authors": "AUTHORS_URL",
}
FEEDS = (
    ("FEED_ATOM", "FEED_ALL_ATOM", None),
    ("FEED_RSS", "FEED_ALL_RSS", None),
    ("FEED_ALL_ATOM", "FEED_ALL_ATOM", None),
    ("FEED_ALL_RSS", "FEED_ALL_RSS", None),
    ("CATEGORY_FEED_ATOM", "CATEGORY_FEED_ATOM", "category"),
    ("CATEGORY_FEED_RSS", "CATEGORY_FEED_RSS", "category"),
    ("TAG_FEED_ATOM", "TAG_FEED_ATOM", "tag"),
    ("TAG_FEED_RSS", "TAG_FEED_RSS", "tag"),
    ("AUTHOR_FEED_ATOM", "AUTHOR_FEED_ATOM", "author"),
    ("AUTHOR_FEED_RSS", "AUTHOR_FEED_RSS", "author"),
    ("TRANSLATION_FEED_ATOM", "FEED_ALL_ATOM", "lang"),
    ("TRANSLATION_FEED_RSS", "FEED_ALL_RSS", "lang"),
)
WRAPPERS = {"category": Category, "tag": Tag, "author": Author}


class OldSettingsError(ValueError):
    """The old blog's settings file cannot be read; the message names it and the fix."""


def is_address_setting(name: str) -> bool:
    return name in ADDRESS_SETTINGS or name.endswith(ADDRESS_SUFFIXES)


def literal_settings(path: Path, known: dict | None = None) -> tuple[dict, list[str]]:
    """The address settings `path` assigns literally, and a note per one it computes.

    The file is parsed, never run. A value may be a literal, the name of a
    setting assigned before it, or a constant subscript of one (`SITE["url"]`).
    """
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise OldSettingsError(
            f"{path}: cannot be read ({error}). Fix: give the old blog's pelicanconf.py."
        ) from None
    except (SyntaxError, ValueError, RecursionError) as error:
        raise OldSettingsError(
            f"{path}:{getattr(error, 'lineno', '?')}: not Python "
            f"({getattr(error, 'msg', error)}). Fix: give the old blog's "
            "pelicanconf.py as it was when the blog was built."
        ) from None
    values = dict(known or {})
    found: dict = {}
    notes = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        try:
            value = _literal(node.value, values)
            problem = _type_problem(target.id, value)
        except (ValueError, TypeError, SyntaxError, RecursionError):
            value, problem = None, "is computed, not written out"
        if problem:
            if is_address_setting(target.id):
                notes.append(
                    f"{path.name}:{node.lineno}: {target.id} {problem}; Pelican's default is "
                    f"used. Fix: write its value out, or correct {REDIRECTS_FILE} by hand."
                )
            continue
        values[target.id] = value
        if is_address_setting(target.id):
            found[target.id] = value
    return found, notes


def _type_problem(name: str, value) -> str | None:
    """Why `value` cannot be the address setting `name` (a URL pattern that is not
    text, a list that is not a list), or None."""
    if not is_address_setting(name) or value is None:
        return None
    default = DEFAULT_CONFIG.get(name)
    if name == "PLUGINS":
        expected, what = (list, tuple), "a list"
    elif name == "DEFAULT_DATE":
        expected, what = (str, tuple), "'fs' or a date tuple"
    elif isinstance(default, (list, tuple)):
        expected, what = (list, tuple), "a list"
    elif isinstance(default, bool):
        expected, what = bool, "True or False"
    else:
        expected, what = str, "text"
    if isinstance(value, expected):
        return None
    return f"is {type(value).__name__}, not {what}"


def _literal(node: ast.AST, values: dict):
    if isinstance(node, ast.Name):
        if node.id in values:
            return copy.deepcopy(values[node.id])
        raise ValueError(node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        container = _literal(node.value, values)
        key = ast.literal_eval(node.slice)
        try:
            return copy.deepcopy(container[key])
        except (KeyError, IndexError, TypeError):
            raise ValueError(node.value.id) from None
    return ast.literal_eval(node)


def old_settings(pelicanconf: Path | None) -> tuple[dict, list[str]]:
    """Pelican's defaults with the old blog's address settings on top (its
    pelicanconf.py, then the publishconf.py beside it, which sets SITEURL)."""
    settings = copy.deepcopy(DEFAULT_CONFIG)
    notes: list[str] = []
    if pelicanconf is None:
        return settings, notes
    pelicanconf = Path(pelicanconf)
    found, notes = literal_settings(pelicanconf)
    settings.update(found)
    publishconf = pelicanconf.with_name("publishconf.py")
    if publishconf.is_file():
        published, more = literal_settings(publishconf, found)
        settings.update(published)
        notes += more
    return settings, notes


@dataclass(frozen=True)
class OldContent:
    source: str  # path under content/
    kind: str  # "article" or "page"
    url: str  # the old address, site-relative, without the leading "/"
    status: str
    category: str | None
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    lang: str


@dataclass
class OldSite:
    """Every post and page of the old blog, where it was, and what could not be read."""

    settings: dict
    contents: list[OldContent] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    def by_address(self) -> dict[str, str]:
        """Old address (decoded, no leading "/") -> source path, published content only."""
        return {c.url: c.source for c in self.contents if c.status == "published"}


def _excluded(relative: str, folders) -> bool:
    return any(
        folder and (relative == folder or relative.startswith(folder.rstrip("/") + "/"))
        for folder in folders
    )


def read_old_site(content: Path, settings: dict, new_settings: dict) -> OldSite:
    """Every Markdown and reStructuredText file under `content` as the old blog read it."""
    site = OldSite(settings)
    folder = Folder(content)
    static = [*settings.get("STATIC_PATHS", []), *new_settings.get("STATIC_PATHS", []), "redirects"]
    page_paths = settings.get("PAGE_PATHS", ["pages"])
    # Read as Commons reads: its Markdown extensions, and no file inclusion, raw
    # HTML or URL fetching in reStructuredText (a post never reads a file outside
    # content/ or contacts a host). Only the metadata matters here, so docutils
    # reports unknown directives (the old blog's plugins) instead of stopping.
    docutils = {
        **new_settings.get("DOCUTILS_SETTINGS", {}),
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "halt_level": 5,
        "report_level": 5,
    }
    reading = {
        **settings,
        "MARKDOWN": new_settings.get("MARKDOWN", settings["MARKDOWN"]),
        "DOCUTILS_SETTINGS": docutils,
    }
    readers = {suffix: reader(reading) for suffix, reader in READERS.items()}
    for relative in folder.files(tuple(f".{suffix}" for suffix in READERS))[0]:
        if _excluded(relative, static) or PurePosixPath(relative).name.startswith("."):
            continue
        is_page = _excluded(relative, page_paths)
        excludes = settings.get("PAGE_EXCLUDES" if is_page else "ARTICLE_EXCLUDES", [])
        if _excluded(relative, excludes) or (not is_page and _excluded(relative, page_paths)):
            continue
        reader = readers[PurePosixPath(relative).suffix.lower().lstrip(".")]
        try:
            site.contents.append(_read(content, relative, reader, "page" if is_page else "article"))
        # What a post's markup or an old URL pattern ("{slug.x}", "{0}") may raise.
        except (ValueError, KeyError, IndexError, AttributeError, OSError) as error:
            site.unread.append(
                f"content/{relative}: not read ({error!r}); no redirect for it. Fix: correct "
                "the file or the old setting, and run migrate-links again."
            )
    return site


def _read(content: Path, relative: str, reader, kind: str) -> OldContent:
    settings = reader.settings
    full = str(content / relative)
    metadata = default_metadata(settings=settings, process=reader.process_metadata)
    metadata.update(path_metadata(full_path=full, source_path=relative, settings=settings))
    metadata.update(
        parse_path_metadata(
            source_path=relative, settings=settings, process=reader.process_metadata
        )
    )
    metadata.update(reader.read(full)[1])
    lang = str(metadata.get("lang", settings["DEFAULT_LANG"]))
    slug = metadata.get("slug") or _slug(metadata, relative, settings)
    category = metadata.get("category") if kind == "article" else None
    authors = list(metadata.get("authors", [])) or (
        [metadata["author"]] if metadata.get("author") else []
    )
    values = {
        **metadata,
        "path": relative,
        "slug": slug,
        "lang": lang,
        "author": authors[0].slug if authors else "",
        "category": category.slug if category else "",
    }
    if "date" not in values and "{date" in settings[f"{kind.upper()}_URL"]:
        raise ValueError("no date, and the old address has one")
    if metadata.get("url"):
        url = str(metadata["url"])
    else:
        in_default = lang.lower() == str(settings["DEFAULT_LANG"]).lower()
        key = f"{kind.upper()}_{'URL' if in_default else 'LANG_URL'}"
        url = str(settings[key]).format(**values)
    return OldContent(
        source=relative,
        kind=kind,
        url=url.lstrip("/"),
        status=str(metadata.get("status", "published")).lower(),
        category=category.name if category else None,
        tags=tuple(tag.name for tag in metadata.get("tags", [])),
        authors=tuple(author.name for author in authors),
        lang=lang,
    )


def _slug(metadata: dict, relative: str, settings: dict) -> str:
    if settings["SLUGIFY_SOURCE"] == "basename" or "title" not in metadata:
        value = os.path.splitext(os.path.basename(relative))[0]
    else:
        value = metadata["title"]
    return slugify(
        value,
        regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
        preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
        use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
    )


@dataclass
class Redirects:
    """The lines of the redirects file, and a sentence per address left out."""

    lines: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def text(self) -> str:
        header = [
            "# The old Pelican blog's addresses -> their new place (invoke migrate-links",
            "# --redirects). Published by plugins/redirects; run it again to rewrite.",
        ]
        return "\n".join([*header, *self.lines]) + "\n"


def _path(url: str) -> str:
    """A site-relative URL as the percent-encoded old path a redirect line names."""
    path = urlsplit(url).path
    return "/" + quote(path.lstrip("/"), safe="/-._~!$&'()*+,;=:@%")


def redirects(site: OldSite, new_settings: dict) -> Redirects:
    """One line per old address: posts and pages, categories, tags, authors, feeds
    and Pelican's index pages, in that order; each address once."""
    old = site.settings
    wanted: list[tuple[str, str]] = []
    published = [c for c in site.contents if c.status in ("published", "hidden")]
    for item in published:
        if item.kind == "article" and item.status == "hidden":
            continue  # Pelican published a hidden article; Commons does not list it either
        wanted.append((item.url, "{filename}/" + item.source))
    # By the old slug, as Pelican merged "Gentoo" and "gentoo" into one tag: slug -> name.
    names: dict[str, dict[str, str]] = {"category": {}, "tag": {}, "author": {}}
    for item in published:
        if item.kind != "article" or item.status != "published":
            continue
        categories = _categories(item.category, old) if item.category else []
        found = [("category", name) for name in categories]
        found += [("tag", tag) for tag in item.tags] + [("author", a) for a in item.authors]
        for kind, name in found:
            names[kind].setdefault(WRAPPERS[kind](name, old).slug, name)
    for kind, found in names.items():
        if not old.get(f"{kind.upper()}_SAVE_AS") or not new_settings.get(f"{kind.upper()}_URL"):
            continue
        for slug, name in found.items():
            url = str(old[f"{kind.upper()}_URL"]).format(slug=slug)
            wanted.append((url, f"{{{kind}}}{_new_name(kind, name, old, new_settings)}"))
    langs = sorted({item.lang for item in published})
    for old_key, new_key, per in FEEDS:
        pattern = old.get(old_key)
        if not pattern:
            continue
        new_pattern = new_settings.get(new_key) or new_settings.get("FEED_ALL_ATOM")
        if not new_pattern:
            continue  # the new site writes no feed at all
        if per is None:
            wanted.append((pattern, "/" + new_pattern))
        elif per == "lang":
            wanted += [(pattern.format(lang=lang), "/" + new_pattern) for lang in langs]
        else:
            for slug, name in names[per].items():
                old_url = pattern.format(slug=slug)
                new_slug = WRAPPERS[per](_new_name(per, name, old, new_settings), new_settings).slug
                wanted.append((old_url, "/" + new_pattern.format(slug=new_slug)))
    for template in old.get("DIRECT_TEMPLATES", []):
        new_key = DIRECT_PAGES.get(template)
        if new_key is None or not new_settings.get(new_key):
            continue
        url = old.get(f"{template.upper()}_URL") or old.get(
            f"{template.upper()}_SAVE_AS", f"{template}.html"
        )
        if url:
            wanted.append((url, "/" + new_settings[new_key]))
    return _checked(wanted, new_settings)


def _uses_more_categories(settings: dict) -> bool:
    return any(str(plugin).endswith(MORE_CATEGORIES) for plugin in settings.get("PLUGINS") or [])


def _categories(name: str, settings: dict) -> list[str]:
    """The categories a post's `Category` gave under `settings`: one, or one per
    comma with pelican-more-categories."""
    if not _uses_more_categories(settings):
        return [name]
    return [part.strip() for part in name.split(",") if part.strip()]


def _new_name(kind: str, name: str, old: dict, new_settings: dict) -> str:
    """The label of the new site that an old one's page moves to: the new default
    category for the old one (posts without a Category), the first of an old
    "A, B" category when the new site splits it."""
    if kind != "category":
        return name
    if name == old.get("DEFAULT_CATEGORY") and new_settings.get("DEFAULT_CATEGORY"):
        return new_settings["DEFAULT_CATEGORY"]
    return _categories(name, new_settings)[0]


def _checked(wanted: list[tuple[str, str]], new_settings: dict) -> Redirects:
    """The lines the redirects plugin will take: each old address once, none that is
    the new address itself, hidden, kept or a file Commons writes."""
    result = Redirects()
    kept = KeptPaths.from_settings(new_settings)
    seen: dict[str, str] = {}
    for url, target in wanted:
        path = _path(url)
        where = f"{path} -> {target}"
        if path.rstrip("/") == target.rstrip("/") or path == "/":
            continue  # the same address: it answers as it did
        try:
            old_address(path, where)
        except RedirectError as error:
            result.left_out.append(str(error))
            continue
        problem = kept_problem(path, kept)
        if problem:
            result.left_out.append(f"{path} {problem}: left as Commons writes it")
            continue
        if path in seen:
            if seen[path] != target:
                result.left_out.append(
                    f"{path}: the old blog had it for {seen[path]} and {target}; kept the first"
                )
            continue
        seen[path] = target
        result.lines.append(f"{path} {target}")
    return result


def write_redirects(content: Path, text: str) -> Path:
    """Write (or rewrite) content/redirects/pelican.txt, through a Folder."""
    return Folder(content, force=True).write_text(REDIRECTS_FILE, text)
