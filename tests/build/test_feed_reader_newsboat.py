"""A real feed reader subscribes to the served feeds: Debian's newsboat, headless.

newsboat fetches over HTTP from 127.0.0.1, parses with its own parser (not
Python's) and stores what it read in its SQLite cache, which the test reads.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest

from commons.servers import free_port
from tests.conftest import SAMPLE_TITLE, require

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

    home = tmp_path / "home"
    home.mkdir()
    urls = tmp_path / "urls"
    urls.write_text(f"{site}/{feed}\n", encoding="utf-8")
    config = tmp_path / "config"
    config.write_text("", encoding="utf-8")
    cache = tmp_path / "cache.db"
    environment = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    completed = subprocess.run(
        [newsboat, "-u", urls, "-c", cache, "-C", config, "-x", "reload", "print-unread"],
        env={
            **environment,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
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
