"""Reading an export's XML, repairing the defects WordPress and WordPress.com wrote.

An export is often all that is left of an old site: refusing it whole for a
defect its own platform wrote cannot be fixed by "export again". Every
importer parses through `parse_export`, which reads the file with lxml
(no entities resolved, no network) and, when libxml2 refuses it, repairs only
these known defects, each reported as a sentence that says what was repaired:

- a namespace prefix used without its declaration (WordPress.com wrote
  `<atom:link>` into exports without declaring `xmlns:atom` for years): the
  prefix is declared on the root element, with its usual namespace when it is
  a feed's (`atom`, `sy`, `slash`, `georss`, `geo`, `media`, `itunes`, `wfw`,
  `dc`, `content`, `excerpt`), else with a placeholder one nothing reads;
- blank lines before the XML declaration (a theme or plugin that prints them
  into every response WordPress sends, its exports too): the declaration of a
  UTF-8 file is left out, which XML then does not need;
- control characters XML 1.0 forbids (text pasted from word processors, kept
  by WordPress as is): removed;
- bytes that are not UTF-8 in a UTF-8 file (blogs whose database was Latin-1):
  read as Windows-1252, as such blogs showed them.

The repairs keep every line where it was, so any other syntax error still
names the file's own line; it is then refused, with the fix the caller gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from commons.errors import InputError

CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
# The namespaces feeds give these prefixes; WordPress wrote each in an export.
KNOWN_PREFIXES = {
    "atom": "http://www.w3.org/2005/Atom",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "georss": "http://www.georss.org/georss",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "media": "http://search.yahoo.com/mrss/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": DC_NAMESPACE,
    "content": CONTENT_NAMESPACE,
}
# An unknown prefix gets a namespace of its own that no importer reads.
PLACEHOLDER_NAMESPACE = "urn:x-commons:undeclared:{prefix}"
WP_DECLARATION = re.compile(
    rb"""xmlns:wp\s*=\s*["'](https?://wordpress\.org/export/1\.[0-2]/)["']"""
)
UNDECLARED = re.compile(r"Namespace prefix ([A-Za-z_][\w.-]*) (?:for [\w.:-]+ )?on [\w.:-]+ is not")
# The first start tag (not the XML declaration, a comment or a doctype).
ROOT_START = re.compile(rb"<(?![?!])[A-Za-z_][\w.:-]*")
# What XML 1.0 forbids: C0 controls but tab, newline and carriage return, as
# bytes or as character references.
FORBIDDEN_CONTROLS = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]"
    rb"|&#(?:0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));"
)
UTF8_DECLARED = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']utf-?8["']""", re.I)
NO_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?(?!<\?xml[^>]*encoding)""")
# Whitespace, then a UTF-8 file's XML declaration (UTF-8 is XML's default).
LATE_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?(\s+)<\?xml\b[^>]*\?>")
ANY_ENCODING = re.compile(rb"encoding\s*=", re.IGNORECASE)
MAX_REPAIRS = 4


