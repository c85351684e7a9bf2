"""The posts' microformats2, read by mf2py as IndieWeb sites and Bridgy read
them, and the Webmention endpoint the site advertises (issue 29, point 1):
in the pages' head, in `_headers` and in the nginx snippet, served by a real
nginx. Built for real with the production settings and a comment snapshot."""

from __future__ import annotations

import os
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import mf2py
import pytest

from commons import PUBLISH_SETTINGS
from commons.servers import free_port
from commons.static_server import parse_headers_file
from tests.browser.test_comments_nginx_guard import NGINX, Nginx
from tests.build.test_comment_snapshot_build import ISSO_URL, write_cache
from tests.conftest import SAMPLE_ARTICLE, copy_content, require

SITEURL = "https://commons.example.org"
SITENAME = 'Commons & "Friends" <i>'
SITE_ZONE = ZoneInfo("America/Denver")  # pelicanconf.TIMEZONE
THREAD_ID = "sharing-your-work-and-coworking-to-share"
HOSTILE_TITLE = 'Quotes "here" & <script>alert(1)</script>'
HOSTILE_AUTHOR = 'Eve "<b>bold</b>"'
HOSTILE_POST = f"""Title: {HOSTILE_TITLE}
Date: 2024-05-02 08:30
Author: {HOSTILE_AUTHOR}
Slug: hostile-names

The body of <em>the hostile</em> post.
"""
COMMENTS = [
    {
        "id": "1",
        "parent": None,
        "author": "Ana",
        "website": "https://ana.example.net/",
        "created": "2024-03-01T10:00:00Z",
        "text": "<p>First words</p>",
        "deleted": False,
    },
    {
        "id": "2",
        "parent": "1",
        "author": '<script>alert(2)</script>"Mal"',
        "website": None,
        "created": "2024-03-02T10:00:00Z",
        "text": "<p>A reply<script>alert(3)</script></p>",
        "deleted": False,
    },
]
# An endpoint whose path holds what would end a Link header's target, split
# its values, close an HTML attribute, or expand in an nginx string.
HOSTILE_ENDPOINT = 'https://mentions.example.org/in"box<a>$host,x'
HOSTILE_ENDPOINT_SENT = "https://mentions.example.org/in%22box%3Ca%3E%24host%2Cx"


def overrides(**webmention) -> dict:
    # Advertising is off by default (no endpoint receives yet): these builds turn it on.
    webmention = {"enabled": True, **webmention}
    return {
        "SITEURL": SITEURL,
        "SITENAME": SITENAME,
        "DISCUSSION": {
            "provider": "isso",
            "isso": {"url": ISSO_URL},
            "snapshot": {"refresh": "never"},
            "webmention": webmention,
        },
    }


@pytest.fixture
def site(build, tmp_path, comments_cache):
    content = copy_content(tmp_path / "content")
    (content / "hostile-names.md").write_text(HOSTILE_POST, encoding="utf-8")
    write_cache(comments_cache, THREAD_ID, COMMENTS)

    def run(**webmention) -> Path:
        return build(content, settings_file=PUBLISH_SETTINGS, overrides=overrides(**webmention))

    return run


def parsed(output: Path, page: str) -> dict:
    url = f"{SITEURL}/{page.removesuffix('index.html')}"
    return mf2py.parse(doc=(output / page).read_bytes(), url=url)


def published(props: dict) -> datetime:
    [value] = props["published"]
    return datetime.fromisoformat(value)


def entries(document: dict) -> list[dict]:
    return [item for item in document["items"] if "h-entry" in item["type"]]


