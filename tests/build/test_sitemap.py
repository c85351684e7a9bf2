"""sitemap.xml lists every public page with its last change; production's
robots.txt points at it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from tests.conftest import SAMPLE_ARTICLE, copy_content

SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_entries(output: Path) -> dict[str, str | None]:
    document = etree.parse(str(output / "sitemap.xml"))
    assert document.getroot().tag == f"{{{SITEMAP['s']}}}urlset"
    return {
        url.findtext("s:loc", namespaces=SITEMAP): url.findtext("s:lastmod", namespaces=SITEMAP)
        for url in document.getroot()
    }


def page_for(output: Path, base: str, loc: str) -> Path:
    assert loc.startswith(base + "/"), loc
    path = output / urlsplit(loc).path.lstrip("/")
    return path / "index.html" if loc.endswith("/") else path


def test_production_sitemap_lists_public_pages_with_absolute_urls(published_site):
    base = "https://commons.example.org"
    entries = sitemap_entries(published_site)
    article = f"{base}/{SAMPLE_ARTICLE.removesuffix('index.html')}"
    assert entries[article] == "2011-03-07T09:00:00-07:00"
    assert entries[f"{base}/"] == "2011-03-07T09:00:00-07:00"
    assert f"{base}/about/" in entries
    assert f"{base}/category/community/" in entries
    for loc, lastmod in entries.items():
        assert page_for(published_site, base, loc).is_file(), loc
        if lastmod is not None:
            datetime.fromisoformat(lastmod)
    assert not any("/drafts/" in loc for loc in entries)


def test_production_robots_txt_points_at_the_sitemap(published_site):
    lines = (published_site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: https://commons.example.org/sitemap.xml" in lines
    directives = [line for line in lines if line.startswith("Disallow:")]
    assert directives == ["Disallow:"]  # nothing is off limits


def test_local_builds_have_a_sitemap_on_the_local_server_and_no_robots_txt(built_site):
    entries = sitemap_entries(built_site)
    assert "http://127.0.0.1:8000/" in entries
    assert not (built_site / "robots.txt").exists()
    # Pages for people already on the site: written, but not listed.
    for unlisted in ("search/index.html", "drafts/index.html", "404.html"):
        assert (built_site / unlisted).is_file()
        loc = "http://127.0.0.1:8000/" + unlisted.removesuffix("index.html")
        assert loc not in entries


def test_drafts_are_left_out_and_a_listing_is_dated_by_its_newest_post(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "newer.md").write_text(
        "Title: A Newer Post\nDate: 2013-05-06 07:08\nModified: 2013-06-01 12:00\n"
        "Category: Community\n\nFresh news.\n",
        encoding="utf-8",
    )
    (content / "unfinished.md").write_text(
        "Title: Unfinished\nDate: 2014-01-01\nStatus: draft\nCategory: Community\n\nSoon.\n",
        encoding="utf-8",
    )
    output = build(content=content)
    entries = sitemap_entries(output)
    assert (output / "drafts/unfinished/index.html").is_file()  # built for preview ...
    assert not any("unfinished" in loc for loc in entries)  # ... but not listed
    base = "http://127.0.0.1:8000"
    assert entries[f"{base}/2013/05/a-newer-post/"] == "2013-06-01T12:00:00-06:00"
    assert entries[f"{base}/category/community/"] == "2013-06-01T12:00:00-06:00"
    assert entries[f"{base}/category/coworking/"] == "2011-03-07T09:00:00-07:00"
