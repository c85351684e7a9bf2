"""Formatted metadata fields: a one-line plain sentence is its paragraph, without Markdown's pass.

Pelican converts each formatted field (a post's Summary) with the whole
Markdown pipeline: some fifty processors run over one line (0.12 ms, or 0.12 s
of a 1,000-post build). For a line made only of letters, digits, single
spaces and punctuation that no processor of the verified extensions reacts to
(so no `*`, `_`, `` ` ``, `[`, `<`, `&`, `#`, `|`, `{`, `\\`, `~`; a letter
first, no tab, no two spaces in a row, no space at the end), that pipeline
gives `<p>` + the line + `</p>` (nothing in it to escape). The converter
gives that without running it, and only while its pipeline is the one the verified
extensions make (Python-Markdown's own processors, extra, toc as toc_marker
gives it, codehilite and Commons' user_content: the same classes, inline patterns, in the same
order): a site that adds an extension, even one that only adds patterns to
the classes already there (smarty turns quotes into entities), gets the
whole pipeline.
tests/unit/test_markdown_reader.py compares both on thousands of lines.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions.abbr import AbbrExtension
from markdown.extensions.toc import TocExtension

from commons.layout import plugin_package

from .toc_marker import with_marker_scanning_toc

# Commons' own extension, as plugins/guard adds it to MARKDOWN's extensions:
# `plugins.guard` in a checkout, `pelican.plugins.commons_guard` installed.
USER_CONTENT_EXTENSION = f"{plugin_package('guard')}.user_content"
VERIFIED_EXTENSIONS = (
    "markdown.extensions.extra",
    "markdown.extensions.toc",
    "markdown.extensions.codehilite",
    USER_CONTENT_EXTENSION,
)
# A letter first (a digit could start a list, a sign a list or a rule); then
# letters, digits, plain punctuation and single spaces, ending on no space.
PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[,.;:?!'\"()/%$@’‘“”–—…-]| (?=[^ ]))*")


def registries(converter: Markdown) -> tuple:
    return (
        converter.preprocessors,
        converter.parser.blockprocessors,
        converter.inlinePatterns,
        converter.treeprocessors,
        converter.postprocessors,
    )


def pipeline(converter: Markdown) -> tuple:
    """Each step of `converter`'s pipeline, in order: its class, and its pattern if it has one."""
    return tuple(
        tuple((type(step), getattr(step, "pattern", None)) for step in registry)
        for registry in registries(converter)
    )


class FieldsMarkdown(Markdown):
    """The converter of formatted fields, which skips the pipeline for a plain line."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        verified = with_marker_scanning_toc({"extensions": list(VERIFIED_EXTENSIONS)})
        self.verified_pipeline = pipeline(Markdown(**verified))
        # Whether the pipeline is the verified one, by the sizes of its
        # registries: once a converter is made, what changes it is Pelican
        # taking the meta preprocessor out before the fields and Commons
        # putting it back for the next file, and the sizes tell those apart.
        self.verdicts: dict[tuple[int, ...], bool] = {}

    def convert(self, source: str) -> str:
        if self.plain_paragraph(source):
            return f"<p>{source}</p>"
        return super().convert(source)

    def plain_paragraph(self, source: str) -> bool:
        """Whether a cheap scan proves that the pipeline makes `<p>source</p>` of `source`."""
        if not isinstance(source, str) or not PLAIN_LINE.fullmatch(source):
            return False
        for extension in self.registeredExtensions:
            # A glossary's abbreviation, or a table of contents' marker, may be
            # plain words.
            if isinstance(extension, AbbrExtension) and extension.abbrs:
                return False
            if isinstance(extension, TocExtension):
                marker = extension.getConfig("marker")
                if marker and marker in source:
                    return False
        sizes = tuple(len(registry) for registry in registries(self))
        verdict = self.verdicts.get(sizes)
        if verdict is None:
            verdict = self.verdicts[sizes] = pipeline(self) == self.verified_pipeline
        return verdict
