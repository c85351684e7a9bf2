"""The site's addresses (commons.urls) and how messages name a content file (commons.paths)."""

from __future__ import annotations

import pytest

from commons.paths import source_name
from commons.urls import absolute_url, page_url, site_base

LOCAL = {"SITEURL": "", "FEED_DOMAIN": "http://127.0.0.1:8000"}


def test_the_base_is_siteurl_in_production_and_feed_domain_locally():
    assert site_base(LOCAL) == "http://127.0.0.1:8000"
    assert site_base({**LOCAL, "SITEURL": "https://x.org/"}) == "https://x.org"
    assert site_base({"SITEURL": "..", "FEED_DOMAIN": None}) == ""


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("index.html", ""),
        ("2011/03/post/index.html", "2011/03/post/"),
        ("404.html", "404.html"),
        ("about/", "about/"),
        ("notindex.html", "notindex.html"),
    ],
)
def test_an_output_file_is_served_at_its_folder_when_it_is_an_index(path, url):
    assert page_url(path) == url


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("https://x.org", "2011/03/a/", "https://x.org/2011/03/a/"),
        ("https://x.org/", "/2011/03/a/", "https://x.org/2011/03/a/"),
        ("https://x.org/blog", "a/", "https://x.org/blog/a/"),
        ("https://x.org", "2011/03/post/index.html", "https://x.org/2011/03/post/"),
        ("https://x.org", "", "https://x.org/"),
        ("https://x.org", "https://elsewhere.org/a", "https://elsewhere.org/a"),
        # A local build's SITEURL: "" (the site's root) or relative to the page.
        ("", "2011/03/a/", "/2011/03/a/"),
        ("../..", "feeds/all.atom.xml", "../../feeds/all.atom.xml"),
    ],
)
def test_absolute_url(base, url, expected):
    assert absolute_url(base, url) == expected


def test_a_source_is_named_by_its_path_in_the_content_folder():
    root = "/site/content"
    assert source_name("/site/content/2011/post.md", root) == "2011/post.md"
    assert source_name("/site/content/pages/about.md", root) == "pages/about.md"
    assert source_name(None, root) == "<unknown file>"
