"""The identity of a post's comment thread: whether it has one, its state and its stable id.

Front matter:
- `Comments: off` (or no/false): no thread; `Comments: closed`: the thread is
  closed; `Comments: on` (or open/yes/true): a thread, which pages need to ask
  for since only articles have one by default (DISCUSSION['articles'/'pages']).
- `Comments_id: some-id`: the thread id; by default the site's rule
  (DISCUSSION['thread_id'], `{slug}`; `pages/{slug}` for a page) gives it, so
  a thread survives a change of URL pattern.

The discussion plugin, the importers and `invoke comments-move` all name a
post's thread through these functions.
"""

from __future__ import annotations

import re
import unicodedata

from commons.errors import InputError

STATE_FIELD = "comments"
ID_FIELD = "comments_id"
STATE_WORDS = {
    "on": "open",
    "open": "open",
    "yes": "open",
    "true": "open",
    "off": None,
    "no": None,
    "false": None,
    "closed": "closed",
}
MAX_ID_LENGTH = 200


class ThreadError(InputError):
    """A post's comment metadata cannot be used; names the file, the field and the fix."""

    def __init__(self, source: str, field_name: str, problem: str, fix: str):
        self.source = source
        self.field = field_name
        super().__init__(f"{source}: metadata field '{field_name}' {problem}. Fix: {fix}.")


def thread_state(value, default_open: bool, source: str = "<post>") -> str | None:
    """'open', 'closed', or None (no thread) from the `comments` field."""
    if value is None:
        return "open" if default_open else None
    word = str(value).strip().lower()
    if word not in STATE_WORDS:
        raise ThreadError(
            source,
            STATE_FIELD,
            f"has the value {value!r}",
            "write one of: on, off, closed (on/open/yes/true and off/no/false are synonyms)",
        )
    return STATE_WORDS[word]


# DISCUSSION['thread_id'] and ['page_thread_id']: the site-wide rule for a
# thread's id, as a format string over these fields (pages have no date).
DEFAULT_RULES = {False: "{slug}", True: "pages/{slug}"}
RULE_FIELDS = ("slug", "date", "lang", "category", "author")
PAGE_RULE_FIELDS = ("slug", "lang", "category", "author")


def default_thread_id(
    slug: str, is_page: bool = False, rule: str | None = None, fields: dict | None = None
) -> str:
    """The id of a post's thread when its metadata sets none: the site's rule
    (DISCUSSION['thread_id'], or ['page_thread_id'] for a page) over the post's
    fields; by default its slug (`pages/<slug>` for a page)."""
    rule = rule or DEFAULT_RULES[is_page]
    return rule.format(**{**(fields or {}), "slug": slug})


def thread_id(
    explicit,
    slug: str,
    is_page: bool = False,
    source: str = "<post>",
    rule: str | None = None,
    fields: dict | None = None,
) -> str:
    """`comments_id` when set (checked), else the id the site's rule gives."""
    if explicit is None:
        return default_thread_id(slug, is_page, rule, fields)
    value = str(explicit).strip()
    if not value:
        raise ThreadError(source, ID_FIELD, "is empty", "remove the line or give an id")
    if len(value) > MAX_ID_LENGTH:
        raise ThreadError(
            source, ID_FIELD, f"is {len(value)} characters long", f"use at most {MAX_ID_LENGTH}"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ThreadError(
            source, ID_FIELD, f"has the value {value!r}", "remove the control characters"
        )
    return value


def thread_key(thread_id: str) -> str:
    """What a provider makes of a thread id: ids with one key are one thread.

    Comentario (and any provider that keys threads by path) reads `shared`,
    `/shared` and `//shared` as the one path `/shared`; Unicode's two ways of
    writing an accented letter are one name to a reader. So the key is the id
    in NFC, with its runs of slashes made one and the leading one dropped.
    """
    normal = unicodedata.normalize("NFC", thread_id.strip())
    return re.sub(r"/{2,}", "/", normal).lstrip("/")


def rule_fields(content, is_page: bool) -> dict:
    """What DISCUSSION['thread_id'] may use of a post: its slug, date, language,
    and the slugs of its first category and author."""
    category = getattr(content, "category", None)
    author = getattr(content, "author", None)
    fields = {
        "slug": content.slug,
        "lang": getattr(content, "lang", "") or "",
        "category": category.slug if category else "",
        "author": author.slug if author else "",
    }
    date = getattr(content, "date", None)
    if not is_page and date is not None:
        fields["date"] = date
    return fields
