"""feedgenerator's Atom and RSS classes, extended with what Commons' feeds carry.

- Atom: the xml-stylesheet instruction (feedgenerator writes it for RSS only),
  one atom:author per post author, and the RFC 4685 `replies` link to a post's
  discussion; with a comment snapshot, its count (thr:count, thr:total) and
  the comment server's own feed of the thread as a second `replies` link.
- RSS: the full post in content:encoded (the RSS content module) beside the
  summary in description, and one dc:creator per author; with a comment
  snapshot, slash:comments and wfw:commentRss.

Both write each entry once per build: a post is an entry of up to a dozen
feeds (all, its categories, tags and author), always with the same XML, so the
text of its element is kept in `entry_cache` (shared by the writer) and copied
into every other feed. `kept_entries` finds those texts again in a feed file
written before, by entry id (the preview's resident path reuses them).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import unescape

from feedgenerator import Atom1Feed, Rss201rev2Feed
from feedgenerator.django.utils.xmlutils import SimplerXMLGenerator

THREAD_NS = "http://purl.org/syndication/thread/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DUBLIN_CORE_NS = "http://purl.org/dc/elements/1.1/"
SLASH_NS = "http://purl.org/rss/1.0/modules/slash/"
WFW_NS = "http://wellformedweb.org/CommentAPI/"


def _write_stylesheets(feed, handler) -> None:
    # Right after the XML declaration, before the root element.
    for stylesheet in feed.feed["stylesheets"] or []:
        handler.processingInstruction("xml-stylesheet", str(stylesheet))


def kept_entries(feed_class, text: str) -> dict[str, str]:
    """The entries of a feed `feed_class` wrote (`text`), by id: each element's
    text exactly as `write_items` put it there.

    Each entry is one `item_element` with no attributes and one id element;
    inside it every `<` of a text or an attribute is escaped, so the element
    ends at the first closing tag of its name.
    """
    start, end = f"<{feed_class.item_element}>", f"</{feed_class.item_element}>"
    id_start, id_end = f"<{feed_class.id_element}", f"</{feed_class.id_element}>"
    found = {}
    at = text.find(start)
    while at != -1:
        stop = text.find(end, at)
        if stop == -1:
            break
        entry = text[at : stop + len(end)]
        opened = entry.find(id_start)
        value_at = entry.find(">", opened) + 1
        closed = entry.find(id_end, value_at)
        if opened != -1 and closed != -1 and entry[opened + len(id_start)] in " >":
            found[unescape(entry[value_at:closed])] = entry
        at = text.find(start, stop)
    return found


class EntryCacheMixin:
    """write_items with each entry's XML serialised once, for every feed of the build.

    An item added with an `entry_key` (see writer.py) is looked up in
    `entry_cache` under (feed class, entry_key); an item without one is
    written as feedgenerator writes it.
    """

    item_element = ""
    # The element of an entry holding its unique_id.
    id_element = ""
    entry_cache: dict | None = None
    # Entries of this feed as a file written before holds them (kept_entries).
    kept: dict | None = None

    def write_items(self, handler):
        for item in self.items:
            key = item.get("entry_key")
            if key is None or self.entry_cache is None:
                self._write_item(handler, item)
                continue
            key = (type(self).__name__, key)
            text = self.entry_cache.get(key)
            if text is None:
                buffer = io.StringIO()
                self._write_item(
                    SimplerXMLGenerator(buffer, "utf-8", short_empty_elements=True), item
                )
                text = self.entry_cache[key] = buffer.getvalue()
            # The element's text, already escaped, goes in as it is.
            handler.ignorableWhitespace(text)

    def _write_item(self, handler, item) -> None:
        handler.startElement(self.item_element, self.item_attributes(item))
        self.add_item_elements(handler, item)
        handler.endElement(self.item_element)


class CommonsAtomFeed(EntryCacheMixin, Atom1Feed):
    item_element = "entry"
    id_element = "id"

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
        count = item.get("comment_count")
        counted = {} if count is None else {"thr:count": str(count)}
        if item["comments"]:
            handler.addQuickElement(
                "link",
                "",
                {"rel": "replies", "type": "text/html", "href": item["comments"], **counted},
            )
        if item.get("comment_feed"):
            handler.addQuickElement(
                "link",
                "",
                {
                    "rel": "replies",
                    "type": "application/atom+xml",
                    "href": item["comment_feed"],
                    **counted,
                },
            )
        if count is not None:
            handler.addQuickElement("thr:total", str(count))


class CommonsRssFeed(EntryCacheMixin, Rss201rev2Feed):
    item_element = "item"
    id_element = "guid"

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:dc": DUBLIN_CORE_NS,
            "xmlns:slash": SLASH_NS,
            "xmlns:wfw": WFW_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors", ()):
            handler.addQuickElement("dc:creator", name)
        if item["content"]:
            handler.addQuickElement("content:encoded", item["content"])
        if item.get("comment_count") is not None:
            handler.addQuickElement("slash:comments", str(item["comment_count"]))
        if item.get("comment_feed"):
            handler.addQuickElement("wfw:commentRss", item["comment_feed"])
