"""Control characters in untrusted text: kept out of terminals, fenced in titles.

A file name or comment may hold terminal escape sequences (ESC, BEL, OSC 52
writes the clipboard on some terminals) and bidirectional controls (U+202E
turns the rest of a line around). Where such text is printed or set inside a
sentence, it goes through one of the two functions here.
"""

from __future__ import annotations

import re

# Explicit bidirectional formatting: embeddings, overrides, isolates and
# their terminators (Unicode UAX #9). The marks (U+200E, U+200F, U+061C)
# change no order outside their own text and are kept.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# What a terminal may act on: C0 controls but newline and tab, DEL, C1
# controls, the bidirectional controls, and the line and paragraph separators.
_TERMINAL_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029]")


def isolated(text: str) -> str:
    """`text` as one unit inside a sentence: its bidirectional controls dropped
    (an unbalanced override would reorder what follows), the rest between
    FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, as HTML's <bdi> does."""
    return FIRST_STRONG_ISOLATE + _BIDI.sub("", text) + POP_DIRECTIONAL_ISOLATE


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, newlines: bool = True) -> str:
    """`text` with every control a terminal would act on written as an escape
    (`\\x1b`, `\\u202e`). Newlines stay when `newlines` (between a message's
    lines); a value that must stay on one line passes False."""
    shown = _TERMINAL_CONTROLS.sub(_escape, text)
    if not newlines:
        shown = shown.replace("\n", "\\n")
    return shown
