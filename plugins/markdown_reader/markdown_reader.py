"""The reusing Markdown reader, and the receiver that hands it to Pelican."""

from __future__ import annotations

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from commons.settings import Boolean, Schema, install

SETTING = "MARKDOWN_READER"
SCHEMA = Schema(
    SETTING,
    {"reuse": Boolean(True, help="one converter per reader (per process), reset between files")},
)
DEFAULTS = SCHEMA.defaults()
META = "meta"


class ReusingMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, with one converter for every file it reads."""

    def read(self, source_path):
        # Pelican's own read, with the converter reset instead of built anew.
        self._source_path = source_path
        self._md = self._ready_converter()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata

    def _ready_converter(self) -> Markdown:
        converter = getattr(self, "_converter", None)
        if converter is None:
            converter = Markdown(**self.settings["MARKDOWN"])
            self._converter = converter
            # Pelican's metadata parsing takes the `meta` preprocessor out (so
            # that a summary's first lines are not read as metadata); it goes
            # back in, at its own priority, before the next file.
            self._meta_priority = next(
                item.priority for item in converter.preprocessors._priority if item.name == META
            )
            self._meta = converter.preprocessors[META]
            return converter
        converter.reset()
        if META not in converter.preprocessors:
            converter.preprocessors.register(self._meta, META, self._meta_priority)
        return converter


def use_reusing_reader(pelican) -> None:
    """Markdown files are read by the reusing reader, unless READERS names another."""
    options = install(pelican.settings, SCHEMA)
    if not options["reuse"]:
        return
    readers = dict(pelican.settings.get("READERS") or {})
    for extension in MarkdownReader.file_extensions:
        readers.setdefault(extension, ReusingMarkdownReader)
    pelican.settings["READERS"] = readers


def register():
    signals.initialized.connect(use_reusing_reader)
