"""sitemap.xml and robots.txt.

Pelican's sitemap plugin writes relative addresses when SITEURL is empty (every
local build) and dates listing pages with the build time; this one writes the
same absolute addresses as the feeds, and dates a listing by its newest post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from commons.paths import relative_posix
from commons.urls import absolute_url, page_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages written for people who are already on the site, not for crawlers:
# where these settings save them (the search page, the local list of drafts)
# and the 404 page.
UNLISTED_SAVE_AS = ("SEARCH_SAVE_AS", "DRAFTS_SAVE_AS", "404_SAVE_AS")
UNLISTED_FILES = ("404.html",)


@dataclass(frozen=True)
class SitemapEntry:
    url: str  # site-relative
    lastmod: datetime | None


def unlisted_paths(settings: dict) -> set[str]:
    return {str(settings[name]) for name in UNLISTED_SAVE_AS if settings.get(name)}


def entry_for(
    path: str, output_path: str, context: dict, unlisted: set[str] = frozenset()
) -> SitemapEntry | None:
    """The sitemap entry for a page Pelican just wrote, or None if it has no place there."""
    relative = relative_posix(path, output_path)
    if not relative.endswith(".html") or relative.rsplit("/", 1)[-1] in UNLISTED_FILES:
        return None
    if relative in unlisted:
        return None
    content = context.get("article") or context.get("page")
    if content is not None:
        if getattr(content, "status", "published") != "published":
            return None  # drafts and hidden pages
        return SitemapEntry(content.url, _changed(content))
    url = page_url(relative)
    listed = context.get("articles_page")
    articles = listed.object_list if listed is not None else context.get("articles") or []
    dates = [_changed(article) for article in articles]
    return SitemapEntry(url, max((d for d in dates if d), default=None))


def _changed(content) -> datetime | None:
    return getattr(content, "modified", None) or getattr(content, "date", None)


def sitemap_xml(entries: list[SitemapEntry], base: str) -> bytes:
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    seen = set()
    for entry in sorted(entries, key=lambda e: e.url):
        if entry.url in seen:
            continue
        seen.add(entry.url)
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = absolute_url(base, entry.url)
        if entry.lastmod is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = entry.lastmod.isoformat()
    return etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def read_sitemap(data: bytes, base: str) -> list[SitemapEntry]:
    """The entries of a sitemap this module wrote with the same `base`."""
    prefix = absolute_url(base, "")
    entries = []
    for url in etree.fromstring(data).iter(f"{{{SITEMAP_NS}}}url"):
        loc = url.findtext(f"{{{SITEMAP_NS}}}loc") or ""
        if not loc.startswith(prefix):
            continue  # another address: the site moved since; the full build lists it right
        lastmod = url.findtext(f"{{{SITEMAP_NS}}}lastmod")
        entries.append(
            SitemapEntry(loc[len(prefix) :], datetime.fromisoformat(lastmod) if lastmod else None)
        )
    return entries


def updated_sitemap_xml(previous: bytes, written: list[SitemapEntry], base: str) -> bytes:
    """The last build's sitemap with the pages a build of only some pages wrote
    put in (a page it wrote first), as a full build would list them."""
    fresh = {entry.url for entry in written}
    kept = [entry for entry in read_sitemap(previous, base) if entry.url not in fresh]
    return sitemap_xml([*written, *kept], base)


def robots_txt(base: str, sitemap_path: str) -> str:
    return (
        "# Every crawler may read every page; the sitemap lists them.\n"
        "User-agent: *\n"
        "Disallow:\n"
        "\n"
        f"Sitemap: {absolute_url(base, sitemap_path)}\n"
    )