def test_a_post_is_an_h_entry_with_its_comments_as_h_cites(site):
    output = site()
    document = parsed(output, SAMPLE_ARTICLE)
    [entry] = entries(document)
    props = entry["properties"]
    url = f"{SITEURL}/2011/03/sharing-your-work-and-coworking-to-share/"
    assert props["name"] == ["Sharing Your Work And (Co)Working To Share"]
    assert props["url"] == [url]
    assert published(props) == datetime(2011, 3, 7, 9, 0, tzinfo=SITE_ZONE)
    # No Author: the site is the author.
    [author] = props["author"]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == [SITENAME]
    assert author["properties"]["url"] == [f"{SITEURL}/"]
    [content] = props["content"]
    assert "the future of coworking" in content["value"]
    assert "<h2" in content["html"]
    # Only the post's own properties: not the related posts, the share links
    # or the navigation that are also in main.
    assert set(props) == {"name", "url", "published", "author", "content", "comment"}

    [first] = props["comment"]
    assert first["type"] == ["h-cite"]
    cite = first["properties"]
    assert cite["author"][0]["properties"]["name"] == ["Ana"]
    assert cite["author"][0]["properties"]["url"] == ["https://ana.example.net/"]
    assert cite["content"][0]["value"] == "First words"
    assert datetime.fromisoformat(cite["published"][0]) == datetime.fromisoformat(
        "2024-03-01T10:00:00+00:00"
    )
    assert cite["url"] == [url + "#discussion-comment-1"]
    # The reply is the comment's own p-comment, its author text and nothing more.
    [reply] = cite["comment"]
    assert reply["properties"]["author"][0]["properties"]["name"] == [
        '<script>alert(2)</script>"Mal"'
    ]
    assert reply["properties"]["content"][0]["value"] == "A reply"
    assert reply["properties"]["url"] == [url + "#discussion-comment-2"]
    assert "<script" not in reply["properties"]["content"][0]["html"]


def test_hostile_title_and_author_stay_text(site):
    output = site()
    [entry] = entries(parsed(output, "2024/05/hostile-names/index.html"))
    props = entry["properties"]
    assert props["name"] == [HOSTILE_TITLE]
    assert props["author"][0]["properties"]["name"] == [HOSTILE_AUTHOR]
    assert props["author"][0]["properties"]["url"] == [f"{SITEURL}/author/eve-bold/"]
    assert props["content"][0]["html"].strip() == ("<p>The body of <em>the hostile</em> post.</p>")


def test_the_home_page_is_an_h_feed_of_h_entries(site):
    output = site()
    document = parsed(output, "index.html")
    feeds = [item for item in document["items"] if "h-feed" in item["type"]]
    [feed] = feeds
    posts = feed["children"]
    assert posts and all(post["type"] == ["h-entry"] for post in posts)
    by_name = {post["properties"]["name"][0]: post["properties"] for post in posts}
    hostile = by_name[HOSTILE_TITLE]
    assert hostile["url"] == [f"{SITEURL}/2024/05/hostile-names/"]
    assert published(hostile) == datetime(2024, 5, 2, 8, 30, tzinfo=SITE_ZONE)
    assert hostile["author"][0]["properties"]["name"] == [HOSTILE_AUTHOR]
    sample = by_name["Sharing Your Work And (Co)Working To Share"]
    assert sample["summary"][0].startswith("Coworking is one part of something bigger")


def representative_h_card(document: dict, page_url: str) -> dict | None:
    """The microformats wiki's representative h-card parsing, its first rule:
    the h-card whose uid and url are both the page's own address. Bridgy Fed
    reads the site's profile (name, handle) from the home page's."""
    cards = []
    pending = list(document["items"])
    while pending:
        item = pending.pop()
        if "h-card" in item["type"]:
            cards.append(item)
        pending.extend(item.get("children", []))
        for values in item["properties"].values():
            pending.extend(value for value in values if isinstance(value, dict) and "type" in value)
    for card in cards:
        props = card["properties"]
        if page_url in props.get("uid", []) and page_url in props.get("url", []):
            return card
    return None


def test_the_home_page_has_the_sites_representative_h_card(site):
    output = site()
    home = parsed(output, "index.html")
    card = representative_h_card(home, f"{SITEURL}/")
    assert card is not None, home["items"]
    assert card["properties"]["name"] == [SITENAME]
    # On a post page the site's card names the home page, not the post: it
    # stays the site's card, and the post's own h-entry is unchanged.
    post = parsed(output, SAMPLE_ARTICLE)
    assert (
        representative_h_card(post, f"{SITEURL}/{SAMPLE_ARTICLE.removesuffix('index.html')}")
        is None
    )
    [site_card] = [item for item in post["items"] if "h-card" in item["type"]]
    assert site_card["properties"]["uid"] == [f"{SITEURL}/"]


