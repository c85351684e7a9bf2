"""Reading a WordPress eXtended RSS (WXR) export, versions 1.0 to 1.2.

WordPress has written its namespace as `http://wordpress.org/export/1.x/` and,
on WordPress.com and newer sites, `https://…`: both are accepted. The file is
parsed by `xml_export.parse_export` (lxml, no entities, no network), which
repairs the defects WordPress wrote and says what it repaired.

A date WordPress would not have written (not `YYYY-MM-DD HH:MM:SS`) is not
guessed at: the item or comment keeps it in `bad_dates`, and the importer
leaves that one out and says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from commons.errors import InputError

from .xml_export import CONTENT_NAMESPACE, DC_NAMESPACE, ExportSyntaxError, parse_export

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/excerpt/$")
ZERO_DATE = "0000-00-00 00:00:00"
PART_NAME = re.compile(r"^(.+)\.(\d{3})\.xml$")


class ExportError(InputError):
    """The file is not a WordPress export this importer can read; names the file and the fix."""


@dataclass(frozen=True)
class Comment:
    id: str
    parent: str | None
    author: str
    email: str
    url: str
    ip: str
    date_gmt: datetime | None
    date_local: datetime | None
    content: str
    approved: str
    type: str
    # "field 'value'" for each date that is there but is not a date.
    bad_dates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    domain: str
    nicename: str
    name: str


@dataclass
class Item:
    post_id: str
    title: str
    link: str
    post_type: str
    status: str
    password: str
    date_gmt: datetime | None
    date_local: datetime | None
    modified_gmt: datetime | None
    slug: str
    parent_id: str
    author: str
    content: str
    excerpt: str
    comment_status: str
    attachment_url: str
    guid: str = ""
    # The export file it was read from (one of an export's parts).
    source: Path | None = None
    # "field 'value'" for each date that is there but is not a date.
    bad_dates: list[str] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # Gutenberg's footnotes (post meta `footnotes`): id -> the note's HTML.
    # WordPress renders the list of notes when the page is viewed, so the
    # export's body holds only the links to them.
    footnotes: dict[str, str] = field(default_factory=dict)


@dataclass
class Export:
    path: Path
    title: str
    link: str
    wxr_version: str
    authors: dict[str, str]
    categories: dict[str, str]
    # A category's nicename -> its parent's (WordPress nests category archives).
    category_parents: dict[str, str]
    tags: dict[str, str]
    items: list[Item]
    # The multisite network's address (base_site_url); WordPress.com's is its own.
    site_link: str = ""
    # What was repaired to read the file (xml_export), each a sentence.
    repairs: list[str] = field(default_factory=list)
    # The files read: one, or the parts WordPress.com split a large export into.
    parts: list[Path] = field(default_factory=list)


def _parse_date(parent, tag: str, utc: bool, bad: list[str]) -> datetime | None:
    """The date WordPress wrote in `parent`'s `tag` (`YYYY-MM-DD HH:MM:SS`); None when
    there is none (empty, or WordPress's zero date for a draft); a value that is not
    a date is added to `bad`, with its line and field."""
    element = parent.find(tag)
    text = ((element.text if element is not None else "") or "").strip()
    if not text or text == ZERO_DATE:
        return None
    try:
        value = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        bad.append(f"line {element.sourceline}: {etree.QName(element).localname} {text!r}")
        return None
    return value.replace(tzinfo=UTC) if utc else value


def _text(element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def export_parts(path: Path) -> list[Path]:
    """The files of the export `path` is one of: WordPress.com splits a large export
    into `<name>.000.xml`, `<name>.001.xml`, …; any other file is whole."""
    match = PART_NAME.match(Path(path).name)
    if match is None:
        return [Path(path)]
    parts, number = [], 0
    while (part := Path(path).with_name(f"{match[1]}.{number:03d}.xml")).is_file():
        parts.append(part)
        number += 1
    return parts if Path(path) in parts else [Path(path)]


def read_export(path: Path) -> Export:
    """The export at `path`, every part of it (`export_parts`), or ExportError saying
    what is wrong and how to fix it."""
    parts = export_parts(Path(path))
    whole = read_export_file(parts[0])
    for part in parts[1:]:
        more = read_export_file(part)
        whole.authors = {**more.authors, **whole.authors}
        whole.categories = {**more.categories, **whole.categories}
        whole.category_parents = {**more.category_parents, **whole.category_parents}
        whole.tags = {**more.tags, **whole.tags}
        whole.items += more.items
        whole.repairs += more.repairs
    whole.parts = parts
    return whole


def read_export_file(path: Path) -> Export:
    """One export file, or ExportError saying what is wrong and how to fix it."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(
            f"{path}: no such file. Fix: give the path of the .xml file that WordPress's "
            "Tools > Export wrote."
        )
    try:
        parsed = parse_export(path)
    except ExportSyntaxError as error:
        raise ExportError(
            f"{path}: line {error.line}: is not well-formed XML ({error.message}). Fix: export "
            "again from WordPress (Tools > Export > All content); a file cut short by a "
            "download or an edit cannot be read."
        ) from None
    root = parsed.root
    namespaces = {value for value in (root.nsmap or {}).values() if value}
    wp = next((ns for ns in namespaces if WP_NAMESPACE.match(ns)), None)
    channel = root.find("channel")
    if root.tag != "rss" or wp is None or channel is None:
        raise ExportError(
            f"{path}: is not a WordPress export (WXR): its root is <{etree.QName(root).localname}>"
            " without WordPress's export namespace. Fix: in WordPress, use Tools > Export > "
            "All content and give that file."
        )
    excerpt = next((ns for ns in namespaces if EXCERPT_NAMESPACE.match(ns)), None)

    def w(tag: str) -> str:
        return f"{{{wp}}}{tag}"

    authors = {
        _text(a, w("author_login")): _text(a, w("author_display_name"))
        or _text(a, w("author_login"))
        for a in channel.iter(w("author"))
    }
    categories = {
        _text(c, w("category_nicename")): _text(c, w("cat_name"))
        for c in channel.findall(w("category"))
    }
    category_parents = {
        _text(c, w("category_nicename")): _text(c, w("category_parent"))
        for c in channel.findall(w("category"))
        if _text(c, w("category_parent"))
    }
    tags = {_text(t, w("tag_slug")): _text(t, w("tag_name")) for t in channel.findall(w("tag"))}
    items = []
    for element in channel.findall("item"):
        comments = []
        for c in element.findall(w("comment")):
            comment_bad: list[str] = []
            comments.append(
                Comment(
                    id=_text(c, w("comment_id")),
                    parent=(_text(c, w("comment_parent")) or None)
                    if _text(c, w("comment_parent")) not in ("", "0")
                    else None,
                    author=_text(c, w("comment_author")),
                    email=_text(c, w("comment_author_email")),
                    url=_text(c, w("comment_author_url")),
                    ip=_text(c, w("comment_author_IP")),
                    date_gmt=_parse_date(c, w("comment_date_gmt"), True, comment_bad),
                    date_local=_parse_date(c, w("comment_date"), False, comment_bad),
                    content=c.findtext(w("comment_content")) or "",
                    approved=_text(c, w("comment_approved")),
                    type=_text(c, w("comment_type")),
                    bad_dates=tuple(comment_bad),
                )
            )
        bad: list[str] = []
        items.append(
            Item(
                post_id=_text(element, w("post_id")),
                title=_text(element, "title"),
                link=_text(element, "link"),
                # WXR 1.0 items may lack a type: WordPress's own importer reads them as posts.
                post_type=_text(element, w("post_type")) or "post",
                # No status is not "publish": WordPress itself saves such a post as a draft.
                status=_text(element, w("status")),
                password=_text(element, w("post_password")),
                date_gmt=_parse_date(element, w("post_date_gmt"), True, bad),
                date_local=_parse_date(element, w("post_date"), False, bad),
                # A modification date is not the post's: one that is not a date is dropped.
                modified_gmt=_parse_date(element, w("post_modified_gmt"), True, []),
                slug=_text(element, w("post_name")),
                parent_id=_text(element, w("post_parent")),
                author=_text(element, f"{{{DC_NAMESPACE}}}creator"),
                content=element.findtext(f"{{{CONTENT_NAMESPACE}}}encoded") or "",
                excerpt=(element.findtext(f"{{{excerpt}}}encoded") or "") if excerpt else "",
                comment_status=_text(element, w("comment_status")),
                attachment_url=_text(element, w("attachment_url")),
                guid=_text(element, "guid"),
                source=path,
                bad_dates=bad,
                terms=[
                    Term(
                        domain=term.get("domain", ""),
                        nicename=term.get("nicename", ""),
                        name=(term.text or "").strip(),
                    )
                    for term in element.findall("category")
                ],
                comments=comments,
                footnotes=_footnotes(element, w),
            )
        )
    return Export(
        path=path,
        title=_text(channel, "title"),
        link=_text(channel, w("base_blog_url")) or _text(channel, "link"),
        wxr_version=_text(channel, w("wxr_version")) or "1.0",
        authors=authors,
        categories=categories,
        category_parents=category_parents,
        tags=tags,
        items=items,
        site_link=_text(channel, w("base_site_url")),
        repairs=[f"{path}: {repair}" for repair in parsed.repairs],
    )


def _footnotes(element, w) -> dict[str, str]:
    """The item's Gutenberg footnotes (`footnotes` post meta, a JSON list of {id, content})."""
    for meta in element.findall(w("postmeta")):
        if meta.findtext(w("meta_key")) != "footnotes":
            continue
        try:
            notes = json.loads(meta.findtext(w("meta_value")) or "[]")
        except ValueError:
            return {}
        if not isinstance(notes, list):
            return {}
        return {
            str(note["id"]): str(note.get("content", ""))
            for note in notes
            if isinstance(note, dict) and note.get("id")
        }
    return {}
