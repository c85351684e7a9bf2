"""`invoke migrate-links`: rewrite the links that have one right answer, in place.

A Pelican blog moved to Commons keeps links written for another layout:
- `|filename|path` (Pelican's old syntax) becomes `{filename}path` (also
  `|static|`, `|attach|`);
- `{filename}` aimed at a static file (an image, a PDF) becomes `{static}`;
- an image path relative to the post's file (`images/x.png`), which breaks
  once the post is published at /YYYY/MM/slug/, becomes `{static}/images/x.png`;
- a link to an old `slug.html` URL that names one of the site's posts or pages
  becomes `{filename}/that-post.md`;
- a link to the old blog's own domain (its SITEURL, or `--site-url`), and a
  path from the site's root (`/images/x.png`), becomes `{filename}` when it
  names an old address of a post or page, `{static}` when it names a file;
- a year-first date without leading zeros in the metadata (`Date: 2015-8-5
  9:09`, `:date: 2015-8-5`), which Commons refuses, is written out in full
  (`2015-08-05 09:09`);
- YAML front matter (`---` … `---`) becomes Pelican's `Key: value` lines
  (quotes and lists written out), where it is that simple.

Markdown links, images, reference definitions and HTML `href`/`src` are
read; in reStructuredText, `.. image::`, `.. figure::`, `:target:`, link
targets (`.. _name: URL`) and embedded links (`` `text <URL>`_ ``). As an
opt-in step (`titles_and_dates`), a post without a Title takes its leading
heading, and one without a Date the `YYYY-MM-DD` its file name starts with:
what many blogs' custom readers did.

Code (fenced, indented and inline; rST literal blocks and code directives)
is left alone. A dry run prints the unified
diff and changes nothing; a real run saves the diff as a patch first, so
`patch -R -p1 < PATCH` undoes it, then writes the files.

Files are read and written through a `commons.files.Folder` on content/: a
symbolic link (to a file or a folder, inside content/ or out of it) is
neither followed nor rewritten, only reported.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from pelican.utils import slugify

from commons.files import Folder, WriteRefused
from commons.layout import plugin_module
from commons.pelican_addresses import (
    REDIRECTS_FILE,
    Redirects,
    read_old_site,
    redirects,
    write_redirects,
)

padded_date = plugin_module("guard", "metadata").padded_date

SOURCE_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
# The files migrate-links reads and rewrites: posts and pages.
DATED_SUFFIXES = (*SOURCE_SUFFIXES, ".rst")
RST_FIELD = re.compile(r"^:[\w-]+:")
DATE_LINE = re.compile(
    r"^(?P<lead>(?::(?:date|modified):|(?:Date|Modified):)[ \t]*)"
    r"(?P<value>[^\n]*?)(?P<end>[ \t]*)$",
    re.IGNORECASE | re.MULTILINE,
)
OLD_SYNTAX = re.compile(r"\|(?P<kind>filename|static|attach)\|")
# A Markdown link or image target, a reference definition, or an HTML href/src value.
TARGET = re.compile(
    r"(?P<lead>\]\(\s*<?|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?|(?:href|src)\s*=\s*[\"'])"
    r"(?P<url>[^)\s\"'>]+)",
    re.IGNORECASE,
)
# reStructuredText: an image or figure, a :target: option, a link target, an embedded URI.
RST_TARGET = re.compile(
    r"(?P<lead>^\s*\.\.[ \t]+(?:image|figure)::[ \t]+|^\s+:target:[ \t]+"
    r"|^\s*\.\.[ \t]+_[^:\n]+:[ \t]+)(?P<url>\S+)[ \t]*$"
    r"|(?P<inline>`[^`<\n]*<)(?P<embedded>[^>`\s]+)(?=>`)",
    re.MULTILINE,
)
RST_LITERAL = re.compile(r"``.+?``")
RST_CODE_DIRECTIVE = re.compile(r"^\s*\.\.[ \t]+(?:code|code-block|sourcecode|raw)::")
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
    # The old Pelican blog's addresses, when it was given.
    redirects: Redirects | None = None

    @property
    def patch(self) -> str:
        return "".join(self.diffs[name] for name in sorted(self.diffs))

    def summary(self) -> str:
        count = sum(len(reasons) for reasons in self.changes.values())
        summary = f"{count} change(s) in {len(self.changes)} file(s)."
        if self.redirects is not None:
            summary += (
                f" {len(self.redirects.lines)} old address(es) in content/{REDIRECTS_FILE}"
                f" ({len(self.redirects.left_out)} left out)."
            )
        return summary


@dataclass(frozen=True)
class Site:
    """What the rewrites need to know of the content folder."""

    content: Path
    static_paths: tuple[str, ...]
    posts_by_slug: dict[str, str]  # slug -> source path under content/
    # The old blog's addresses (decoded, no leading "/") -> source path under content/.
    old_addresses: dict[str, str] = field(default_factory=dict)
    # The old blog's own address ("https://blog.example.org/sub"): links to it are internal.
    site_url: str = ""


def read_site(
    content: Path, settings: dict, old_addresses: dict | None = None, site_url: str = ""
) -> Site:
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
    return Site(
        content,
        tuple(settings.get("STATIC_PATHS", [])),
        posts_by_slug,
        dict(old_addresses or {}),
        site_url.rstrip("/"),
    )


def _metadata(text: str) -> dict[str, str]:
    front = yaml_front_matter(text)
    if front is not None:
        return {key.lower(): value for key, value in front[0].items()}
    metadata = {}
    for line in text.splitlines():
        match = METADATA_LINE.match(line)
        if not match:
            break
        metadata[match["key"].lower()] = match["value"].strip()
    return metadata


YAML_KEY = re.compile(r"^(?P<key>[A-Za-z][\w-]*):[ \t]*(?P<value>.*?)[ \t]*$")
YAML_ITEM = re.compile(r"^[ \t]*-[ \t]+(?P<value>.*?)[ \t]*$")


def yaml_front_matter(text: str) -> tuple[dict[str, str], int] | None:
    """A leading `---` block of plain `key: value` lines (quoted strings, `[a, b]`
    and `- item` lists), as Pelican's metadata, and where it ends; None when the
    text has none or one that is more than that (left for a person)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    fields: dict[str, str] = {}
    items: list[str] | None = None
    key = None
    end = len(lines[0])
    for line in lines[1:]:
        end += len(line)
        stripped = line.rstrip("\r\n")
        if stripped.rstrip() in ("---", "..."):
            if items is not None and key:
                fields[key] = ", ".join(items)
            return fields, end
        item = YAML_ITEM.match(stripped)
        if item and items is not None:
            items.append(_yaml_scalar(item["value"]))
            continue
        if items is not None and key:
            fields[key] = ", ".join(items)
            items = None
        match = YAML_KEY.match(stripped)
        if not match:
            if not stripped.strip() or stripped.lstrip().startswith("#"):
                continue
            return None
        key, value = match["key"], match["value"]
        if not value:
            items = []
        elif value.startswith("[") and value.endswith("]"):
            fields[key] = ", ".join(
                _yaml_scalar(part) for part in value[1:-1].split(",") if part.strip()
            )
        elif value[0] in "{|>&*!":
            return None
        else:
            fields[key] = _yaml_scalar(value)
    return None


