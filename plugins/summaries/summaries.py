"""The linear word cutter, and the Article and Page subclasses that use it for summaries."""

from __future__ import annotations

import re
from html.entities import name2codepoint
from html.parser import HTMLParser

from pelican import contents, signals
from pelican.utils import strip_toc_elements_from_html, truncate_html_paragraphs

# A word as Pelican counts one: a run of word characters (with ' and -), or a
# single CJK, kana or Hangul character.
SINGLE_CHARACTER_WORDS = (
    "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002a6df\U0002f800-\U0002fa1f"
    "\u3040-\u30ff\u1100-\u11ff\uac00-\ud7ff\u3130-\u318f"
)
WORD = re.compile(rf"[{SINGLE_CHARACTER_WORDS}]|\w[\w'-]*")
WORD_CHARACTER = re.compile(r"\w")
# Elements without an end tag: nothing to close after the cut.
VOID_ELEMENTS = frozenset({"br", "col", "link", "base", "img", "param", "area", "hr", "input"})


class _Cut(Exception):
    """Raised at the last word: the parser stops there."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


class WordCutter(HTMLParser):
    """Where the HTML's `limit`-th word ends, and which elements are open there.

    Every step costs time in proportion to what it reads: offsets come from a
    table of line starts made once, and the open elements are a stack with a
    count per tag, so an end tag that matches nothing is refused at once.
    """

    def __init__(self, html: str, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self._limit = limit
        self._words = 0
        self._pending_word_end: int | None = None
        self.open_elements: list[str] = []
        self._open_counts: dict[str, int] = {}
        self.cut_at: int | None = None
        try:
            self.feed(html)
        except _Cut as cut:
            self.cut_at = cut.position

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _count_word(self, end: int) -> None:
        self._words += 1
        self._pending_word_end = None
        if self._words >= self._limit:
            raise _Cut(end)

    def _end_word(self) -> None:
        if self._pending_word_end is not None:
            self._count_word(self._pending_word_end)

    def handle_starttag(self, tag, attrs) -> None:
        self._end_word()
        if tag not in VOID_ELEMENTS:
            self.open_elements.append(tag)
            self._open_counts[tag] = self._open_counts.get(tag, 0) + 1

    def handle_endtag(self, tag) -> None:
        self._end_word()
        if not self._open_counts.get(tag):
            return
        # An end tag closes every element opened inside the one it ends.
        while True:
            closed = self.open_elements.pop()
            self._open_counts[closed] -= 1
            if closed == tag:
                return

    def handle_data(self, data) -> None:
        start = self._offset()
        position = 0
        while True:
            match = WORD.search(data, position)
            if not match:
                break
            if match.start() > 0:
                self._end_word()
            position = match.end()
            self._pending_word_end = start + position
        if position < len(data):
            self._end_word()

    def _reference(self, name: str, character: str) -> None:
        # `&name;` continues a word when it stands for a word character.
        end = self._offset() + len(name) + 1
        if self.rawdata[end : end + 1] == ";":
            end += 1
        if WORD_CHARACTER.match(character):
            self._pending_word_end = end
        else:
            self._end_word()

    def handle_entityref(self, name) -> None:
        codepoint = name2codepoint.get(name)
        self._reference(name, chr(codepoint) if codepoint else "")

    def handle_charref(self, name) -> None:
        try:
            character = chr(int(name[1:], 16) if name[:1] in "xX" else int(name))
        except (ValueError, OverflowError):
            character = ""
        self._reference("#" + name, character)


def truncate_words(html: str, limit: int, end_text: str = "…") -> str:
    """`html` cut after `limit` words, `end_text` added and open elements closed,
    as Pelican's truncate_html_words does it, in linear time."""
    if limit <= 0:
        return ""
    cutter = WordCutter(html, limit)
    if cutter.cut_at is None:
        return html
    suffix = f" {end_text}" if end_text else ""
    closing = "".join(f"</{tag}>" for tag in reversed(cutter.open_elements))
    return html[: cutter.cut_at] + suffix + closing


def summary_of(html: str, settings: dict) -> str:
    """The summary Pelican would make of `html` under `settings`."""
    paragraphs = settings.get("SUMMARY_MAX_PARAGRAPHS")
    if paragraphs is not None:
        html = truncate_html_paragraphs(html, paragraphs)
    length = settings.get("SUMMARY_MAX_LENGTH")
    if length is not None:
        html = truncate_words(html, int(length), settings.get("SUMMARY_END_SUFFIX", "…"))
    return strip_toc_elements_from_html(html)


def linear_summary(content, siteurl: str) -> str:
    """Content.get_summary, with the linear cutter."""
    if "summary" in content.metadata:
        return content.metadata["summary"]  # the editor's Summary field, as Pelican uses it
    # As Pelican does: the body with its links resolved for the page that
    # shows the summary (a listing's relative SITEURL), then cut; each body is
    # cut once however many listings and feeds show it.
    body = content.get_content(siteurl)
    cut = content.__dict__.setdefault("commons_summaries", {})
    if body not in cut:
        cut[body] = summary_of(body, content.settings)
    return cut[body]


# The subclasses keep Pelican's class names: Pelican finds a post's URL
# settings by its class's name (ARTICLE_URL, PAGE_SAVE_AS...).
class Article(contents.Article):
    """Pelican's Article, whose summary (without a Summary field) is cut in linear time."""

    get_summary = linear_summary


class Page(contents.Page):
    """Pelican's Page, whose summary (without a Summary field) is cut in linear time."""

    get_summary = linear_summary


SUMMARIZED = {contents.Article: Article, contents.Page: Page}


def summarize(content) -> None:
    """Give a post or page Commons' summary: its class becomes the subclass
    above, which changes nothing else (isinstance checks still hold)."""
    summarized = SUMMARIZED.get(type(content))
    if summarized is not None:
        content.__class__ = summarized


def register():
    signals.content_object_init.connect(summarize)
