"""Bad front matter named clearly: the file, the field, the value and the fix.

Pelican reports a bad date as "Could not process <file>" and skips the post;
the guard names the file, the field, the value and the fix instead, so an
editor knows what to change without reading a traceback. Categories come from
the agreed list when one is set.
"""

from __future__ import annotations

import datetime
import os
import re
from html import escape, unescape
from pathlib import Path

from pelican.contents import Article, Static
from pelican.urlwrappers import URLWrapper
from pelican.utils import SafeDatetime, get_date, set_date_tzinfo, slugify

from commons.dates import padded_date
from commons.paths import source_name
from commons.pelican_patches import raw_body
from commons.settings import Choice, ListOf, Optional, Schema, String

from .problems import NO_FILE, GuardError, Problem

SETTING = "GUARD['metadata']"
KNOWN_STATUSES = ("published", "draft", "hidden", "skip")


def _category(name: str) -> str | None:
    return None if name.strip() == name else "it has surrounding spaces"


SCHEMA = Schema(
    SETTING,
    {
        "required": ListOf(
            String(),
            ["title", "date"],
            accepted="a list of metadata field names",
            help="fields every post must have (`date` is not required of pages)",
        ),
        "statuses": ListOf(
            Choice(KNOWN_STATUSES),
            ["published", "draft", "hidden"],
            accepted=f"a list of Pelican statuses, drawn from {list(KNOWN_STATUSES)}",
            help="the statuses editors may use; anything else fails the build",
        ),
        "categories": Optional(
            ListOf(String(check=_category)),
            none_means="any category",
            accepted="None (any category) or a list of category names without surrounding spaces",
            help=(
                "`None` accepts any category; a list of names makes it strict: any other category "
                "fails the build"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()
# Tab, newline and carriage return are text; the other C0 controls are not.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Dates an editor may write: YYYY-MM-DD, optionally with a time (HH:MM or
# HH:MM:SS, after a space or a T) and a UTC offset (Z, +01:00). Anything else
# (01/02/2026, March 5th 2026) is ambiguous or locale-dependent, and dateutil
# would guess: 01/02/2026 silently becomes 2 January.
DATE_FORMAT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"\Z"
)
# The common case of DATE_FORMAT: a date, maybe a time, no fraction of a second and
# no offset. Pelican's get_date (dateutil) gives such a value the fields it
# names and zero for the rest, naive; `plain_date` builds that directly.
PLAIN_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?\Z"
)
DATE_FIELDS = ("date", "modified")
LABEL_FIELDS = ("tags", "category", "author", "authors")

# What an editor should write instead, per field Pelican parses.
# What an editor should write instead, per field Pelican parses.
FIXES = {
    "date": "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM (ISO 8601 with an offset, such as "
    "2011-03-07T09:00+01:00, works too), for example {example}",
    "modified": "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM (ISO 8601 with an offset, such as "
    "2011-03-08T10:30+01:00, works too), for example {example}",
    "status": "use one of: {statuses}",
}
# A date in a file's name (2019-03-04-bread.md, 2019/03/04/bread.md): the
# value a missing or unreadable date is most likely meant to have.
NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_/](\d{2})[-_/](\d{2})(?!\d)")
# The first heading of a rendered body: the title a file without one shows.
HEADING = re.compile(r"<h([1-6])\b[^>]*>(?P<text>.*?)</h\1>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# Read-time problems travel with the metadata to `content_problems`, which lists
# them with the file's missing fields in one report.
PROBLEMS_KEY = "commons_metadata_problems"


def field_problem(source: str, field: str, problem: str, fix: str) -> Problem:
    """A content file's metadata field is missing or malformed."""
    return Problem(source, field, f"metadata field '{field}' {problem}", f"{fix}.")


class CheckedMetadataMixin:
    """Turn Pelican's bare ValueError on a field into a Problem naming file, field and fix.

    Inside `read`, a bad field is recorded, not raised, and replaced by the
    value its fix names: the file's other fields are still read, and
    `content_problems` reports them all together.
    """

    # Outside a file's reading (its name's metadata, read first): the file is
    # named where Pelican gives up on it ("Could not process").
    _commons_source = NO_FILE
    _commons_path = ""
    _commons_problems: list[Problem] | None = None

    def read(self, source_path):
        self._commons_source = source_name(source_path, self.settings.get("PATH"))
        self._commons_path = source_path
        self._commons_problems = []
        try:
            content, metadata = super().read(source_path)
            problems = self._commons_problems
        finally:
            self._commons_problems = None
            # The reader reads the next file's name (FILENAME_METADATA) before
            # `read`: a problem there must not carry this file's name.
            self._commons_source = CheckedMetadataMixin._commons_source
            self._commons_path = CheckedMetadataMixin._commons_path
        if problems:
            metadata[PROBLEMS_KEY] = problems
        return (without_control_characters(content) if content else content), metadata

    def process_metadata(self, name, value):
        if isinstance(value, str):
            value = without_control_characters(value)
        if name == "slug":
            return self._clean_slug(value)
        if name in DATE_FIELDS and isinstance(value, str) and not DATE_FORMAT.match(value.strip()):
            padded = padded_date(value.strip())
            substitute = padded or date_from_name(self._commons_path) or "1970-01-01"
            self._problem(
                field_problem(
                    self._commons_source,
                    name,
                    f"has the value {value!r}, which is not an unambiguous date",
                    f"write {padded}" if padded else _date_fix(name, self._commons_path),
                )
            )
            return super().process_metadata(name, substitute)
        if name in DATE_FIELDS and isinstance(value, str):
            date = plain_date(value.strip())
            if date is not None:
                return date
        try:
            processed = super().process_metadata(name, value)
        except ValueError as error:
            if name not in DATE_FIELDS:
                fix = "correct or remove the field"
                self._problem(
                    field_problem(
                        self._commons_source, name, f"has the value {value!r} ({error})", fix
                    )
                )
                return value
            self._problem(
                field_problem(
                    self._commons_source,
                    name,
                    f"has the value {value!r} ({error})",
                    _date_fix(name, self._commons_path),
                )
            )
            return super().process_metadata(
                name, date_from_name(self._commons_path) or "1970-01-01"
            )
        if name in LABEL_FIELDS:
            return self._check_label_slugs(name, processed)
        return processed

    def _problem(self, problem: Problem) -> None:
        # Outside a file's reading (DEFAULT_METADATA, a path's metadata) there
        # is no file to gather problems for: the first one stops the build,
        # and Pelican's "Could not process <file>" names the file.
        if self._commons_problems is None:
            raise GuardError([problem])
        self._commons_problems.append(problem)

    def _label_slug(self, label) -> str:
        # A site has a few dozen labels, named in thousands of posts: each
        # distinct one is slugified once by this reader (one per build).
        slugs = self.__dict__.setdefault("_commons_label_slugs", {})
        key = (type(label).__name__, label.name)
        if key not in slugs:
            slugs[key] = _label_slug(label, self.settings)
        return slugs[key]

    def _check_label_slugs(self, name: str, processed):
        # A label whose name slugifies to nothing ("🎉") would get the URL
        # tag//: Pelican only warns, naming no file. The build goes on with the
        # name the fix gives.
        labels = processed if isinstance(processed, list) else [processed]
        kept = []
        for label in labels:
            # An empty field gives Pelican's discard marker, not a label.
            if isinstance(label, URLWrapper) and not self._label_slug(label):
                suggestion = f"{label} {name.rstrip('s')}"
                self._problem(
                    field_problem(
                        self._commons_source,
                        name,
                        f"has the name {str(label)!r}, which gives no URL (no letters or digits)",
                        f"add a word to the name, for example {suggestion!r}, or remove it",
                    )
                )
                label = type(label)(suggestion, self.settings)
            kept.append(label)
        return kept if isinstance(processed, list) else kept[0]

    def _clean_slug(self, value: str) -> str:
        # A slug becomes a folder name and a URL: whatever the editor wrote,
        # only its slugified form may reach the file system.
        slug = slugify(value, regex_subs=self.settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
        if not slug:
            from_name = _name_slug(self._commons_path, self.settings) or "post"
            self._problem(
                field_problem(
                    self._commons_source,
                    "slug",
                    f"has the value {value!r}, which has no letters or digits",
                    f"write `Slug: {from_name}`, or remove the line",
                )
            )
            return from_name
        return slug


def plain_date(value: str) -> SafeDatetime | None:
    """The datetime Pelican's get_date makes of a PLAIN_DATE value, for a fraction of
    dateutil's cost; None for any other value (and for an impossible date, whose
    error Pelican's own parsing words)."""
    match = PLAIN_DATE.match(value)
    if match is None:
        return None
    try:
        return SafeDatetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        return None


def date_from_name(source_path) -> str | None:
    """The YYYY-MM-DD a file's path carries ('2019-03-04-bread.md'), if a real date."""
    matches = NAME_DATE.findall(str(source_path or ""))
    if not matches:
        return None
    year, month, day = matches[-1]
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def file_date(source_path) -> str:
    """The date to propose for a file: the one in its name, else its last change."""
    named = date_from_name(source_path)
    if named:
        return named
    try:
        changed = os.stat(source_path).st_mtime
    except (OSError, TypeError, ValueError):
        return datetime.date.today().isoformat()
    return datetime.datetime.fromtimestamp(changed).strftime("%Y-%m-%d %H:%M")


def _date_fix(name: str, source_path) -> str:
    return FIXES[name].format(example=file_date(source_path))


def first_heading(html: str | None) -> str | None:
    """The text of the first heading of a rendered body, if it has one."""
    match = HEADING.search(html or "")
    if not match:
        return None
    text = " ".join(unescape(TAG.sub("", match["text"])).split())
    return text or None


def _name_slug(source_path, settings: dict) -> str:
    stem = os.path.splitext(os.path.basename(str(source_path or "")))[0]
    return slugify(stem, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))


def _title_for(content) -> str:
    heading = first_heading(raw_body(content))
    if heading:
        return heading
    stem = os.path.splitext(os.path.basename(content.source_path or ""))[0]
    words = " ".join(NAME_DATE.sub(" ", stem).replace("-", " ").replace("_", " ").split())
    return words.capitalize() or "Untitled"


def _field_line(source_path, field: str, value: str) -> str:
    """The metadata line that sets `field`, in the file's own syntax."""
    suffix = os.path.splitext(str(source_path or ""))[1].lower()
    if suffix == ".rst":
        return f":{field}: {value}"
    if suffix in (".html", ".htm"):
        if field == "title":
            return f"<title>{escape(value, quote=False)}</title>"
        return f'<meta name="{field}" content="{escape(value)}">'
    return f"{field.capitalize()}: {value}"


def _where_fields_go(source_path) -> str:
    if str(source_path or "").lower().endswith((".html", ".htm")):
        return "inside the file's <head>"
    return "to the metadata block at the top of the file"


def _label_slug(label, settings: dict) -> str:
    """The slug Pelican's URLWrapper.slug will give `label`, worked out without
    touching that property: it logs a warning (fatal here) that names no file."""
    kind = f"{type(label).__name__.upper()}_REGEX_SUBSTITUTIONS"
    return slugify(
        label.name,
        regex_subs=settings.get(kind, settings.get("SLUG_REGEX_SUBSTITUTIONS", [])),
        preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
        use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
    )


def without_control_characters(text: str) -> str:
    """Drop C0 control characters (NUL and friends): no HTML or XML may carry them."""
    return CONTROL_CHARACTERS.sub("", text)


def content_problems(content) -> list[Problem]:
    """Every missing, bad or unknown field of a post or page, together.

    Runs on every article and page as it is created, before Pelican's own
    checks, which would skip the file with a vaguer message. The content
    takes the values the fixes name, so that when the build goes on
    (`invoke check`), its links and images are checked too.
    """
    if isinstance(content, Static):
        # Images and other static files have no metadata block to check.
        return []
    settings = content.settings
    options = settings["GUARD"]["metadata"]
    source = source_name(content.source_path, settings.get("PATH"))
    messages = list(content.metadata.pop(PROBLEMS_KEY, None) or [])
    if hasattr(content, PROBLEMS_KEY):
        delattr(content, PROBLEMS_KEY)
    status = getattr(content, "status", "published")
    if status not in options["statuses"]:
        fix = FIXES["status"].format(statuses=", ".join(options["statuses"]))
        messages.append(field_problem(source, "status", f"has the unknown value {status!r}", fix))
        content.status = "published"
    required = options["required"]
    if not isinstance(content, Article):
        # Pages are undated: only the other fields are required of them.
        required = [field for field in required if field != "date"]
    for field in required:
        value = content.metadata.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            messages.append(_missing(content, source, field))
    return messages


def _missing(content, source: str, field: str) -> Problem:
    """The error for a missing field, whose fix names a value taken from the file;
    the content takes that value, so the rest of the build can go on."""
    if field == "title":
        value = _title_for(content)
        content.title = value
        if not getattr(content, "slug", None):
            content.slug = slugify(
                value, regex_subs=content.settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
            )
    elif field == "date":
        value = file_date(content.source_path)
        content.date = set_date_tzinfo(get_date(value), content.settings.get("TIMEZONE", "UTC"))
        content.locale_date = content.date.strftime(content.date_format)
    else:
        value = "..."
    content.metadata[field] = getattr(content, field, value)
    line = _field_line(content.source_path, field, value)
    return field_problem(
        source,
        field,
        "is missing",
        f"add the line `{line}` {_where_fields_go(content.source_path)}",
    )


def category_problems(contents: list, settings: dict, content_root: Path) -> list[Problem]:
    """Posts whose categories are not in GUARD['metadata']['categories'], when it is a list."""
    allowed = settings["GUARD"]["metadata"]["categories"]
    if allowed is None:
        return []
    problems = []
    for content in contents:
        source = source_name(content.source_path, content_root)
        for category in getattr(content, "categories", None) or [
            getattr(content, "category", None)
        ]:
            if category is not None and str(category) not in allowed:
                problems.append(
                    Problem(
                        source,
                        "category",
                        f"category {str(category)!r} is not in {SETTING}['categories']",
                        f"use one of {', '.join(allowed)}, or add it to the list in "
                        "pelicanconf.py.",
                    )
                )
    return problems
