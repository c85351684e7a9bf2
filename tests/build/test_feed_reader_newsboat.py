"""A real feed reader subscribes to the served feeds: Debian's newsboat, headless.

newsboat fetches over HTTP from 127.0.0.1, parses with its own parser (not
Python's) and stores what it read in its SQLite cache, which the test reads.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from commons.servers import free_port
from tests.conftest import SAMPLE_TITLE, require, run_newsboat

SAMPLE_PATH = "2011/03/sharing-your-work-and-coworking-to-share/"


@pytest.mark.parametrize("feed", ["feeds/all.atom.xml", "feeds/category/community.rss.xml"])
def test_newsboat_reads_the_sample_article_from_the_served_feed(tmp_path, build, served_site, feed):
    newsboat = shutil.which("newsboat")
    require(newsboat is not None, "newsboat", "apt-get install newsboat")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    # Built for the address it is served from, as `invoke serve` does for port 8000.
    output = build(overrides={"FEED_DOMAIN": site})
    server = served_site(output, port=port)
    assert server.url == f"{site}/"

    folder = tmp_path / "newsboat"
    completed = run_newsboat(newsboat, f"{site}/{feed}", folder, "reload", "print-unread")
    cache = folder / "cache.db"
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "1 unread articles"

    with sqlite3.connect(cache) as database:
        feeds = database.execute("SELECT rssurl, title FROM rss_feed").fetchall()
        items = database.execute("SELECT feedurl, title, url, guid FROM rss_item").fetchall()
    assert feeds[0][0] == f"{site}/{feed}"
    assert feeds[0][1].startswith("Cohere Commons")
    assert items == [
        (
            f"{site}/{feed}",
            SAMPLE_TITLE,
            f"{site}/{SAMPLE_PATH}",
            "tag:commons.example.org,2011-03:post/sharing-your-work-and-coworking-to-share",
        )
    ]
