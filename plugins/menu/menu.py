"""The header menu: the pages that ask for it and the links the MENU setting lists.

A site with hundreds of pages cannot put every page in its header. A page joins
the menu with `Menu: true` in its metadata; MENU['items'] lists pages (by their
source path under content/) and links, in the order the header shows them.
Pages marked `Menu: true` that the list does not name follow it, by title.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from pelican import signals

from commons.errors import InputError
from commons.paths import source_name
from commons.settings import ListOf, Option, Schema, install

logger = logging.getLogger(__name__)

SETTING = "MENU"
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
ITEMS_ACCEPTED = (
    "a list whose entries are a page's source path under content/ (for example "
    '"pages/about.md") or a link {"title": "Events", "url": "https://…" or "/events/"}'
)


class MenuError(InputError):
    """A page's `Menu` field, or a MENU entry, cannot be used."""


@dataclass(frozen=True)
class MenuItem:
    """One entry of the header menu, as the theme reads it (`menu_items`)."""

    title: str
    url: str
    page: object | None = None  # the Page, for aria-current; None for a link
    external: bool = False  # an absolute URL, not a path under SITEURL


def _item_problem(item) -> str | None:
    if isinstance(item, str):
        if not item or item.startswith("/") or ".." in item.split("/"):
            return "a page is named by its path under content/, without a leading / or .."
        return None
    if not isinstance(item, dict) or set(item) != {"title", "url"}:
        return 'a link is a dict with exactly the keys "title" and "url"'
    title, url = item["title"], item["url"]
    if not isinstance(title, str) or not title.strip():
        return "the link's title must be non-empty text"
    if not isinstance(url, str) or not _is_safe_url(url):
        return "the link's url must be an http(s) address or a site path starting with /"
    return None


def _is_safe_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme:
        return parts.scheme in ("http", "https") and bool(parts.netloc)
    return url.startswith("/") and not url.startswith("//") and not any(c.isspace() for c in url)


SCHEMA = Schema(
    SETTING,
    {
        "items": ListOf(
            Option(accepted="a page's path or a link", check=_item_problem),
            [],
            accepted=ITEMS_ACCEPTED,
            fix="correct the entry, or remove it",
            help=(
                "the header menu's first entries, in order: a page's source path under `content/` "
                '(`"pages/about.md"`), or a link `{"title": "Events", "url": '
                '"https://events.example.org/"}` (an `http(s)` address or a site path starting '
                "with `/`). Pages with `Menu: true` that the list does not name follow, by title"
            ),
        )
    },
)


def wants_menu(page) -> bool:
    """The page's `Menu` field as a boolean; MenuError names the file and the fix."""
    value = page.metadata.get("menu")
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise MenuError(
        f"{source_name(page.source_path, page.settings.get('PATH'))}: metadata field 'menu' "
        f"has the value {value!r}. "
        "Fix: write `Menu: true` to list the page in the header menu, or remove the line."
    )


def menu_items(pages: list, items: list, content_root: str) -> list[MenuItem]:
    """The header menu: MENU's entries in order, then the other `Menu: true` pages by title."""
    by_source = {source_name(page.source_path, content_root): page for page in pages}
    menu: list[MenuItem] = []
    listed = set()
    missing = []
    for item in items:
        if isinstance(item, dict):
            external = bool(urlsplit(item["url"]).scheme)
            url = item["url"] if external else item["url"].lstrip("/")
            menu.append(MenuItem(title=item["title"], url=url, external=external))
            continue
        page = by_source.get(item)
        if page is None:
            missing.append(item)
            continue
        listed.add(id(page))
        menu.append(MenuItem(title=page.title, url=page.url, page=page))
    if missing:
        known = ", ".join(sorted(by_source)) or "none"
        raise MenuError(
            f"{SETTING}['items'] names {', '.join(repr(m) for m in missing)}, which is not a "
            f"published page. Fix: name a page by its path under content/ (published pages: "
            f"{known}), or remove the entry."
        )
    marked = sorted(
        (page for page in pages if id(page) not in listed and wants_menu(page)),
        key=lambda page: (page.title.casefold(), page.url),
    )
    menu += [MenuItem(title=page.title, url=page.url, page=page) for page in marked]
    return menu


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def add_menu(generator) -> None:
    """Put `menu_items` in the context every template reads."""
    try:
        items = menu_items(
            generator.pages, generator.settings[SETTING]["items"], generator.settings["PATH"]
        )
    except MenuError as error:
        logger.error("%s", error)
        raise
    generator.context["menu_items"] = items


def register():
    signals.initialized.connect(check_settings)
    signals.page_generator_finalized.connect(add_menu)