def header_lines(output: Path) -> dict[str, str]:
    [(path, headers)] = parse_headers_file((output / "_headers").read_text(encoding="utf-8"))
    assert path == "/*"
    return headers


def served_link_header(output: Path, tmp_path: Path) -> str | None:
    """The `Link` header a real nginx sends for the post with the site's snippet."""
    require(Path(NGINX).exists(), "nginx", "apt-get install nginx")
    port = free_port()
    folder = tmp_path / "nginx"
    folder.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr;
events {{}}
http {{
    access_log off;
    client_body_temp_path {folder};
    proxy_temp_path {folder};
    fastcgi_temp_path {folder};
    uwsgi_temp_path {folder};
    scgi_temp_path {folder};
    server {{
        listen 127.0.0.1:{port};
        root {output};
        include {output}/nginx-security-headers.conf;
    }}
}}
""",
        encoding="utf-8",
    )
    server = Nginx(conf, port)
    with open(folder / "nginx.log", "w") as log:
        server.start(log)
        try:
            page = f"http://127.0.0.1:{port}/{SAMPLE_ARTICLE}"
            with urllib.request.urlopen(page, timeout=10) as response:
                return response.headers.get("Link")
        finally:
            server.stop()


def test_the_endpoint_is_advertised_by_default(build, tmp_path):
    # The comment server receives webmentions (commons/webmention): on unless turned off.
    settings = overrides()
    del settings["DISCUSSION"]["webmention"]
    output = build(settings_file=PUBLISH_SETTINGS, overrides=settings)
    endpoint = ISSO_URL + "webmention"
    assert parsed(output, SAMPLE_ARTICLE)["rels"]["webmention"] == [endpoint]
    assert header_lines(output)["Link"] == f'<{endpoint}>; rel="webmention"'
    nginx = (output / "nginx-security-headers.conf").read_text(encoding="utf-8")
    assert "Link" in nginx and f"<{endpoint}>" in nginx


def test_the_comment_servers_webmention_endpoint_is_advertised(site, tmp_path):
    output = site()
    endpoint = ISSO_URL + "webmention"
    assert parsed(output, SAMPLE_ARTICLE)["rels"]["webmention"] == [endpoint]
    assert parsed(output, "index.html")["rels"]["webmention"] == [endpoint]
    assert header_lines(output)["Link"] == f'<{endpoint}>; rel="webmention"'
    assert served_link_header(output, tmp_path) == f'<{endpoint}>; rel="webmention"'


def test_a_hostile_endpoint_is_percent_encoded_everywhere(site, tmp_path):
    output = site(endpoint=HOSTILE_ENDPOINT)
    assert parsed(output, SAMPLE_ARTICLE)["rels"]["webmention"] == [HOSTILE_ENDPOINT_SENT]
    assert header_lines(output)["Link"] == f'<{HOSTILE_ENDPOINT_SENT}>; rel="webmention"'
    assert served_link_header(output, tmp_path) == f'<{HOSTILE_ENDPOINT_SENT}>; rel="webmention"'


@pytest.mark.parametrize(
    "discussion",
    [
        {"webmention": {"enabled": False}},
        {"provider": "none"},
        {
            "provider": "giscus",
            "giscus": {"repo": "a/b", "repo_id": "R", "category": "C", "category_id": "D"},
        },
    ],
    ids=["disabled", "no-comment-server", "another-provider"],
)
def test_no_endpoint_no_advertisement(build, tmp_path, discussion):
    settings = overrides()
    settings["DISCUSSION"].update(discussion)
    output = build(settings_file=PUBLISH_SETTINGS, overrides=settings)
    assert "webmention" not in parsed(output, SAMPLE_ARTICLE)["rels"]
    assert "Link" not in header_lines(output)
    assert "Link" not in (output / "nginx-security-headers.conf").read_text(encoding="utf-8")
