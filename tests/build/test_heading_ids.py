"""Headings get stable ids, and in-page links to them resolve."""

from __future__ import annotations

from tests.conftest import copy_content, parse_html

POST = """Title: Directions
Date: 2020-01-01

Jump to [getting there](#getting-there) or [the second one](#getting-there_1).

## Getting there

By bike.

## Getting there

By bus.
"""


def test_headings_have_ids_and_in_page_links_reach_them(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "directions.md").write_text(POST)
    output = build(content=content)

    page = parse_html(output / "2020" / "01" / "directions" / "index.html")
    body = page.xpath('//div[contains(@class, "entry-content")]')[0]
    headings = body.xpath(".//h2")
    ids = [heading.get("id") for heading in headings]
    assert len(ids) == 2 and all(ids) and len(set(ids)) == 2
    all_ids = set(page.xpath("//@id"))
    links = [href for href in body.xpath(".//a/@href") if href.startswith("#")]
    assert len(links) == 2
    for href in links:
        assert href[1:] in all_ids, f"{href} reaches no element"
    # Each link reaches its own heading, in order.
    assert [href[1:] for href in links] == ids


def test_in_page_links_in_a_summary_point_at_the_post(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "directions.md").write_text(POST)
    output = build(content=content)

    home = parse_html(output / "index.html")
    summary = home.xpath(
        '//article[.//a[contains(@href, "directions")]]//div[contains(@class, "post-summary-text")]'
    )[0]
    hrefs = summary.xpath(".//a/@href")
    assert hrefs and all("2020/01/directions/#" in href for href in hrefs), hrefs
    post = parse_html(output / "2020" / "01" / "directions" / "index.html")
    ids = set(post.xpath("//@id"))
    for href in hrefs:
        assert href.split("#", 1)[1] in ids