class ExportSyntaxError(InputError):
    """The file is not XML even after the known repairs; the message names the line."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Parsed:
    root: etree._Element
    # One sentence per repair: what was wrong, where, and what was done.
    repairs: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=True, remove_comments=False
    )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _declare(data: bytes, prefixes: list[str], lines: dict[str, int]) -> tuple[bytes, list[str]]:
    root = ROOT_START.search(data)
    if root is None:
        return data, []
    wp = WP_DECLARATION.search(data)
    excerpt = (wp[1].decode("ascii") if wp else "http://wordpress.org/export/1.0/") + "excerpt/"
    declarations, said = [], []
    for prefix in prefixes:
        namespace = KNOWN_PREFIXES.get(prefix) or (
            excerpt if prefix == "excerpt" else PLACEHOLDER_NAMESPACE.format(prefix=prefix)
        )
        declarations.append(f' xmlns:{prefix}="{namespace}"'.encode("ascii"))
        known = not namespace.startswith("urn:")
        what = "its usual namespace" if known else "a namespace of its own, which nothing reads"
        said.append(
            f"line {lines[prefix]}: the prefix '{prefix}:' is used without a namespace "
            f"declaration; repaired: declared with {what} ({namespace})"
        )
    return data[: root.end()] + b"".join(declarations) + data[root.end() :], said


def _without_late_declaration(data: bytes) -> tuple[bytes, list[str]]:
    match = LATE_DECLARATION.match(data)
    if match is None:
        return data, []
    declaration = data[match.end(2) : match.end()]
    if ANY_ENCODING.search(declaration) and not re.search(rb"utf-?8", declaration, re.I):
        return data, []
    line = _line_of(data, match.end(2))
    # The blank lines stay, so every line keeps its number.
    return data[: match.end(2)] + data[match.end() :], [
        f"line {line}: the XML declaration comes after blank lines (a theme or plugin "
        "printed them); repaired: the declaration is left out (the file is UTF-8, "
        "XML's default)"
    ]


def _without_controls(data: bytes) -> tuple[bytes, list[str]]:
    found = list(FORBIDDEN_CONTROLS.finditer(data))
    if not found:
        return data, []
    lines = sorted({_line_of(data, match.start()) for match in found})
    shown = ", ".join(map(str, lines[:10])) + (" …" if len(lines) > 10 else "")
    return FORBIDDEN_CONTROLS.sub(b"", data), [
        f"{len(found)} control character(s) XML does not allow (line(s) {shown}); repaired: removed"
    ]


def _as_windows_1252(data: bytes) -> tuple[bytes, list[str]]:
    text = data.decode("utf-8", errors="surrogateescape")
    bad = [i for i, c in enumerate(text) if "\udc80" <= c <= "\udcff"]
    if not bad:
        return data, []
    first = text.count("\n", 0, bad[0]) + 1

    def byte_as_1252(character: str) -> str:
        byte = bytes([ord(character) - 0xDC00])
        return byte.decode("cp1252", errors="replace")

    repaired = re.sub("[\udc80-\udcff]", lambda m: byte_as_1252(m[0]), text)
    return repaired.encode("utf-8"), [
        f"{len(bad)} byte(s) that are not UTF-8 (first on line {first}), as WordPress "
        "wrote them from a Latin-1 database; repaired: read as Windows-1252"
    ]


def parse_export(path: Path) -> Parsed:
    """The root of the XML file at `path`, with the repairs made to read it.

    Raises ExportSyntaxError, naming the line, when it is not XML even after
    the known repairs."""
    data = Path(path).read_bytes()
    repairs: list[str] = []
    tried: set[str] = set()
    while True:
        try:
            root = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as error:
            errors = list(error.error_log) or []
            undeclared: dict[str, int] = {}
            for entry in errors:
                match = UNDECLARED.match(entry.message or "")
                if match and entry.type_name == "NS_ERR_UNDEFINED_NAMESPACE":
                    undeclared.setdefault(match[1], entry.line)
            kinds = {entry.type_name for entry in errors}
            if "ERR_RESERVED_XML_NAME" in kinds and "declaration" not in tried:
                tried.add("declaration")
                data, said = _without_late_declaration(data)
            elif undeclared and "namespaces" not in tried:
                tried.add("namespaces")
                data, said = _declare(data, sorted(undeclared), undeclared)
            elif kinds & {"ERR_INVALID_CHAR", "ERR_INVALID_CHARREF"} and "controls" not in tried:
                tried.add("controls")
                data, said = _without_controls(data)
            elif (
                "ERR_INVALID_ENCODING" in kinds
                and "encoding" not in tried
                and (UTF8_DECLARED.match(data) or NO_DECLARED_ENCODING.match(data))
            ):
                tried.add("encoding")
                data, said = _as_windows_1252(data)
            else:
                said = []
            if not said or len(tried) > MAX_REPAIRS:
                first = next(
                    (e for e in errors if e.type_name != "NS_ERR_UNDEFINED_NAMESPACE"),
                    errors[0] if errors else None,
                )
                message = first.message.strip() if first is not None else str(error)
                line = first.line if first is not None else error.lineno
                raise ExportSyntaxError(message, line) from None
            repairs += said
            continue
        return Parsed(root, repairs)