TRUE = ("true", "yes", "on")
FALSE = ("false", "no", "off")


def _yaml_scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def pelican_front_matter(text: str) -> tuple[str, list[str]]:
    """`text` with its simple YAML front matter written as Pelican's metadata lines."""
    front = yaml_front_matter(text)
    if front is None:
        return text, []
    fields, end = front
    # Jekyll's `published: false` and Hugo's `draft: true` kept a post unpublished:
    # without them Pelican would publish it.
    flags = {key.lower(): value.lower() for key, value in fields.items()}
    unpublished = flags.get("draft") in TRUE or flags.get("published") in FALSE
    fields = {k: v for k, v in fields.items() if k.lower() not in ("draft", "published")}
    if unpublished:
        fields = {k: v for k, v in fields.items() if k.lower() != "status"}
        fields["Status"] = "draft"
    head = "".join(f"{key.capitalize()}: {value}\n" for key, value in fields.items())
    rest = text[end:]
    return head + ("" if rest.startswith(("\n", "\r\n")) else "\n") + rest, [
        "YAML front matter -> Pelican metadata"
    ]


def rewrite_text(text: str, source: Path, site: Site) -> tuple[str, list[str]]:
    """`text` with its links rewritten, outside code, and a reason per rewrite."""
    if source.suffix.lower() == ".rst":
        return rewrite_rst(text, source, site)
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
        lines[index] = _outside_code(
            line, INLINE_CODE, lambda part: _rewrite(part, source, site, reasons, TARGET)
        )
    return "".join(lines), reasons


