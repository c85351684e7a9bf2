"""Escaping for data that a page hands to its scripts.

Values reach discussion.js in two ways only: `data-*` attributes, which Jinja's
autoescaping covers, and one `<script type="application/json">` block, built
here. JSON alone is not safe inside `<script>`: a string holding `</script>`
would end the element. Escaping `<`, `>` and `&` as JSON unicode escapes keeps
the text inert for the HTML parser while `JSON.parse` returns the original
string, unchanged.
"""

from __future__ import annotations

import json

from markupsafe import Markup

# JSON string escapes for the characters the HTML parser acts on inside a
# script element, plus the two line separators that old JS engines reject.
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_for_script(value) -> Markup:
    """`value` as JSON that is safe as the text of a `<script type="application/json">`."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.translate(_SCRIPT_ESCAPES))
