"""Receivers and checks for the METADATA_CHECK setting."""

from __future__ import annotations

import datetime
import logging
import os
import re
from html import escape, unescape

from pelican import signals
from pelican.contents import Article, Static
from pelican.urlwrappers import URLWrapper
from pelican.utils import get_date, set_date_tzinfo, slugify

from commons.dates import padded_date
from commons.paths import source_name
from commons.settings import Boolean, Choice, ListOf, Schema, String, install

logger = logging.getLogger(__name__)

SETTING = "METADATA_CHECK"
KNOWN_STATUSES = ("published", "draft", "hidden", "skip")
SCHEMA = Schema(
    SETTING,
    {
        "required": ListOf(String(), ["title", "date"], accepted="a list of metadata field names"),
        "statuses": ListOf(
            Choice(KNOWN_STATUSES),
            ["published", "draft", "hidden"],
            accepted=f"a list of Pelican statuses, drawn from {list(KNOWN_STATUSES)}",
        ),
        # False (`invoke check`): log every problem and build the file with the
        # values its fixes name, so its links and images are checked too.
        "stop": Boolean(True),
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
# Read-time problems travel with the metadata to `check_content`, which lists
# them with the file's missing fields in one report.
PROBLEMS_KEY = "commons_metadata_problems"


class MetadataError(ValueError):
    """A content file's metadata is missing or malformed."""

    def __init__(self, source_path: str, field: str, problem: str, fix: str):
        self.source_path = source_path
        self.field = field
        super().__init__(f"{source_path}: metadata field '{field}' {problem}. Fix: {fix}.")


class MetadataProblems(ValueError):
    """Every metadata problem of one file, each on a line of its own."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


def validate_settings(raw) -> dict:
    """METADATA_CHECK with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw)


class CheckedMetadataMixin:
    """Turn Pelican's bare ValueError on a field into a MetadataError naming file and fix.

    Inside `read`, a bad field is recorded, not raised, and replaced by the
    value its fix names: the file's other fields are still read, and
    `check_content` reports them all together.
    """

    _commons_source = "<settings>"
    _commons_path = ""
    _commons_problems: list[str] | None = None

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
                MetadataError(
                    self._commons_source,
                    name,
                    f"has the value {value!r}, which is not an unambiguous date",
                    f"write {padded}" if padded else _date_fix(name, self._commons_path),
                )
            )
            return super().process_metadata(name, substitute)
        try:
            processed = super().process_metadata(name, value)
        except ValueError as error:
            if name not in DATE_FIELDS:
                fix = "correct or remove the field"
                self._problem(
                    MetadataError(
                        self._commons_source, name, f"has the value {value!r} ({error})", fix
                    )
                )
                return value
            self._problem(
                MetadataError(
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

    def _problem(self, error: MetadataError) -> None:
        # Outside a file's reading (DEFAULT_METADATA, a path's metadata) there
        # is no file to gather problems for: the first one stops the build.
        if self._commons_problems is None:
            raise _report(error)
        self._commons_problems.append(str(error))

    def _check_label_slugs(self, name: str, processed):
        # A label whose name slugifies to nothing ("🎉") would get the URL
        # tag//: Pelican only warns, naming no file. The build goes on with the
        # name the fix gives.
        labels = processed if isinstance(processed, list) else [processed]
        kept = []
        for label in labels:
            # An empty field gives Pelican's discard marker, not a label.
            if isinstance(label, URLWrapper) and not _label_slug(label, self.settings):
                suggestion = f"{label} {name.rstrip('s')}"
                self._problem(
                    MetadataError(
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
                MetadataError(
                    self._commons_source,
                    "slug",
                    f"has the value {value!r}, which has no letters or digits",
                    f"write `Slug: {from_name}`, or remove the line",
                )
            )
            return from_name
        return slug


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
    heading = first_heading(content._content)
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


def _report(error: Exception) -> Exception:
    # Pelican logs only "Could not process <file>" for an exception raised while
    # reading; log the full explanation ourselves so the editor sees it.
    logger.error("%s", error)
    return error


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def wrap_readers(readers) -> None:
    for extension, reader_class in list(readers.reader_classes.items()):
        # READERS = {"html": None} turns a reader off; Pelican skips falsy entries.
        if not reader_class or issubclass(reader_class, CheckedMetadataMixin):
            continue
        readers.reader_classes[extension] = type(
            f"Checked{reader_class.__name__}", (CheckedMetadataMixin, reader_class), {}
        )


def check_content(content) -> None:
    """Report every missing, bad or unknown field of a post or page together.

    Runs on every article and page as it is created, before Pelican's own
    checks, which would skip the file with a vaguer message. With `stop`
    (a build) the file fails with all of them; without (`invoke check`) each
    is logged and the file goes on with the values the fixes name.
    """
    if isinstance(content, Static):
        # Images and other static files have no metadata block to check.
        return
    settings = content.settings
    options = settings[SETTING]
    source = source_name(content.source_path, settings.get("PATH"))
    messages = list(content.metadata.pop(PROBLEMS_KEY, None) or [])
    if hasattr(content, PROBLEMS_KEY):
        delattr(content, PROBLEMS_KEY)
    status = getattr(content, "status", "published")
    if status not in options["statuses"]:
        fix = FIXES["status"].format(statuses=", ".join(options["statuses"]))
        messages.append(
            str(MetadataError(source, "status", f"has the unknown value {status!r}", fix))
        )
        content.status = "published"
    required = options["required"]
    if not isinstance(content, Article):
        # Pages are undated: only the other fields are required of them.
        required = [field for field in required if field != "date"]
    for field in required:
        value = content.metadata.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            messages.append(str(_missing(content, source, field)))
    if not messages:
        return
    for message in messages:
        logger.error("%s", message)
    if options["stop"]:
        raise MetadataProblems(messages)


def _missing(content, source: str, field: str) -> MetadataError:
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
    return MetadataError(
        source,
        field,
        "is missing",
        f"add the line `{line}` {_where_fields_go(content.source_path)}",
    )


def register():
    signals.initialized.connect(check_settings)
    signals.readers_init.connect(wrap_readers)
    signals.content_object_init.connect(check_content)