def rewrite_rst(text: str, source: Path, site: Site) -> tuple[str, list[str]]:
    """reStructuredText's links and images rewritten, outside literal blocks
    (after `::`, and code and raw directives) and ``inline literals``."""
    reasons: list[str] = []
    lines = text.splitlines(keepends=True)
    literal_indent = None  # the indent of the line that opened a literal block
    for index, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not line.strip() or indent > literal_indent:
                continue
            literal_indent = None
        is_code_directive = bool(RST_CODE_DIRECTIVE.match(line))
        # A paragraph ending in "::" opens a literal block; a directive (`.. note::`) does not.
        is_literal = line.rstrip().endswith("::") and not line.lstrip().startswith("..")
        if is_code_directive or is_literal:
            literal_indent = indent
            if is_code_directive:
                continue
        lines[index] = _outside_code(
            line, RST_LITERAL, lambda part: _rewrite(part, source, site, reasons, RST_TARGET)
        )
    return "".join(lines), reasons


def _outside_code(line: str, code: re.Pattern, rewrite: Callable[[str], str]) -> str:
    pieces, last = [], 0
    for match in code.finditer(line):
        pieces += [rewrite(line[last : match.start()]), match.group(0)]
        last = match.end()
    pieces.append(rewrite(line[last:]))
    return "".join(pieces)


def _rewrite(part: str, source: Path, site: Site, reasons: list[str], targets: re.Pattern) -> str:
    def old_syntax(match: re.Match) -> str:
        reasons.append(f"|{match['kind']}| is Pelican's old syntax: {{{match['kind']}}}")
        return f"{{{match['kind']}}}"

    part = OLD_SYNTAX.sub(old_syntax, part)

    def target(match: re.Match) -> str:
        groups = match.groupdict()
        url = groups.get("url") or groups.get("embedded")
        lead = groups.get("lead") if groups.get("url") else groups.get("inline")
        new = _new_target(url, source, site)
        if new is None:
            return match.group(0)
        reasons.append(f"{url} -> {new}")
        return match.group(0).replace(lead + url, lead + new, 1)

    return targets.sub(target, part)


def _new_target(url: str, source: Path, site: Site) -> str | None:
    if url.startswith("{filename}"):
        path = url.removeprefix("{filename}")
        if Path(urlsplit(path).path).suffix.lower() in (*DATED_SUFFIXES, ".html"):
            return None
        target = _resolve(path, source, site.content)
        if target is not None and target.is_file():
            return "{static}" + path
        return None
    url = _own_path(url, site.site_url) or url
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("{", "#", "data:", "mailto:")):
        return None
    path = unquote(parts.path)
    if not path:
        return None
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if not path.startswith("/"):
        beside = (source.parent / path).resolve()
        if beside.is_file() and _inside(beside, site.content):
            relative = beside.relative_to(site.content.resolve()).as_posix()
            kind = "{filename}" if beside.suffix.lower() in DATED_SUFFIXES else "{static}"
            return f"{kind}/{relative}{fragment}"
    else:
        post = site.old_addresses.get(path.lstrip("/"))
        if post:
            return "{filename}/" + post + fragment
        in_content = _resolve(path, source, site.content)
        if in_content is not None and in_content.is_file():
            relative = in_content.relative_to(site.content.resolve()).as_posix()
            if in_content.suffix.lower() not in DATED_SUFFIXES:
                return "{static}/" + relative + fragment
    if path.endswith(".html"):
        slug = Path(path).stem
        post = site.posts_by_slug.get(slug)
        if post and slug != "index":
            return "{filename}/" + post + fragment
    return None


def _own_path(url: str, site_url: str) -> str | None:
    """`url` as a path from the site's root when it is on the old blog's own
    domain (http or https, with or without `www.`), else None."""
    if not site_url:
        return None
    parts, own = urlsplit(url), urlsplit(site_url)
    if parts.scheme.lower() not in ("http", "https", "") or not parts.netloc or parts.query:
        return None
    if parts.netloc.lower().removeprefix("www.") != own.netloc.lower().removeprefix("www."):
        return None
    prefix = own.path.rstrip("/")
    if prefix and not (parts.path == prefix or parts.path.startswith(prefix + "/")):
        return None
    path = parts.path[len(prefix) :] or "/"
    return path + (f"#{parts.fragment}" if parts.fragment else "")


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


FILE_DATE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?!\d)")
ATX_TITLE = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t#]*$")
SETEXT_TITLE = re.compile(r"^=+[ \t]*$")


