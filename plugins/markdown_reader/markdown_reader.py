"""The reusing Markdown reader, and the receiver that hands it to Pelican."""

from __future__ import annotations

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from commons.pelican_patches import MARKDOWN_META, markdown_metadata
from commons.settings import Boolean, Schema, install

from .code_formatters import with_shared_formatters
from .plain_fields import FieldsMarkdown
from .toc_marker import with_marker_scanning_toc

SETTING = "MARKDOWN_READER"
SCHEMA = Schema(
    SETTING,
    {"reuse": Boolean(True, help="one converter per reader (per process), reset between files")},
)
DEFAULTS = SCHEMA.defaults()


class ReusingMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, with one converter for every file's body it reads.

    Pelican takes the `meta` preprocessor out of the converter it parses
    metadata with (so that a Summary's first lines are not read as metadata):
    the formatted fields are converted by a second converter, kept as well, and
    the body converter keeps its `meta` preprocessor from file to file. Both
    highlight code with the same Pygments formatters (code_formatters); a field
    that is one plain line skips Markdown's pipeline (plain_fields); toc looks
    for its marker only where the text holds it (toc_marker).
    """

    def read(self, source_path):
        # Pelican's own read, with the converters reset instead of built anew.
        if getattr(self, "_body_converter", None) is None:
            markdown = with_shared_formatters(self.settings["MARKDOWN"])
            self._body_converter = Markdown(**with_marker_scanning_toc(markdown))
            self._fields_converter = FieldsMarkdown(**with_marker_scanning_toc(markdown))
            self._fields_meta = self._fields_converter.preprocessors[MARKDOWN_META]
        else:
            self._body_converter.reset()
        with pelican_open(source_path) as text:
            content = self._body_converter.convert(text)
        metadata = {}
        if hasattr(self._body_converter, "Meta"):
            # Pelican resets the fields' converter before each field it converts.
            metadata = markdown_metadata(
                self,
                self._fields_converter,
                self._fields_meta,
                source_path,
                self._body_converter.Meta,
            )
        return content, metadata


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
