"""`invoke migrate-links`: rewrite the links that have one right answer, in place.

A Pelican blog moved to Commons keeps links written for another layout:
- `|filename|path` (Pelican's old syntax) becomes `{filename}path` (also
  `|static|`, `|attach|`);
- `{filename}` aimed at a static file (an image, a PDF) becomes `{static}`;
- an image path relative to the post's file (`images/x.png`), which breaks
  once the post is published at /YYYY/MM/slug/, becomes `{static}/images/x.png`;
- a link to an old `slug.html` URL that names one of the site's posts or pages
  becomes `{filename}/that-post.md`;
- a year-first date without leading zeros in the metadata (`Date: 2015-8-5
  9:09`, `:date: 2015-8-5`), which Commons refuses, is written out in full
  (`2015-08-05 09:09`).

Code (fenced, indented and inline) is left alone. A dry run prints the unified
diff and changes nothing; a real run saves the diff as a patch first, so
`patch -R -p1 < PATCH` undoes it, then writes the files.

Files are read and written through a `commons.files.Folder` on content/: a
symbolic link (to a file or a folder, inside content/ or out of it) is
neither followed nor rewritten, only reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from pelican.utils import slugify

from commons.files import Folder
from plugins.metadata_check.metadata_check import padded_date

SOURCE_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
# Files whose metadata dates are padded (links are rewritten in Markdown only).
DATED_SUFFIXES = (*SOURCE_SUFFIXES, ".rst")
RST_FIELD = re.compile(r"^:[\w-]+:")
DATE_LINE = re.compile(
    r"^(?P<lead>(?::(?:date|modified):|(?:Date|Modified):)[ \t]*)"
    r"(?P<value>[^\n]*?)(?P<end>[ \t]*)$",
    re.IGNORECASE | re.MULTILINE,
)
OLD_SYNTAX = re.compile(r"\|(?P<kind>filename|static|attach)\|")
# A Markdown link or image target, or an HTML href/src value.
TARGET = re.compile(
    r"(?P<lead>\]\(\s*<?|(?:href|src)\s*=\s*[\"'])(?P<url>[^)\s\"'>]+)", re.IGNORECASE
)
FENCE = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
METADATA_LINE = re.compile(r"^(?P<key>[A-Za-z][\w-]*):\s*(?P<value>.*)$")


@dataclass
class Migration:
    """What a run changed (or would change): a diff per file, and the reasons."""

    diffs: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)
    # Files left alone, each a sentence: symbolic links, names that are not plain.
    skipped: list[str] = field(default_factory=list)

    @property
    def patch(self) -> str:
        return "".join(self.diffs[name] for name in sorted(self.diffs))

    def summary(self) -> str:
        count = sum(len(reasons) for reasons in self.changes.values())
        return f"{count} link(s) rewritten in {len(self.changes)} file(s)."


@dataclass(frozen=True)
class Site:
    """What the rewrites need to know of the content folder."""

    content: Path
    static_paths: tuple[str, ...]
    posts_by_slug: dict[str, str]  # slug -> source path under content/


def read_site(content: Path, settings: dict) -> Site:
    folder = Folder(content)
    posts_by_slug = {}
    for relative in folder.files(SOURCE_SUFFIXES)[0]:
        text = folder.read_bytes(relative).decode("utf-8", errors="replace")
        metadata = _metadata(text)
        slug = metadata.get("slug") or slugify(
            metadata.get("title", PurePosixPath(relative).stem),
            regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
        )
        posts_by_slug.setdefault(slug, relative)
    return Site(content, tuple(settings.get("STATIC_PATHS", [])), posts_by_slug)


def _metadata(text: str) -> dict[str, str]:
    metadata = {}
    for line in text.splitlines():
        match = METADATA_LINE.match(line)
        if not match:
            break
        metadata[match["key"].lower()] = match["value"].strip()
    return metadata


def rewrite_text(text: str, source: Path, site: Site) -> tuple[str, list[str]]:
    """`text` with its links rewritten, outside code, and a reason per rewrite."""
    reasons: list[str] = []
    lines = text.splitlines(keepends=True)
    fence = None
    previous_blank = True
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence:
            if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(fence):
                fence = None
            previous_blank = False
            continue
        if opening:
            fence = opening["fence"]
            continue
        is_indented_code = previous_blank and line.startswith(("    ", "\t")) and line.strip()
        previous_blank = not line.strip() or (previous_blank and bool(is_indented_code))
        if is_indented_code:
            continue
        lines[index] = _outside_inline_code(
            line, lambda part: _rewrite(part, source, site, reasons)
        )
    return "".join(lines), reasons


def _outside_inline_code(line: str, rewrite: Callable[[str], str]) -> str:
    pieces, last = [], 0
    for code in INLINE_CODE.finditer(line):
        pieces += [rewrite(line[last : code.start()]), code.group(0)]
        last = code.end()
    pieces.append(rewrite(line[last:]))
    return "".join(pieces)


def _rewrite(part: str, source: Path, site: Site, reasons: list[str]) -> str:
    def old_syntax(match: re.Match) -> str:
        reasons.append(f"|{match['kind']}| is Pelican's old syntax: {{{match['kind']}}}")
        return f"{{{match['kind']}}}"

    part = OLD_SYNTAX.sub(old_syntax, part)

    def target(match: re.Match) -> str:
        url = match["url"]
        new = _new_target(url, source, site)
        if new is None:
            return match.group(0)
        reasons.append(f"{url} -> {new}")
        return match["lead"] + new

    return TARGET.sub(target, part)


def _new_target(url: str, source: Path, site: Site) -> str | None:
    if url.startswith("{filename}"):
        path = url.removeprefix("{filename}")
        if Path(urlsplit(path).path).suffix.lower() in (*SOURCE_SUFFIXES, ".rst", ".html"):
            return None
        target = _resolve(path, source, site.content)
        if target is not None and target.is_file():
            return "{static}" + path
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("{", "#", "data:", "mailto:")):
        return None
    path = unquote(parts.path)
    if not path:
        return None
    if not path.startswith("/"):
        beside = (source.parent / path).resolve()
        if beside.is_file() and _inside(beside, site.content):
            relative = beside.relative_to(site.content.resolve()).as_posix()
            kind = "{filename}" if beside.suffix.lower() in SOURCE_SUFFIXES else "{static}"
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            return f"{kind}/{relative}{fragment}"
    if path.endswith(".html"):
        slug = Path(path).stem
        post = site.posts_by_slug.get(slug)
        if post and slug != "index":
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            return "{filename}/" + post + fragment
    return None


def _resolve(path: str, source: Path, content: Path) -> Path | None:
    path = unquote(urlsplit(path).path)
    target = (content / path.lstrip("/")) if path.startswith("/") else source.parent / path
    target = target.resolve()
    return target if _inside(target, content) else None


def _inside(path: Path, content: Path) -> bool:
    try:
        path.relative_to(content.resolve())
    except ValueError:
        return False
    return True


def pad_dates(text: str, suffix: str) -> tuple[str, list[str]]:
    """`text` with its Date/Modified metadata written with leading zeros, where that is all
    it lacks. Only the metadata block is read, never the body."""
    reasons: list[str] = []
    head_end = _metadata_end(text, suffix)

    def pad(match: re.Match) -> str:
        padded = padded_date(match["value"].strip())
        if not padded or padded == match["value"].strip():
            return match.group(0)
        reasons.append(f"date {match['value'].strip()} -> {padded}")
        return f"{match['lead']}{padded}{match['end']}"

    return DATE_LINE.sub(pad, text[:head_end]) + text[head_end:], reasons


def _metadata_end(text: str, suffix: str) -> int:
    """Where the metadata block ends: Markdown's at its first blank line;
    reStructuredText's field list (after the title) at the first line that is
    not a field once a field has been seen."""
    end = 0
    seen_field = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if suffix == ".rst":
            if RST_FIELD.match(line):
                seen_field = True
            elif seen_field:
                break
        elif not stripped:
            break
        end += len(line)
    return end


def migrate(
    content: Path,
    settings: dict,
    *,
    dry_run: bool,
    progress=print,
    patch: tuple[Folder, str] | None = None,
) -> Migration:
    """Rewrite every Markdown file under `content`; with dry_run, only report.

    `patch`: where a real run saves its diff (a Folder and a path in it), before
    any file is rewritten, so that a refused patch leaves every file as it was.
    Raises WriteRefused, naming the file and the fix.
    """
    content = Path(content)
    folder = Folder(content, force=True)
    site = read_site(content, settings)
    migration = Migration()
    sources, migration.skipped = folder.files(DATED_SUFFIXES)
    rewritten: dict[str, str] = {}
    for number, relative in enumerate(sources, 1):
        suffix = PurePosixPath(relative).suffix.lower()
        text = folder.read_text(relative)
        new_text, reasons = pad_dates(text, suffix)
        if suffix in SOURCE_SUFFIXES:
            new_text, link_reasons = rewrite_text(new_text, folder.path(relative), site)
            reasons += link_reasons
        if number % 100 == 0:
            progress(f"  {number}/{len(sources)} files read")
        if new_text == text:
            continue
        rewritten[relative] = new_text
        name = f"content/{relative}"
        migration.diffs[name] = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )
        migration.changes[name] = reasons
    if dry_run or not rewritten:
        return migration
    if patch is not None:
        patch_folder, patch_name = patch
        patch_folder.write_text(patch_name, migration.patch)
    for relative, new_text in rewritten.items():
        folder.write_text(relative, new_text)
    return migration
