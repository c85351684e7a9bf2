"""Extra posts for the theme's tests: enough to exercise every template.

Added to a copy of the real content: twelve more posts over three years (so
the index paginates at DEFAULT_PAGINATION = 10), authors, tags, shared
categories for related posts, and a draft.
"""

from __future__ import annotations

from pathlib import Path

HOSTILE_TITLE = (
    "Quote \" ' & </script><script>window.__pwned=1</script> <img src=x onerror=window.__pwned=2>"
)

EXTRA_POSTS = [
    # slug, date, categories, tags, authors
    ("tool-library-night", "2026-01-15 18:30", "Community, Events", "tools, sharing", "Ada Byron"),
    ("bike-lending-shelf", "2025-11-02 09:00", "Community", "sharing, bikes", "Ada Byron, Lin Ma"),
    ("quiet-room-rules", "2025-09-20 10:00", "Coworking", "etiquette", "Lin Ma"),
    ("member-spotlight-ines", "2025-06-11 12:00", "Current Members", "spotlight", "Lin Ma"),
    ("coffee-co-op", "2025-04-03 08:15", "Community, Coworking", "sharing, coffee", ""),
    ("open-house-recap", "2025-02-14 17:00", "Events", "events", "Ada Byron"),
    ("desk-swap-week", "2024-12-01 09:30", "Coworking", "sharing", ""),
    ("seed-exchange", "2024-10-10 11:00", "Community", "sharing, garden", "Ines Duarte"),
    ("printer-etiquette", "2024-08-08 14:00", "Coworking", "etiquette", ""),
    ("lunch-and-learn", "2024-05-05 12:30", "Events", "events, learning", "Lin Ma"),
    ("mentor-hours", "2024-03-03 16:00", "Benefits of Coworking", "learning", "Ada Byron"),
    ("first-anniversary", "2024-01-01 10:00", "Community", "events", ""),
]


def post_text(slug: str, date: str, categories: str, tags: str, authors: str) -> str:
    title = slug.replace("-", " ").title()
    lines = [f"Title: {title}", f"Date: {date}", f"Slug: {slug}", f"Category: {categories}"]
    if tags:
        lines.append(f"Tags: {tags}")
    if authors:
        lines.append(f"Authors: {authors}")
    lines.append(f"Summary: A short note about {title.lower()} at Cohere.")
    body = (
        f"## What happened\n\nMembers met for {title.lower()}. "
        + "We talked, shared and planned the next one. " * 20
        + "\n\nWhat would you add next time? Tell us in a comment!\n"
    )
    return "\n".join(lines) + "\n\n" + body


def add_theme_posts(content: Path, *, hostile: bool = False, draft: bool = True) -> Path:
    """Write the extra posts into `content` (a copy of the real content folder)."""
    for slug, date, categories, tags, authors in EXTRA_POSTS:
        (content / f"{slug}.md").write_text(
            post_text(slug, date, categories, tags, authors), encoding="utf-8"
        )
    if draft:
        (content / "unfinished-idea.md").write_text(
            "Title: Unfinished Idea\nDate: 2026-02-01 09:00\nSlug: unfinished-idea\n"
            "Status: draft\nCategory: Community\n\nNot ready yet.\n",
            encoding="utf-8",
        )
    if hostile:
        (content / "hostile-title.md").write_text(
            f"Title: {HOSTILE_TITLE}\nDate: 2026-03-01 09:00\nSlug: hostile-title\n"
            f"Category: Community\nTags: sharing\nAuthors: Ada Byron\n"
            f"Summary: The title of this post is hostile.\n\nA harmless body.\n",
            encoding="utf-8",
        )
    return content


# A post with the markup whose whitespace means something: code blocks,
# inline elements side by side, a hard line break, a table, nested lists.
MARKUP_POST_SLUG = "every-kind-of-markup"
MARKUP_POST = (
    """Title: Every Kind Of Markup
Date: 2026-04-01 09:00
Slug: every-kind-of-markup
Category: Community
Summary: Code, quotes, tables and lists.

A paragraph with *emphasis*, **strong**, `inline  code`, [a link](https://example.org/)
and <kbd>Ctrl</kbd> <kbd>C</kbd> side by side.

    indented    code
        keeps   its  spaces

```python
def greet():
    return  "two  spaces"
```

> A quote
> over two lines.

| Tool | Shelf |
| --- | --- |
| Drill | A |

1. one
2. two
    - nested

A line that ends in two spaces"""
    "  \nbreaks here.\n"
)


def build_minified_and_plain(root: Path) -> tuple[Path, Path]:
    """The theme's content and MARKUP_POST built twice with the local settings:
    as Commons writes pages (templates compacted, plugins/html_minify), and with
    HTML_MINIFY off. Returns both output folders."""
    from commons import DEV_SETTINGS
    from commons.build import build_site
    from tests.conftest import copy_content

    content = add_theme_posts(copy_content(root / "content"), hostile=True)
    (content / f"{MARKUP_POST_SLUG}.md").write_text(MARKUP_POST, encoding="utf-8")
    minified = build_site(root / "minified", settings_file=DEV_SETTINGS, content=content)
    plain = build_site(
        root / "plain",
        settings_file=DEV_SETTINGS,
        content=content,
        overrides={"HTML_MINIFY": {"enabled": False}},
    )
    return minified.output, plain.output
