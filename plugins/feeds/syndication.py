"""feedgenerator's Atom and RSS classes, extended with what Commons' feeds carry.

- Atom: the xml-stylesheet instruction (feedgenerator writes it for RSS only),
  one atom:author per post author, and the RFC 4685 `replies` link to a post's
  discussion.
- RSS: the full post in content:encoded (the RSS content module) beside the
  summary in description, and one dc:creator per author.
"""

from __future__ import annotations

from feedgenerator import Atom1Feed, Rss201rev2Feed
from feedgenerator.django.utils.xmlutils import SimplerXMLGenerator

THREAD_NS = "http://purl.org/syndication/thread/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DUBLIN_CORE_NS = "http://purl.org/dc/elements/1.1/"


def _write_stylesheets(feed, handler) -> None:
    # Right after the XML declaration, before the root element.
    for stylesheet in feed.feed["stylesheets"] or []:
        handler.processingInstruction("xml-stylesheet", str(stylesheet))


class CommonsAtomFeed(Atom1Feed):
    def write(self, outfile, encoding):
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        _write_stylesheets(self, handler)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:thr": THREAD_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        if item["comments"]:
            handler.addQuickElement(
                "link", "", {"rel": "replies", "type": "text/html", "href": item["comments"]}
            )


class CommonsRssFeed(Rss201rev2Feed):
    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:dc": DUBLIN_CORE_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors", ()):
            handler.addQuickElement("dc:creator", name)
        if item["content"]:
            handler.addQuickElement("content:encoded", item["content"])
