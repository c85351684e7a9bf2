"""A post whose thread moved: the redirect line that keeps its old address.

`invoke comments-move OLD NEW` follows a post whose thread id changed. When
that id comes from the slug (no `Comments_id`), the post's address changed
with it and the old one would answer 404. `moved_post` finds the post whose
thread is NEW and writes the line plugins/redirects reads from
content/redirects/*.txt: the old address, then `{filename}/` and the post's
source, so the redirect follows the post if the URL pattern changes later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pelican.contents import Article, Page
from pelican.readers import Readers

from commons.layout import plugin_module

_identity = plugin_module("discussion", "identity")
_settings = plugin_module("discussion", "settings")
ID_FIELD = _identity.ID_FIELD
thread_id = _identity.thread_id
rule_fields = plugin_module("discussion", "plugin").rule_fields
SETTING = _settings.SETTING
validate_settings = _settings.validate_settings

REDIRECTS_DIR = "redirects"


@dataclass
class MovedPost:
    source: str  # the post's file, relative to the content folder
    redirect: str | None  # the line to add, or None when the address did not change
    why: str  # why there is no line, when there is none


def _sources(content_dir: Path, settings: dict, extensions) -> list[tuple[Path, bool]]:
    """(file relative to content_dir, is it a page) for every file a reader reads."""
    page_dirs = [content_dir / folder for folder in settings.get("PAGE_PATHS", ["pages"])]
    found = []
    for path in sorted(content_dir.rglob("*")):
        relative = path.relative_to(content_dir)
        if (
            path.suffix.lstrip(".") in extensions
            and path.is_file()
            and not any(part.startswith(".") for part in relative.parts)
        ):
            found.append((relative, any(folder in path.parents for folder in page_dirs)))
    return found


def _slug_for(rule: str, fields: dict, thread: str) -> str | None:
    """The slug that makes `rule` give `thread`, the post's other fields kept (None: none)."""
    marker = "\x00"
    formatted = rule.format(**{**fields, "slug": marker})
    if formatted.count(marker) != 1:
        return None
    before, after = formatted.split(marker)
    if thread.startswith(before) and thread.endswith(after) and len(thread) > len(before + after):
        return thread[len(before) : len(thread) - len(after)]
    return None


def moved_post(settings: dict, content_dir: Path, old: str, new: str) -> MovedPost | None:
    """The post whose thread is now `new` (None: no post has that thread id)."""
    content_dir = Path(content_dir)
    config = validate_settings(settings.get(SETTING), settings.get("DEFAULT_LANG", "en"))
    readers = Readers(settings)
    for relative, is_page in _sources(content_dir, settings, readers.extensions):
        post = readers.read_file(
            base_path=str(content_dir),
            path=str(relative),
            content_class=Page if is_page else Article,
            context={},
        )
        fields = rule_fields(post, is_page)
        rule = config["page_thread_id" if is_page else "thread_id"]
        explicit = post.metadata.get(ID_FIELD)
        if thread_id(explicit, post.slug, is_page, str(relative), rule, fields) != new:
            continue
        source = relative.as_posix()
        if explicit is not None:
            return MovedPost(source, None, "its thread id is its Comments_id, not its address")
        old_slug = _slug_for(rule, fields, old)
        if old_slug is None:
            return MovedPost(source, None, f"no slug gives the thread id {old!r} by {rule!r}")
        new_url = post.url
        post.slug = old_slug
        old_url = post.url
        if old_url == new_url:
            return MovedPost(source, None, "its address did not change")
        return MovedPost(source, f"/{old_url.lstrip('/')} {{filename}}/{source}", "")
    return None
