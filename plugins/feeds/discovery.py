"""Feed autodiscovery: which feeds a page announces in its <head>.

The partial `partials/feeds_discovery.html` calls `feed_links()` and only
writes the links out; the choice of feeds is made here.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import pass_context

from commons.urls import absolute_url

from .entries import feed_title

MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
FORMAT_NAMES = {"atom": "Atom", "rss": "RSS"}
# The listing pages that have feeds of their own, by the variable Pelican
# gives their template (a post's page has `category` too, and `article`).
SUBJECTS = ("category", "tag", "author")


@dataclass(frozen=True)
class FeedLink:
    href: str
    type: str
    title: str


def links_for(context, site_links: dict | None = None) -> list[FeedLink]:
    """The site-wide feeds, then the feeds of the category, tag or author being viewed.

    `site_links` keeps the site-wide links from page to page (FeedLinks).
    """
    siteurl = context.get("SITEURL") or ""
    sitename = context.get("SITENAME", "")
    paths = {fmt: context.get(f"FEED_ALL_{fmt.upper()}") for fmt in ("atom", "rss")}
    key = (siteurl, sitename, paths["atom"], paths["rss"])
    site = None if site_links is None else site_links.get(key)
    if site is None:
        site = [
            _link(siteurl, path, fmt, feed_title(sitename, "all"))
            for fmt, path in paths.items()
            if path
        ]
        if site_links is not None:
            site_links[key] = site
    links = list(site)
    kind, subject = _subject(context)
    if subject is not None:
        for fmt in ("atom", "rss"):
            pattern = context.get(f"{kind.upper()}_FEED_{fmt.upper()}")
            if pattern:
                path = str(pattern).format(slug=subject.slug)
                title = feed_title(sitename, kind, str(subject))
                links.append(_link(siteurl, path, fmt, title))
    return links


def _subject(context):
    """("category", the category) on a category's page, and so on; (None, None) elsewhere."""
    if context.get("article") is not None or context.get("page") is not None:
        return None, None
    for kind in SUBJECTS:
        subject = context.get(kind)
        if subject is not None and getattr(subject, "slug", None):
            return kind, subject
    return None, None


def _link(siteurl: str, path: str, fmt: str, title: str) -> FeedLink:
    # SITEURL is relative in local builds ("..") and absolute in production, so
    # the link works wherever the site is served.
    return FeedLink(
        href=absolute_url(siteurl, path),
        type=MEDIA_TYPES[fmt],
        title=f"{title} ({FORMAT_NAMES[fmt]})",
    )


class FeedLinks:
    """The `feed_links()` Jinja global of one generator, for one build.

    Every page announces the site-wide feeds: they are worked out once per
    site address (SITEURL differs from page to page only with relative URLs),
    not once per page.
    """

    def __init__(self) -> None:
        self.site_links: dict[tuple, list[FeedLink]] = {}

    @pass_context
    def __call__(self, context) -> list[FeedLink]:
        return links_for(context, self.site_links)
