"""toc's treeprocessor, which looks for the `[TOC]` marker only in a document whose text holds it.

toc replaces a paragraph whose text is its marker with the table of
contents: to find one it joins the text of every element below every
element of the document, on every file, though almost no post has a marker.
An element whose text is the marker puts the marker in the document's text,
so when no piece of that text holds it, there is nothing to replace and the
search is skipped. The table of contents (`md.toc`) and the HTML are the same.
"""

from __future__ import annotations

from markdown.extensions.toc import TocExtension, TocTreeprocessor

TOC_NAMES = ("markdown.extensions.toc", "toc")


class MarkerScanningToc(TocTreeprocessor):
    def replace_marker(self, root, elem) -> None:
        if any(self.marker in text for text in root.itertext()):
            super().replace_marker(root, elem)


class MarkerScanningTocExtension(TocExtension):
    """Python-Markdown's toc extension, with the treeprocessor above."""

    TreeProcessorClass = MarkerScanningToc


def with_marker_scanning_toc(markdown: dict) -> dict:
    """A copy of MARKDOWN whose toc is a new MarkerScanningTocExtension, configured alike.

    One instance per converter: an extension keeps the converter it extends.
    """
    configs = dict(markdown.get("extension_configs") or {})
    extensions = list(markdown.get("extensions") or [])
    for name in TOC_NAMES:
        if name in extensions or name in configs:
            toc = MarkerScanningTocExtension(**configs.pop(name, {}))
            # In toc's place: extensions register in this order.
            if name in extensions:
                extensions[extensions.index(name)] = toc
                extensions = [extension for extension in extensions if extension != name]
            else:
                extensions.append(toc)
            return {**markdown, "extensions": extensions, "extension_configs": configs}
    return markdown
