"""The raw-HTML policy for post bodies and summaries: keep it, or sanitise it with nh3.

Markdown lets an editor write raw HTML, `<script>` included. A community site
with several editors sanitises by default; a site whose editors are trusted
can keep raw HTML. Either way the choice is one setting, BODY_HTML.
"""

from .body_html import SCHEMA, register

__all__ = ["SCHEMA", "register"]
