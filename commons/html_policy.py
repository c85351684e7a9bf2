"""What HTML Commons keeps from writers it does not trust to run code, in one place.

Posts and summaries (plugins/guard/html.py, under the GUARD['html'] setting), the
comments shown in snapshots (plugins/discussion) and the importers (which
keep only what the site's sanitiser will keep) all read their policy here.
Both policies start from nh3's (ammonia's) defaults.
"""

from __future__ import annotations

import nh3

from commons.settings import Choice, DictOf, ListOf, Schema, String

SETTING = "GUARD['html']"
POLICIES = ("sanitize", "keep")
# nh3's defaults (ammonia's) plus what Markdown itself writes: ids for
# headings and footnotes, classes for code highlighting and footnotes. Every
# id (and name) comes out prefixed with `user-content-` (plugins/guard/user_content.py).
GENERIC_ATTRIBUTES = {"id", "class", "lang", "dir", "title"}
# Never allowed, whatever extra_tags says: they run code, restyle the page, or
# (frames, objects) load a third party before the reader has chosen to.
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "form", "base", "meta", "link"}


def _no_forbidden_tags(tags: list[str]) -> str | None:
    forbidden = sorted(set(tags) & FORBIDDEN_TAGS)
    if forbidden:
        return (
            f"may not contain {forbidden}: they run code or restyle the page; use policy "
            "'keep' if the editors are trusted with them"
        )
    return None


def _no_event_handlers(attributes: dict) -> str | None:
    if any(name.lower().startswith("on") for names in attributes.values() for name in names):
        return "may not allow event handlers (on*)"
    data = sorted(
        {n for names in attributes.values() for n in names if n.lower().startswith("data-")}
    )
    if data:
        return (
            f"may not allow {data}: the theme's scripts read data-* attributes, which content "
            "must not be able to forge; use policy 'keep' if the editors are trusted with them"
        )
    return None


SCHEMA = Schema(
    SETTING,
    {
        "policy": Choice(
            POLICIES,
            "sanitize",
            help=(
                '`"sanitize"`: [nh3](https://nh3.readthedocs.io/) (the Ammonia sanitiser) keeps '
                "Markdown's output and safe markup (headings with ids, links, images, tables, "
                "code), drops scripts, styles, frames, forms, event handlers and `data-*` "
                'attributes, and namespaces ids and names (below). `"keep"`: raw HTML is published'
                " as written, scripts included; for sites whose editors are all trusted: it lets "
                "any editor run script in the site's origin, forge what the theme's scripts read, "
                "and load anything from anywhere before consent"
            ),
        ),
        "extra_tags": ListOf(
            String(),
            [],
            accepted="a list of tag names, such as ['video']",
            check=_no_forbidden_tags,
            help=(
                'more tags to allow under `sanitize`, such as `"video"`; `script`, `style`, '
                "`iframe`, `object`, `embed`, `form`, `base`, `meta` and `link` are refused"
            ),
        ),
        "extra_attributes": DictOf(
            ListOf(String()),
            {},
            accepted="a dict that maps a tag name (or '*') to a list of attributes, such as "
            "{'video': ['src', 'controls']}",
            check=_no_event_handlers,
            help=(
                'more attributes per tag (`{"video": ["src", "controls"]}`, `"*"` for all tags); '
                "event handlers (`on…`) and `data-*` attributes (the theme's scripts read those) "
                "are refused; an allowed `name` is namespaced like an id"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()


def validate_settings(raw) -> dict:
    """GUARD['html'] with defaults filled in, or SettingsError listing every bad key."""
    return SCHEMA.validate(raw)


def post_tags(options: dict) -> set[str]:
    """The elements a post may use under a validated GUARD['html'] (policy 'sanitize')."""
    return set(nh3.ALLOWED_TAGS) | set(options["extra_tags"])


def post_attributes(options: dict) -> dict[str, set[str]]:
    """The attributes a post may use, per element ('*': on any), under a validated GUARD['html']."""
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = set(GENERIC_ATTRIBUTES)
    for tag, names in options["extra_attributes"].items():
        attributes.setdefault(tag, set()).update(names)
    return attributes


def post_keeps(options: dict, tag: str, attribute: str | None = None) -> bool:
    """Whether a post's `tag` (with `attribute`, when given) survives a validated GUARD['html']."""
    if options["policy"] == "keep":
        return True
    if tag not in post_tags(options):
        return False
    if attribute is None:
        return True
    attributes = post_attributes(options)
    return attribute in attributes.get(tag, set()) | attributes["*"]


# Elements a comment may not use even though a post may: images and image
# maps (they load before consent), headings and landmarks (they would break
# the page's outline and landmarks).
COMMENT_FORBIDDEN_TAGS = {
    "img",
    "map",
    "area",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hgroup",
    "header",
    "footer",
    "nav",
    "article",
    "aside",
}
COMMENT_TAGS = set(nh3.ALLOWED_TAGS) - COMMENT_FORBIDDEN_TAGS
# No id or class from a comment reaches the page: a comment's only id is its
# anchor, the server's id under the snapshot's prefix (discussion-comment-).
COMMENT_ATTRIBUTES = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items() if tag in COMMENT_TAGS},
    "*": {"lang", "dir", "title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Every link a commenter gives, their website and the links in their text:
# not followed by search engines as the site's own, and the page it opens
# gets neither this page nor its address.
LINK_REL = "nofollow ugc noopener noreferrer"


def comment_cleaner() -> nh3.Cleaner:
    """The sanitiser for comments; build one per build and reuse it (10x faster than nh3.clean)."""
    return nh3.Cleaner(
        tags=COMMENT_TAGS,
        clean_content_tags={"script", "style"},
        attributes=COMMENT_ATTRIBUTES,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
    )
