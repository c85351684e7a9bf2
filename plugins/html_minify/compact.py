"""A template's own markup without the whitespace and quotes HTML does not need.

`compact(source)` rewrites the literal HTML of a Jinja template's source; its
`{{ }}`, `{% %}` and `{# #}` parts stay as written, so what a template inserts
(a post's body, a title, a comment) reaches the page as it would have. Only
the markup the template's author wrote changes, and only where the HTML
standard and CSS say the change shows nowhere:

- a run of whitespace that holds a line break, in text, goes when a
  block-level tag or the head is on one side of it (CSS removes whitespace at
  the start and end of a line) and is one line break otherwise (a line break
  and the spaces after it render as one space); a run on one line
  (`</a> <a>`) is the author's and stays;
- inside a tag, such a run is one space;
- an attribute's quotes go when a space or the tag's end follows the value,
  and the value may be written unquoted (not empty; no space, quote, `=`, `<`,
  `>` or backtick): decided here when the value is all literal, and when the
  page renders (the filter `attribute_value`) when it holds `{{ }}`
  expressions;
- `<pre>`, `<textarea>`, `<script>`, `<style>` and comments keep every
  character.

Every line break removed is kept in a Jinja comment (`{#` and `#}` around
it), so an error in a template is reported at its own line. The tags counted
as block-level are those browsers lay out as blocks (and the head's); a
stylesheet that made one of them inline would see the whitespace beside it
gone. Compacting a compacted source changes nothing.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup, escape

# Jinja's syntax with its default delimiters; a string inside an expression
# may hold the closing delimiter.
STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
JINJA = re.compile(
    r"\{\{(?:[^\"'}]|" + STRING + r"|\}(?!\}))*\}\}"
    r"|\{%(?:[^\"'%]|" + STRING + r"|%(?!\}))*%\}"
    r"|\{\#.*?\#\}",
    re.DOTALL,
)
TAG_NAME = re.compile(r"</?(!?[A-Za-z][A-Za-z0-9-]*)")
WHITESPACE = re.compile(r"\s+")
UNQUOTED_VALUE = re.compile(r"[^\s\"'=<>`]+")
# The filter a template calls for an attribute value made with expressions
# (a filter: Jinja calls it directly, a third of a global's cost), and its
# argument, the value's quote, as a Jinja string.
ATTRIBUTE_VALUE = "_commons_attribute_value"
QUOTE_ARGUMENT = {'"': "'\"'", "'": '"\'"'}
# Elements laid out as blocks (or not at all, in the head): whitespace beside
# their tags is never rendered. Not script, style, template or noscript: a
# hidden element between two words would join them.
BLOCK = frozenset(
    (  # noqa: SIM905 (a list of words, read as one)
        "!doctype html head body meta link title base header footer main nav section article "
        "aside div p ul ol li dl dt dd h1 h2 h3 h4 h5 h6 hgroup table caption colgroup col "
        "thead tbody tfoot tr td th form fieldset legend figure figcaption blockquote hr pre "
        "address details summary dialog menu search"
    ).split()
)
# Elements whose text is kept character for character.
VERBATIM = frozenset({"pre", "textarea", "script", "style"})


def attribute_value(parts: tuple, quote: str, autoescape: bool = True) -> Markup:
    """An attribute's value from `parts` (literal markup and expressions' values,
    alternately), quoted with `quote` unless it may be written without.

    Each value is escaped as `{{ }}` escapes it, so the value is what the
    template wrote with its quotes; only the quotes may go.
    """
    if autoescape:
        text = "".join(
            [part if index % 2 == 0 else escape(part) for index, part in enumerate(parts)]
        )
    else:
        text = "".join([part if index % 2 == 0 else str(part) for index, part in enumerate(parts)])
    if UNQUOTED_VALUE.fullmatch(text):
        return Markup(text)
    return Markup(quote + text + quote)


def kept_lines(whitespace: str) -> str:
    """The line breaks of a run of `whitespace` in a Jinja comment: nothing rendered."""
    lines = whitespace.count("\n")
    return "{#" + "\n" * lines + "#}" if lines else ""


class _Compactor:
    """One template's compaction, character by character, Jinja's parts skipped."""

    def __init__(self, source: str):
        self.source = source
        self.lowered = source.lower()  # where a verbatim element's end tag is
        self.out: list[str] = []
        self.at = 0
        self.in_tag = False
        self.tag = ""  # the tag being read, or the last one closed
        self.closing = False
        self.after_block = False  # what was last written ends a block-level tag
        self.in_head = False
        self.verbatim_until = ""  # "</pre" and such, inside one
        self.comment = False

    def run(self) -> str:
        source = self.source
        while self.at < len(source):
            if source[self.at] == "{" and (jinja := JINJA.match(source, self.at)):
                self.out.append(jinja.group())
                self.at = jinja.end()
                self.after_block = False  # what it writes is not known
            elif self.verbatim_until:
                self._verbatim()
            elif self.comment:
                self._copy_until("-->", end_state="comment")
            elif self.in_tag:
                self._in_tag()
            else:
                self._text()
        return "".join(self.out)

    def _next_jinja(self, start: int) -> int:
        found = self.source.find("{", start)
        while found >= 0 and not JINJA.match(self.source, found):
            found = self.source.find("{", found + 1)
        return found if found >= 0 else len(self.source)

    def _verbatim(self) -> None:
        end = self.lowered.find(self.verbatim_until, self.at)
        end = len(self.source) if end < 0 else end
        stop = min(end, self._next_jinja(self.at))
        self.out.append(self.source[self.at : stop])
        self.at = stop
        if stop == end:
            self.verbatim_until = ""

    def _copy_until(self, marker: str, end_state: str) -> None:
        end = self.source.find(marker, self.at)
        end = len(self.source) if end < 0 else end + len(marker)
        stop = min(end, self._next_jinja(self.at))
        self.out.append(self.source[self.at : stop])
        self.at = stop
        if stop == end:
            setattr(self, end_state, False)

    def _in_tag(self) -> None:
        source, at = self.source, self.at
        char = source[at]
        if char == ">":
            self.out.append(char)
            self.at += 1
            self._tag_closed()
        elif char.isspace():
            run = WHITESPACE.match(source, at)
            whitespace = run.group()
            self.out.append(" " + kept_lines(whitespace) if "\n" in whitespace else whitespace)
            self.at = run.end()
        elif char == "=" and source[at + 1 : at + 2] in ('"', "'"):
            self._value(source[at + 1])
        else:
            self.out.append(char)
            self.at += 1

    def _value(self, quote: str) -> None:
        """An attribute's quoted value: written unquoted, or decided at render."""
        source, start = self.source, self.at + 2
        parts, literal, at = [], start, start
        while at < len(source) and source[at] != quote:
            jinja = JINJA.match(source, at) if source[at] == "{" else None
            if jinja is None:
                at += 1
                continue
            expression = jinja.group()
            if not expression.startswith("{{") or expression[2:3] in "-+" or expression[-3] in "-+":
                parts = None  # a statement or whitespace control: kept as written
                break
            parts += [source[literal:at], expression[2:-2].strip()]
            literal = at = jinja.end()
        follower = source[at + 1 : at + 2]
        # A line break in the value's literal text stays where it is, in the
        # value as written, so that the template keeps its line numbers.
        broken = "\n" in source[start:at] and parts
        if (
            parts is None
            or broken
            or at >= len(source)
            or not (follower == ">" or follower.isspace())
        ):
            self.out.append("=" + quote)  # then read as written, Jinja's parts skipped
            self.at += 2
            self._copy_quoted(quote)
            return
        parts.append(source[literal:at])
        if len(parts) == 1:
            value = parts[0]
            written = value if UNQUOTED_VALUE.fullmatch(value) else quote + value + quote
            self.out.append("=" + written)
        else:
            arguments = ", ".join(
                json.dumps(part, ensure_ascii=False) if index % 2 == 0 else f"({part})"
                for index, part in enumerate(parts)
            )
            filtered = f"({arguments}) | {ATTRIBUTE_VALUE}({QUOTE_ARGUMENT[quote]})"
            self.out.append(f"={{{{ {filtered} }}}}")
        self.at = at + 1

    def _copy_quoted(self, quote: str) -> None:
        source = self.source
        while self.at < len(source) and source[self.at] != quote:
            jinja = JINJA.match(source, self.at) if source[self.at] == "{" else None
            end = jinja.end() if jinja else self.at + 1
            self.out.append(source[self.at : end])
            self.at = end
        if self.at < len(source):
            self.out.append(quote)
            self.at += 1

    def _tag_closed(self) -> None:
        self.in_tag = False
        if self.tag == "head":
            self.in_head = not self.closing
        if not self.closing and self.tag in VERBATIM:
            self.verbatim_until = f"</{self.tag}"
        self.after_block = self.tag in BLOCK

    def _text(self) -> None:
        source, at = self.source, self.at
        char = source[at]
        if char == "<" and source.startswith("<!--", at):
            self.comment = True
            self.after_block = False
            self.out.append("<!--")
            self.at += 4
            return
        name = TAG_NAME.match(source, at) if char == "<" else None
        if name:
            self.in_tag = True
            self.tag = name.group(1).lower()
            self.closing = source[at + 1] == "/"
            self.out.append(name.group())
            self.at = name.end()
        elif char.isspace():
            run = WHITESPACE.match(source, at)
            self.out.append(self._whitespace(run))
            self.at = run.end()
        else:
            self.out.append(char)
            self.after_block = False
            self.at += 1

    def _whitespace(self, run: re.Match) -> str:
        whitespace = run.group()
        if "\n" not in whitespace:
            self.after_block = False
            return whitespace
        following = TAG_NAME.match(self.source, run.end())
        before_block = following is not None and following.group(1).lower() in BLOCK
        if self.in_head or self.after_block or before_block:
            return kept_lines(whitespace)
        return "\n" + kept_lines(whitespace[whitespace.index("\n") + 1 :])


def compact(source: str) -> str:
    """`source`, a Jinja template of HTML with Jinja's default delimiters, with
    its own markup compacted."""
    return _Compactor(source).run()