def titles_and_dates(text: str, relative: str) -> tuple[str, list[str]]:
    """The opt-in step: a Markdown post without a Title takes its leading heading
    (which is removed from the body, as the custom readers did), and a post
    without a Date the `YYYY-MM-DD` its file name starts with."""
    path = PurePosixPath(relative)
    date = FILE_DATE.match(path.name)
    if date and not _is_date(date["date"]):
        date = None  # 2019-13-45: no date; `check` asks a person for one
    if path.suffix.lower() == ".rst":
        return _rst_date(text, date["date"] if date else None)
    lines = text.splitlines(keepends=True)
    metadata = _metadata(text)
    head = 0
    while head < len(lines) and METADATA_LINE.match(lines[head].rstrip("\r\n")):
        head += 1
    if head and not (head == len(lines) or not lines[head].strip()):
        head = 0  # not a metadata block: the first paragraph says "Note: …"
    added, reasons = [], []
    body = head
    while body < len(lines) and not lines[body].strip():
        body += 1
    if "title" not in metadata and body < len(lines):
        atx = ATX_TITLE.match(lines[body].rstrip("\r\n"))
        setext = body + 1 < len(lines) and SETEXT_TITLE.match(lines[body + 1].rstrip("\r\n"))
        title = atx["title"] if atx else lines[body].strip() if setext else None
        if title:
            added.append(f"Title: {title}\n")
            reasons.append(f"title from the leading heading: {title}")
            del lines[body : body + (1 if atx else 2)]
            while body < len(lines) and not lines[body].strip():
                del lines[body]  # the metadata block's own blank line separates it
    if "date" not in metadata and date:
        added.append(f"Date: {date['date']}\n")
        reasons.append(f"date from the file name: {date['date']}")
    if not added:
        return text, []
    if head:
        lines[head:head] = added
    else:
        lines[0:0] = [*added, "\n"]
    return "".join(lines), reasons


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _rst_date(text: str, date: str | None) -> tuple[str, list[str]]:
    end = _metadata_end(text, ".rst")
    head = text[:end]
    if not date or re.search(r"^:date:", head, re.MULTILINE | re.IGNORECASE):
        return text, []
    if not re.search(r"^:[\w-]+:", head, re.MULTILINE):
        return text, []  # no field list to add it to: left for a person, `check` says where
    return head + f":date: {date}\n" + text[end:], [f"date from the file name: {date}"]


def migrate(
    content: Path,
    settings: dict,
    *,
    dry_run: bool,
    progress=print,
    patch: tuple[Folder, str] | None = None,
    old_settings: dict | None = None,
    site_url: str = "",
    titles: bool = False,
) -> Migration:
    """Rewrite every Markdown and reStructuredText file under `content`; with
    dry_run, only report.

    `patch`: where a real run saves its diff (a Folder and a path in it), before
    any file is rewritten, so that a refused patch leaves every file as it was.
    `old_settings`: the old Pelican blog's settings (`pelican_addresses.old_settings`):
    links to its old addresses are rewritten, and a real run writes
    content/redirects/pelican.txt from them. `site_url`: the old blog's address
    (else its SITEURL). `titles`: the opt-in titles-and-dates step.
    Raises WriteRefused, naming the file and the fix.
    """
    content = Path(content)
    folder = Folder(content, force=True)
    old_site = None
    if old_settings is not None and not dry_run:
        # Before any file is rewritten: a redirects file Commons may not write
        # (a link, a folder) refuses the whole run.
        refused = folder.refusal(REDIRECTS_FILE, force=True)
        if refused:
            raise WriteRefused(refused)
    if old_settings is not None:
        old_site = read_old_site(content, old_settings, settings)
        site_url = site_url or str(old_settings.get("SITEURL") or "")
    addresses = old_site.by_address() if old_site is not None else {}
    site = read_site(content, settings, addresses, site_url)
    migration = Migration()
    sources, migration.skipped = folder.files(DATED_SUFFIXES)
    rewritten: dict[str, str] = {}
    for number, relative in enumerate(sources, 1):
        suffix = PurePosixPath(relative).suffix.lower()
        text = folder.read_text(relative)
        new_text, reasons = text, []
        steps = [pelican_front_matter] if suffix in SOURCE_SUFFIXES else []
        steps.append(lambda text, suffix=suffix: pad_dates(text, suffix))
        if titles:
            steps.append(lambda text, relative=relative: titles_and_dates(text, relative))
        steps.append(
            lambda text, relative=relative: rewrite_text(text, folder.path(relative), site)
        )
        for step in steps:
            new_text, more = step(new_text)
            reasons += more
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
    if not dry_run and rewritten:
        if patch is not None:
            patch_folder, patch_name = patch
            patch_folder.write_text(patch_name, migration.patch)
        for relative, new_text in rewritten.items():
            folder.write_text(relative, new_text)
    if old_site is not None:
        if titles and rewritten and not dry_run:
            # Read again: a title taken from a heading makes the old slug.
            old_site = read_old_site(content, old_settings, settings)
        migration.redirects = redirects(old_site, settings)
        migration.redirects.left_out[:0] = old_site.unread
        if not dry_run:
            write_redirects(content, migration.redirects.text())
    return migration
