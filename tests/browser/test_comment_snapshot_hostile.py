"""A hostile comment corpus in the snapshot cache renders as text and runs nothing.

The cache is written directly, as a compromised comment server (or a hand-
edited, committed cache) could: the build must not trust it any more than the
server. Checked in Chromium with JavaScript on.
"""

from __future__ import annotations

import json

import pytest

from commons.build import build_site
from commons.comments.snapshot import thread_file
from tests.conftest import SAMPLE_ARTICLE, SAMPLE_CONTENT, isso_snapshots, parse_html

THREAD_ID = "sharing-your-work-and-coworking-to-share"
RTL = "שלום עולם \u202eevil\u202c مرحبا"
LONG = "word " * 10_240  # 50 KB in one comment
HOSTILE = [
    {
        "id": "1",
        "parent": None,
        "author": "<script>window.__pwned='author'</script>",
        "website": "javascript:window.__pwned='website'",
        "created": "2024-01-01T10:00:00Z",
        "text": "<p>one</p><script>window.__pwned='script'</script>"
        "<img src=x onerror=\"window.__pwned='img'\">"
        "<a href=\"javascript:window.__pwned='href'\">link</a>"
        '<a href="https://example.org/">out</a>'
        '<iframe src="https://example.org/"></iframe>'
        "<style>body{display:none}</style>"
        '<p id="discussion-heading" class="discussion-gate" onclick="x()">ids</p>',
        "deleted": False,
    },
    {
        "id": "discussion",
        "parent": "1",
        "author": RTL,
        "website": "https://ok.example/",
        "created": "2024-01-02T10:00:00Z",
        "text": "<p dir=rtl>" + RTL + "</p>",
        "deleted": False,
    },
    {
        "id": "3\"><script>window.__pwned='id'</script>",
        "parent": None,
        "author": "Long",
        "website": "data:text/html,<script>alert(1)</script>",
        "created": "2024-01-03T10:00:00Z",
        "text": LONG,
        "deleted": False,
    },
    {
        "id": "4",
        "parent": "4",
        "author": "Loop",
        "website": None,
        "created": "2024-01-04T10:00:00Z",
        "text": "self parent",
        "deleted": False,
    },
    {
        "id": "1",
        "parent": None,
        "author": "Duplicate",
        "website": None,
        "created": "2024-01-05T10:00:00Z",
        "text": "DUPLICATE-ID",
        "deleted": False,
    },
    {
        "id": "6",
        "parent": None,
        "author": None,
        "website": None,
        "created": "2024-01-06T10:00:00Z",
        "text": "DELETED-TEXT",
        "deleted": True,
    },
]

pytestmark = pytest.mark.browser


def test_hostile_snapshot_renders_as_text_and_runs_nothing(tmp_path, comments_cache, browser):
    path = thread_file(isso_snapshots(comments_cache, "http://127.0.0.1:9/"), THREAD_ID)
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "thread": THREAD_ID,
                "provider": "isso",
                "fetched": "2024-02-01T00:00:00Z",
                "comments": HOSTILE,
                "feed": "javascript:alert(1)",
            }
        ),
        encoding="utf-8",
    )
    output = build_site(
        tmp_path / "output",
        content=SAMPLE_CONTENT,
        overrides={
            "DISCUSSION": {
                "provider": "isso",
                "isso": {"url": "http://127.0.0.1:9/"},
                "snapshot": {"refresh": "never"},
            }
        },
    ).output
    tree = parse_html(output / SAMPLE_ARTICLE)
    snapshot = tree.xpath("//*[@data-discussion-snapshot]")[0]
    assert not snapshot.xpath(".//script|.//img|.//iframe|.//style|.//*[@onclick or @onerror]")
    assert not snapshot.xpath(
        './/a[starts-with(@href, "javascript:") or starts-with(@href, "data:")]'
    )
    # Ids from comments are namespaced: the theme's ids stay unique.
    for theme_id in ("discussion", "discussion-heading", "discussion-config"):
        assert len(tree.xpath(f'//*[@id="{theme_id}"]')) <= 1, theme_id
    assert all(i.startswith("discussion-comment-") for i in snapshot.xpath(".//@id"))
    assert not snapshot.xpath('.//*[contains(@class, "discussion-gate")]')
    # Links out are marked as user content.
    for link in snapshot.xpath('.//a[starts-with(@href, "http")]'):
        assert "nofollow" in link.get("rel") and "ugc" in link.get("rel")
    text = snapshot.text_content()
    assert "DUPLICATE-ID" not in text and "DELETED-TEXT" not in text
    assert "self parent" in text and LONG.strip()[:200] in text

    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto((output / SAMPLE_ARTICLE).as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert [url for url in requests if not url.startswith("file://")] == []
    author = page.locator("[data-discussion-snapshot] .comment-author").first
    assert author.inner_text() == "<script>window.__pwned='author'</script>"
    assert author.locator("a").count() == 0  # the javascript: website is not a link
    rtl = page.locator("[data-discussion-snapshot] bdi.comment-author", has_text="שלום")
    assert rtl.count() == 1
    # The RTL author does not reorder the date after it.
    assert "2 January 2024" in rtl.locator("xpath=..").inner_text()
