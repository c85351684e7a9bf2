"""A corpus of hostile posts: every field an editor controls carries markup,
script breakers, quotes, ampersands, Jinja syntax, emoji, right-to-left text,
very long strings and a NUL byte.

`write_corpus(folder)` adds the posts to a content folder and returns what a
reader must see for each, so tests can check every value came out as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MARKER = "hostile-marker"
# Each payload, if it were not escaped, would add an element or run a script.
BREAKERS = (
    f'</script><script>window.__pwned=1</script><b class="{MARKER}">b</b>'
    f"<img src=x onerror=window.__pwned=2 class={MARKER}> \" ' & &amp; "
    "{{ 7*7 }} {% raw %}x{% endraw %} 🎉 مرحبا بالعالم"
)
# The summary is Markdown (HTML allowed, under the BODY_HTML policy): its
# payload is script and handlers, which no policy but "keep" lets through.
SUMMARY_BREAKERS = (
    '</script><script>window.__pwned=5</script><b class="summary-markup" '
    'onmouseover="window.__pwned=6">bold</b> " \' & {{ 7*7 }} 🎉 مرحبا'
)
LONG = "Long " + "very " * 398 + "long"  # 2,000 characters
NUL = "\x00"


@dataclass(frozen=True)
class HostilePost:
    filename: str
    title: str
    fields: dict[str, str]
    body: str

    @property
    def shown_title(self) -> str:
        """The title as a reader must see it: the same text, minus control characters."""
        return self.title.replace(NUL, "")


POSTS = [
    HostilePost(
        filename="hostile-title.md",
        title=f"Quote \" ' & {BREAKERS}",
        fields={
            "Date": "2024-02-01 10:00",
            "Category": f"Community, Odd {BREAKERS}",
            "Tags": f"safe, tag {BREAKERS}",
            "Author": f"Eve {BREAKERS}",
            "Summary": f"Summary {SUMMARY_BREAKERS}",
            "Image_credit": f"Credit {BREAKERS}",
            "Comments_id": f"thread {BREAKERS}",
            "Slug": f"slug {BREAKERS}",
        },
        body=(
            f'A paragraph with raw HTML: <span class="{MARKER}-body">kept?</span>\n\n'
            "<script>window.__pwned=3</script>\n\n"
            '<p onclick="window.__pwned=4">Click me</p>\n\n'
            "Jinja in the body: {{ SITENAME }} {% if true %}x{% endif %}\n"
        ),
    ),
    HostilePost(
        filename="hostile-long.md",
        title=LONG,
        fields={
            "Date": "2024-02-02 10:00",
            "Category": LONG,
            "Tags": LONG,
            "Summary": LONG,
            # Comments_id is capped (the discussion plugin refuses more than
            # 200 characters, with a fix): test_bad_input checks that error.
        },
        body="A post whose every field is two thousand characters long.\n",
    ),
    HostilePost(
        filename="hostile-nul.md",
        title=f"Nul{NUL} byte and שלום עולם right-to-left",
        fields={"Date": "2024-02-03 10:00", "Category": "Community", "Tags": f"nul{NUL}tag"},
        body=f"A body with a NUL{NUL} byte.\n",
    ),
]


def write_corpus(content: Path) -> list[HostilePost]:
    for post in POSTS:
        header = "".join(f"{key}: {value}\n" for key, value in post.fields.items())
        (content / post.filename).write_text(
            f"Title: {post.title}\n{header}\n{post.body}", encoding="utf-8"
        )
    return POSTS
