"""JSON of any depth: Python's json module recurses once per nested array or
object and stops with RecursionError near 1,000 levels, a depth a comment
server's reply tree (Remark42 nests replies without end) or a hand-edited
cache file can reach.

`loads` asks the json module first (fast, in C) and parses with an explicit
stack only when the text is nested too deeply for it.
"""

from __future__ import annotations

import json
import re

# One token after optional JSON whitespace: punctuation, a string, or a scalar
# (number, true, false, null), each decoded by the json module itself.
_TOKEN = re.compile(
    r'[ \t\r\n]*(?:(?P<mark>[{}\[\],:])|(?P<string>"(?:[^"\\]+|\\.)*")'
    r"|(?P<scalar>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null))",
    re.DOTALL,
)
_SPACE = re.compile(r"[ \t\r\n]*")


def loads(text: str | bytes):
    """The value of a JSON document; ValueError when it is not JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        return json.loads(text)
    except RecursionError:
        return _loads_flat(text)


def _loads_flat(text: str):
    """json.loads without recursion: open arrays and objects are kept on a stack."""
    stack: list[list | dict] = []
    keys: list[str | None] = []  # per open container: an object's key awaiting its value
    position = 0
    # What may come next: "value", "first value" (just after `[`), "key",
    # "first key" (just after `{`), "colon", or "more" (`,` or the close).
    expected = "value"
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"not JSON at character {position}")
        position = match.end()
        kind = match.lastgroup
        token = match.group(kind)
        if expected in ("value", "first value"):
            if token == "]" and expected == "first value":
                finished = stack.pop()
                keys.pop()
            elif token in ("{", "["):
                stack.append({} if token == "{" else [])
                keys.append(None)
                expected = "first key" if token == "{" else "first value"
                continue
            elif kind in ("string", "scalar"):
                finished = json.loads(token)
            else:
                raise ValueError(f"not JSON at character {match.start(kind)}")
        elif expected in ("key", "first key"):
            if token == "}" and expected == "first key":
                finished = stack.pop()
                keys.pop()
            elif kind == "string":
                keys[-1] = json.loads(token)
                expected = "colon"
                continue
            else:
                raise ValueError(f"not JSON at character {match.start(kind)}")
        elif expected == "colon":
            if token != ":":
                raise ValueError(f"not JSON at character {match.start(kind)}")
            expected = "value"
            continue
        else:  # "more"
            inside_object = isinstance(stack[-1], dict)
            if token == ",":
                expected = "key" if inside_object else "value"
                continue
            if token != ("}" if inside_object else "]"):
                raise ValueError(f"not JSON at character {match.start(kind)}")
            finished = stack.pop()
            keys.pop()
        # A value is complete: it goes into the open container, or it is the document.
        if not stack:
            if _SPACE.match(text, position).end() != len(text):
                raise ValueError(f"not JSON at character {position}: extra data")
            return finished
        if isinstance(stack[-1], dict):
            stack[-1][keys[-1]] = finished
        else:
            stack[-1].append(finished)
        expected = "more"
