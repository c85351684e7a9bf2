"""No input makes a build slow: posts that cost Pelican minutes build in seconds."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from commons import DEV_SETTINGS
from plugins.discussion.snapshot import MAX_DEPTH
from tests.conftest import parse_html

# About 100 KB each, under GUARD['sources']' 2 MB: lines with no word in them, so
# a word counter never stops early, and lines of tags around one character.
THE_END = ["The", "end", "of", "the", "post"]
# slug: (the line repeated, the summary's words). Fifty words
# (SUMMARY_MAX_LENGTH): a post whose lines have none is summed up by its last
# paragraph; one whose lines each hold a word, by its first fifty lines.
SLOW_SUMMARY_LINES = {
    "named-entities": ("&gt;", THE_END),
    "ampersands": ("&amp;", THE_END),
    "decimal-references": ("&#62;", THE_END),
    "hex-references": ("&#x3e;", THE_END),
    "bold-brackets": ("<b>&gt;</b>", THE_END),
    "line-breaks": ("<br>", THE_END),
    "stray-end-tags": ("</i>", THE_END),
    "bold-words": ("<b>x</b>", ["x"] * 50),
}
POST_BYTES = 100_000
# A comment of the snapshot: its class list holds "comment" (and its microformats).
COMMENT_ITEMS = "//li[contains(concat(' ', @class, ' '), ' comment ')]"


def slow_summary_posts(content) -> None:
    for slug, (line, _words) in SLOW_SUMMARY_LINES.items():
        body = "\n".join([line] * (POST_BYTES // (len(line) + 1)))
        (content / f"{slug}.md").write_text(
            f"Title: {slug}\nDate: 2020-01-01\nSlug: {slug}\n\n{body}\n\nThe end of the post.\n",
            encoding="utf-8",
        )


@pytest.mark.timeout(30)
def test_posts_without_words_build_in_seconds_with_their_summaries(build, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    slow_summary_posts(content)
    started = time.monotonic()
    output = build(content=content, settings_file=DEV_SETTINGS)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"{len(SLOW_SUMMARY_LINES)} posts took {elapsed:.1f} s"
    listed = {}
    for page in output.glob("**/index.html"):
        for entry in parse_html(page).xpath('//article[contains(@class, "post-summary")]'):
            title = entry.xpath("string(.//h2)").strip()
            listed[title] = entry.xpath('string(.//div[contains(@class, "post-summary-text")])')
    assert set(listed) == set(SLOW_SUMMARY_LINES)
    for title, summary in listed.items():
        assert re.findall(r"\w+", summary) == SLOW_SUMMARY_LINES[title][1], title


def remark42_chain(depth: int) -> bytes:
    """Remark42's tree answer for one thread: a chain of `depth` replies, each
    the only reply to the one before; written out flat (json.dumps recurses)."""
    opening = (
        '{"comment": {"id": "c%05d", "text": "<p>Reply %d</p>", "user": {"name": "N%d"}, '
        '"time": "2024-01-01T00:00:00Z"}, "replies": ['
    )
    nodes = "".join(opening % (level, level, level) for level in range(depth))
    return ('{"comments": [' + nodes + "]}" * depth + "]}").encode()


@pytest.fixture
def remark42_server():
    """A factory: an HTTP server on loopback answering every thread with `body`."""
    servers = []

    def serve(body: bytes) -> str:
        class Answer(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("depth", [500, 5000])
def test_a_remark42_reply_chain_of_any_depth_is_fetched_cached_and_shown(
    depth, build, tmp_path, fetch_comments, remark42_server, monkeypatch
):
    content = tmp_path / "content"
    content.mkdir()
    (content / "talk.md").write_text(
        "Title: Talk\nDate: 2020-01-01\nSlug: talk\n\nSay something.\n", encoding="utf-8"
    )
    host = remark42_server(remark42_chain(depth))
    settings = {
        "SITEURL": "https://commons.example.org",
        "DISCUSSION": {"provider": "remark42", "remark42": {"host": host}},
    }
    output = build(content=content, overrides=settings)
    # Cached (in the server's own folder): not fetched again.
    assert len(list(fetch_comments.glob("remark42-*/*.json"))) == 1

    page = parse_html(output / "2020/01/talk/index.html")
    shown = page.xpath(COMMENT_ITEMS)
    assert len(shown) == depth
    assert shown[-1].xpath('string(.//div[contains(@class, "comment-text")])') == (
        f"Reply {depth - 1}"
    )
    # Deep replies are listed at the last level the page nests, in order.
    deepest = max(len(item.xpath('ancestor::ol[@class="comment-replies"]')) for item in shown)
    assert deepest <= MAX_DEPTH

    # The next build reads the cache alone (offline) and shows the same thread.
    monkeypatch.setenv("COMMONS_COMMENTS_OFFLINE", "1")
    again = parse_html(build(content=content, overrides=settings) / "2020/01/talk/index.html")
    assert len(again.xpath(COMMENT_ITEMS)) == depth
