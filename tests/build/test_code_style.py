"""Highlighted code gets colours for both schemes, readable, only where there is code."""

from __future__ import annotations

import re

from plugins.code_style.code_style import BACKGROUNDS, MIN_CONTRAST, contrast
from tests.conftest import SAMPLE_ARTICLE, copy_content, parse_html

CODE_POST = """Title: A snippet
Date: 2020-01-01
Slug: a-snippet

Here is some Python:

    :::python
    def greet(name):
        # Say hello.
        return f"Hello, {name}!"  # a string
"""


def test_pages_with_code_link_readable_code_colours(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "a-snippet.md").write_text(CODE_POST)
    output = build(content=content)

    post = parse_html(output / "2020" / "01" / "a-snippet" / "index.html")
    assert post.xpath('//div[@class="highlight"]//span[@class="k"]')
    links = post.xpath('//link[@rel="stylesheet"]/@href')
    assert any(href.endswith("theme/css/code.css") for href in links)

    css = (output / "theme" / "css" / "code.css").read_text()
    keyword = re.search(r"\.highlight \.k\{color:light-dark\((#\w+),(#\w+)\)", css)
    assert keyword, css[:500]
    colours = re.findall(r"light-dark\((#\w+),(#\w+)\)", css)
    assert len(colours) > 20
    for light, dark in colours:
        assert contrast(light, BACKGROUNDS["light"]) >= MIN_CONTRAST
        assert contrast(dark, BACKGROUNDS["dark"]) >= MIN_CONTRAST


def test_pages_without_code_do_not_load_the_code_colours(built_site):
    sample = parse_html(built_site / SAMPLE_ARTICLE)
    links = sample.xpath('//link[@rel="stylesheet"]/@href')
    assert not any("code.css" in href for href in links)
