"""The site's addresses (commons.urls) and how messages name a content file (commons.paths)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from commons.paths import relative_posix, source_name
from commons.urls import absolute_url, is_safe_url, page_url, site_base

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


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "jav\tascript:alert(1)",
        "java\nscript:alert(1)",
        "\x01\x1fjavascript:alert(1)",
        "&#x6A;avascript&colon;alert(1)",
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "VBScript&#58;msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "DATA:image/svg+xml,<svg onload=alert(1)>",
        "livescript:x",
    ],
)
def test_script_urls_are_unsafe_however_spelt(url):
    assert not is_safe_url(url)
    assert not is_safe_url(url, image=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a?b=c#d",
        "http://example.org/",
        "/2020/01/post/",
        "../images/a.png",
        "#section",
        "{static}/images/a.png",
        "{filename}/post.md",
        "mailto:someone@example.org",
        "tel:+331234",
        "javascript-notes/",
        "a.html?next=javascript:x",
    ],
)
def test_ordinary_addresses_are_safe(url):
    assert is_safe_url(url)


def test_a_raster_data_image_is_safe_only_as_a_picture():
    url = "data:image/png;base64,iVBORw0KGgo="
    assert is_safe_url(url, image=True)
    assert not is_safe_url(url)


@pytest.mark.parametrize(
    "output", ["/srv/site/output", "/srv/site/output/", "/", "/srv/./site/../out"]
)
@pytest.mark.parametrize(
    "name",
    [
        "index.html",
        "2011/03/a-post/index.html",
        "tag/x/page/2/index.html",
        "a//b.html",
        "a/./b.html",
        "a/../b.html",
        "../outside.html",
        "",
    ],
)
def test_a_path_inside_a_folder_is_what_relpath_gives(output, name):
    for path in (os.path.join(output, name), os.path.abspath(os.path.join(output, name))):
        assert relative_posix(path, output) == Path(os.path.relpath(path, output)).as_posix()
