"""Receivers and checks for the METADATA_CHECK setting."""

from __future__ import annotations

import logging
import re

from pelican import signals
from pelican.contents import Article, Static
from pelican.urlwrappers import URLWrapper
from pelican.utils import slugify

from commons.paths import source_name
from commons.settings import Choice, ListOf, Schema, String, install

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
# Year first but without leading zeros (2015-8-5 9:09): unambiguous, so the
# fix can give the exact value to write.
UNPADDED_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
LABEL_FIELDS = ("tags", "category", "author", "authors")

# What an editor should write instead, per field Pelican parses.
FIXES = {
    "date": "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM (ISO 8601 with an offset, such as "
    "2011-03-07T09:00+01:00, works too), for example 2011-03-07 09:00",
    "modified": "write it as YYYY-MM-DD or YYYY-MM-DD HH:MM (ISO 8601 with an offset, such as "
    "2011-03-08T10:30+01:00, works too), for example 2011-03-08 10:30",
    "title": "add a line such as `Title: Sharing Your Work` to the metadata block",
    "status": "use one of: {statuses}",
}


class MetadataError(ValueError):
    """A content file's metadata is missing or malformed."""

    def __init__(self, source_path: str, field: str, problem: str, fix: str):
        self.source_path = source_path
        self.field = field
        super().__init__(f"{source_path}: metadata field '{field}' {problem}. Fix: {fix}.")


def validate_settings(raw) -> dict:
    """METADATA_CHECK with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw)


class CheckedMetadataMixin:
    """Turn Pelican's bare ValueError on a field into a MetadataError naming file and fix."""

    _commons_source = "<settings>"

    def read(self, source_path):
        self._commons_source = source_name(source_path, self.settings.get("PATH"))
        content, metadata = super().read(source_path)
        return (without_control_characters(content) if content else content), metadata

    def process_metadata(self, name, value):
        if isinstance(value, str):
            value = without_control_characters(value)
        if name == "slug":
            return self._clean_slug(value)
        if name in DATE_FIELDS and isinstance(value, str) and not DATE_FORMAT.match(value.strip()):
            padded = padded_date(value.strip())
            raise _report(
                MetadataError(
                    self._commons_source,
                    name,
                    f"has the value {value!r}, which is not an unambiguous date",
                    f"write {padded}" if padded else FIXES[name],
                )
            )
        try:
            processed = super().process_metadata(name, value)
        except ValueError as error:
            fix = FIXES.get(name, "correct or remove the field")
            raise _report(
                MetadataError(self._commons_source, name, f"has the value {value!r} ({error})", fix)
            ) from error
        if name in LABEL_FIELDS:
            self._check_label_slugs(name, processed)
        return processed

    def _check_label_slugs(self, name: str, processed) -> None:
        # A label whose name slugifies to nothing ("🎉") would get the URL
        # tag//: Pelican only warns, naming no file.
        labels = processed if isinstance(processed, list) else [processed]
        for label in labels:
            # An empty field gives Pelican's discard marker, not a label.
            if isinstance(label, URLWrapper) and not _label_slug(label, self.settings):
                raise _report(
                    MetadataError(
                        self._commons_source,
                        name,
                        f"has the name {str(label)!r}, which gives no URL (no letters or digits)",
                        f"add a word to the name, for example '{label} party', or remove it",
                    )
                )

    def _clean_slug(self, value: str) -> str:
        # A slug becomes a folder name and a URL: whatever the editor wrote,
        # only its slugified form may reach the file system.
        slug = slugify(value, regex_subs=self.settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
        if not slug:
            raise _report(
                MetadataError(
                    self._commons_source,
                    "slug",
                    f"has the value {value!r}, which has no letters or digits",
                    "write a slug such as sharing-your-work, or remove the line",
                )
            )
        return slug


def padded_date(value: str) -> str | None:
    """`2015-8-5 9:09` written as `2015-08-05 09:09`: year first, only the zeros missing."""
    match = UNPADDED_DATE.fullmatch(value)
    if not match:
        return None
    year, month, day, hour, minute, second = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    padded = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        padded += f" {int(hour):02d}:{minute}"
        if second is not None:
            padded += f":{second}"
    return padded


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


def _report(error: MetadataError) -> MetadataError:
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
    """Raise MetadataError for a missing required field or an unknown status.

    Runs on every article and page as it is created, before Pelican's own
    checks, which would skip the file with a vaguer message.
    """
    if isinstance(content, Static):
        # Images and other static files have no metadata block to check.
        return
    settings = content.settings
    options = settings[SETTING]
    source = source_name(content.source_path, settings.get("PATH"))
    status = getattr(content, "status", "published")
    if status not in options["statuses"]:
        fix = FIXES["status"].format(statuses=", ".join(options["statuses"]))
        raise _report(MetadataError(source, "status", f"has the unknown value {status!r}", fix))
    required = options["required"]
    if not isinstance(content, Article):
        # Pages are undated: only the other fields are required of them.
        required = [field for field in required if field != "date"]
    for field in required:
        value = content.metadata.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            fix = FIXES.get(field, f"add a line `{field.capitalize()}: ...` to the metadata block")
            raise _report(MetadataError(source, field, "is missing", fix))


def register():
    signals.initialized.connect(check_settings)
    signals.readers_init.connect(wrap_readers)
    signals.content_object_init.connect(check_content)
