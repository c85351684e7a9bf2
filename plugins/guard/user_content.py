"""Ids and names that content sets live in their own namespace: `user-content-`.

A post can give an element an id (raw HTML, Markdown's `{: #id }`, footnotes,
a table of contents) or a name. Left as written, such an id could take one the
theme uses (`discussion`, `isso-thread`, `main`), or shadow a property of
`window` or `document` that a script reads (DOM clobbering). Prefixed, as
GitHub does, no id or name from content can equal one the theme or a browser
API uses, since none of those starts with `user-content-`.

Links inside the same post keep working: an `href="#x"` whose target `x` is an
id of the same fragment becomes `#user-content-x`; other fragments (`#discussion`,
the theme's own anchors) are left alone. Attributes that refer to ids
(`headers`, `for`, `aria-labelledby`...) are prefixed like the ids. Classes
that comment widgets look their container up by (`giscus`, `isso-*`...) are
dropped.

Two places apply it: the sanitiser (every id and name in a post under the
`sanitize` policy), and a Markdown extension (the ids Markdown itself writes,
under every policy).
"""

from __future__ import annotations

import re

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

PREFIX = "user-content-"
# Attributes whose value is an id, or a space-separated list of ids.
IDREF_ATTRIBUTES = frozenset(
    {
        "for",
        "form",
        "list",
        "headers",
        "itemref",
        "popovertarget",
        "commandfor",
        "anchor",
        "aria-activedescendant",
        "aria-controls",
        "aria-describedby",
        "aria-details",
        "aria-errormessage",
        "aria-flowto",
        "aria-labelledby",
        "aria-owns",
    }
)
# Classes by which comment widgets and their count scripts find their place
# in the page: a post's element with one of them would take the widget in.
WIDGET_CLASSES = frozenset(
    {
        "giscus",
        "giscus-frame",
        "utterances",
        "utterances-frame",
        "remark42__counter",
        "disqus-comment-count",
        "cusdis-count",
    }
)
WIDGET_CLASS_PREFIXES = ("isso-", "discussion")
# An id (or name) attribute inside a start tag, whatever its quoting.
_ID_ATTRIBUTE = re.compile(
    r"""<[A-Za-z][^>]*?\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
)


# An `<a>` start tag, and a `name` attribute inside one.
_A_START_TAG = re.compile(r"<a\s[^>]*>", re.IGNORECASE)
_NAME_ATTRIBUTE = re.compile(r"(\s)name(\s*=)", re.IGNORECASE)
_HAS_ID = re.compile(r"\sid\s*=", re.IGNORECASE)


def names_as_ids(fragment: str) -> str:
    """`<a name="faq">` as `<a id="faq">`: HTML5's form of the same link target.

    Older posts (and every WordPress or Pelican blog they came from) mark
    targets with `name`, which HTML5 has made obsolete; as an id, the target
    is kept by the sanitiser, namespaced like any other, and counted by the
    link checks. An `<a>` that has an id already keeps it.
    """

    def rename(match: re.Match) -> str:
        tag = match.group(0)
        return tag if _HAS_ID.search(tag) else _NAME_ATTRIBUTE.sub(r"\1id\2", tag, count=1)

    return _A_START_TAG.sub(rename, fragment)


def prefixed(value: str) -> str:
    """`value` in the content namespace (unchanged if it is in it already)."""
    return value if value.startswith(PREFIX) else PREFIX + value


def ids_in(fragment: str) -> set[str]:
    """The ids and names a fragment's start tags set: the targets of its own `#links`."""
    return {next(filter(None, match.groups()), "") for match in _ID_ATTRIBUTE.finditer(fragment)}


# A link to another post or page by its source file, whose ids are namespaced
# as this post's are: `{filename}other.md#setup` -> `#user-content-setup`.
_CONTENT_LINK = re.compile(
    r"^(?:\{filename\}|\|filename\|)[^#]*\.(?:md|markdown|mkd|mdown|rst|html?)#(?P<target>.+)$"
)
# The theme's own anchors on every post (the discussion section, the main region).
THEME_ANCHORS = frozenset({"discussion", "main"})


def rewrite_fragment_link(href: str, targets) -> str:
    """`#x` -> `#user-content-x` when `x` is an id of the same post (as written, or
    prefixed); `{filename}other.md#x` likewise, unless `x` is one of the theme's anchors."""
    if href.startswith("#"):
        target = href[1:]
        if target and (target in targets or PREFIX + target in targets):
            return "#" + prefixed(target)
        return href
    match = _CONTENT_LINK.match(href)
    if match and match["target"] not in THEME_ANCHORS:
        return href[: match.start("target")] + prefixed(match["target"])
    return href


def attribute_filter(targets):
    """An nh3 `attribute_filter`: namespaces ids, names, id references and same-post links."""

    def namespace(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("id", "name"):
            return prefixed(value) if value else value
        if attribute in IDREF_ATTRIBUTES:
            return " ".join(prefixed(part) for part in value.split())
        if attribute == "href":
            return rewrite_fragment_link(value, targets)
        if attribute == "class":
            kept = [
                name
                for name in value.split()
                if name not in WIDGET_CLASSES and not name.startswith(WIDGET_CLASS_PREFIXES)
            ]
            return " ".join(kept) or None  # None: nh3 drops the attribute
        return value

    return namespace


class UserContentIds(Treeprocessor):
    """Prefix the ids Markdown writes, and the links to them, once the tree is complete."""

    def run(self, root) -> None:
        elements = list(root.iter())
        targets = {element.get("id") for element in elements if element.get("id")}
        for element in elements:
            for attribute in ("id", "name"):
                value = element.get(attribute)
                if value:
                    element.set(attribute, prefixed(value))
            href = element.get("href")
            if href:
                element.set("href", rewrite_fragment_link(href, targets))


class UserContentIdsExtension(Extension):
    """Markdown extension `plugins.guard.user_content:UserContentIdsExtension`."""

    def extendMarkdown(self, md) -> None:
        # Priority 0: after every id-writing treeprocessor (attr_list 8, toc 5,
        # footnotes, inline 20).
        md.treeprocessors.register(UserContentIds(md), "commons_user_content_ids", 0)


def makeExtension(**kwargs):
    return UserContentIdsExtension(**kwargs)
