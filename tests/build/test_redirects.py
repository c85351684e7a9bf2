"""plugins/redirects: content/redirects/*.txt -> _redirects, an nginx map and HTML pages.

An editor writes the redirect files (the WordPress importer does too), so a
line may be hostile: it may point off the site, at a script URL, outside the
output folder, or over a page Commons generates. Each is refused or ignored.
"""

from __future__ import annotations

import pytest

from commons import PUBLISH_SETTINGS
from commons.build import BuildError
from commons.linkcheck import broken_links, broken_redirects
from tests.conftest import SAMPLE_ARTICLE, copy_content, parse_html

SAMPLE_SOURCE = "{filename}/sharing-your-work-and-coworking-to-share.md"
SAMPLE_URL = "/" + SAMPLE_ARTICLE.removesuffix("index.html")


def with_redirects(tmp_path, *lines: str):
    content = copy_content(tmp_path / "content")
    (content / "redirects").mkdir()
    (content / "redirects" / "old.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return content


def test_redirects_are_written_in_three_forms(build, tmp_path):
    content = with_redirects(
        tmp_path,
        "# a comment",
        f"/2011/03/07/sharing/ {SAMPLE_SOURCE}",
        f"/?p=12 {SAMPLE_SOURCE}",
        "/category/coworking-news/ {category}Coworking",
        "/feed/ /feeds/all.atom.xml",
        "/about/ {filename}/pages/about.md",  # the new address is the old one: nothing to do
    )
    output = build(content=content)
    rules = (output / "_redirects").read_text().splitlines()[1:]
    assert rules == [
        f"/2011/03/07/sharing/ {SAMPLE_URL} 301",
        f"/ p=12 {SAMPLE_URL} 301",
        "/category/coworking-news/ /category/coworking/ 301",
        "/feed/ /feeds/all.atom.xml 301",
    ]
    nginx = (output / "nginx-redirects.conf").read_text()
    assert f'"12" "{SAMPLE_URL}";' in nginx
    assert f'"/2011/03/07/sharing" "{SAMPLE_URL}";' in nginx
    page = parse_html(output / "2011" / "03" / "07" / "sharing" / "index.html")
    assert page.xpath("//link[@rel='canonical']/@href") == [SAMPLE_URL]
    assert page.xpath("//a/@href") == [SAMPLE_URL]
    assert "This page has moved" not in (output / "about" / "index.html").read_text()
    assert not (output / "index.html").read_text().startswith("<!doctype html>\n<html lang")
    origin = "http://127.0.0.1:8000"
    assert broken_redirects(output, origin) == []
    assert broken_links(output, origin) == []


def test_production_targets_are_absolute(build, tmp_path):
    content = with_redirects(tmp_path, f"/old/ {SAMPLE_SOURCE}")
    output = build(content=content, settings_file=PUBLISH_SETTINGS)
    rules = (output / "_redirects").read_text().splitlines()
    assert rules[1] == f"/old/ https://commons.example.org{SAMPLE_URL} 301"
    assert broken_redirects(output, "https://commons.example.org") == []


def test_a_redirect_never_replaces_a_page_commons_generates(build, tmp_path):
    content = with_redirects(tmp_path, f"/archives/ {SAMPLE_SOURCE}", f"/404.html {SAMPLE_SOURCE}")
    output = build(content=content)
    assert parse_html(output / "archives" / "index.html").find(".//main") is not None
    assert "This page has moved" not in (output / "404.html").read_text()
    assert not (output / "_redirects").exists()


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/old/ javascript:alert(1)", "is not a file the build writes"),
        ("/old/ https://evil.example/phish", "is not a file the build writes"),
        ("/old/ /no/such/page/", "is not in the built site"),
        ("/old/ {filename}/no-such-post.md", "names no published filename"),
        ("/../../outside/ " + SAMPLE_SOURCE, "'..'"),
        ("https://evil.example/old/ " + SAMPLE_SOURCE, "is not a path of this site"),
        ("/%0d%0aSet-Cookie:x/ " + SAMPLE_SOURCE, "control character"),
        ("/?q=search " + SAMPLE_SOURCE, "?p=ID"),
        ("/old/", "no target"),
    ],
    ids=[
        "script-url",
        "other-origin",
        "missing-path",
        "missing-post",
        "dot-dot",
        "absolute-old",
        "crlf",
        "other-query",
        "no-target",
    ],
)
def test_a_bad_redirect_line_stops_the_build(line, says, build, tmp_path):
    content = with_redirects(tmp_path, line)
    with pytest.raises(BuildError) as failure:
        build(content=content)
    message = str(failure.value)
    assert "redirects/old.txt:1" in message and says in message
    assert "Fix:" in message or says == "no target"


def test_redirect_pages_are_valid_html(build, tmp_path):
    from tests.build.test_html_validity import run_vnu

    content = with_redirects(tmp_path, f"/old/post/ {SAMPLE_SOURCE}", "/feed/ /feeds/all.atom.xml")
    output = build(content=content)
    pages = tmp_path / "pages"
    for old in ("old/post", "feed"):
        (pages / old).mkdir(parents=True)
        (pages / old / "index.html").write_bytes((output / old / "index.html").read_bytes())
    checked, messages = run_vnu(pages)
    assert len(checked) == 2
    assert [m["message"] for m in messages if m["type"] in ("error", "non-document-error")] == []


def test_a_redirect_page_never_lands_on_a_hidden_name(build, tmp_path):
    # A static host reads .htaccess and .well-known/ as its own: no page goes there,
    # and the build names each line instead of skipping it in silence.
    content = with_redirects(
        tmp_path,
        f"/.htaccess {SAMPLE_SOURCE}",
        f"/.well-known/change-password {SAMPLE_SOURCE}",
        f"/kept/ {SAMPLE_SOURCE}",
    )
    with pytest.raises(BuildError) as failed:
        build(content=content)
    message = str(failed.value)
    assert "redirects/old.txt:1:" in message and "'/.htaccess'" in message
    assert "redirects/old.txt:2:" in message and "/.well-known/change-password" in message
    assert "redirects/old.txt:3:" not in message
