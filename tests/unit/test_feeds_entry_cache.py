"""Each feed entry is serialised once per build and copied into every other feed."""

from __future__ import annotations

import datetime
import io

import pytest
from lxml import etree

from plugins.feeds.syndication import CommonsAtomFeed, CommonsRssFeed, kept_entries

PUBLISHED = datetime.datetime(2011, 3, 7, 9, 0, tzinfo=datetime.UTC)


def new_feed(feed_class, title: str, cache: dict | None):
    feed = feed_class(
        title=title,
        link="https://commons.example.org/",
        description="Commons",
        feed_url=f"https://commons.example.org/feeds/{title}.xml",
        feed_guid=f"tag:commons.example.org,2011:{title}",
    )
    feed.entry_cache = cache
    return feed


def add_post(feed, key, title="Sharing <Your> Work & Co") -> None:
    feed.add_item(
        title=title,
        link="https://commons.example.org/2011/03/sharing/",
        description="<p>Summary &amp; more</p>",
        content="<p>Full ]]> text</p>",
        unique_id="tag:commons.example.org,2011-03-07:sharing",
        unique_id_is_permalink=False,
        categories=["Community", "Coworking"],
        pubdate=PUBLISHED,
        comments="https://commons.example.org/2011/03/sharing/#discussion",
        authors=["Ann", "Bo"],
        entry_key=key,
    )


def written(feed) -> bytes:
    out = io.StringIO()
    feed.write(out, "utf-8")
    return out.getvalue().encode()


def entries(document: bytes) -> list[bytes]:
    root = etree.fromstring(document)
    found = root.findall(".//{http://www.w3.org/2005/Atom}entry") or root.findall(".//item")
    return [etree.tostring(entry, method="c14n") for entry in found]


@pytest.mark.parametrize("feed_class", [CommonsAtomFeed, CommonsRssFeed])
def test_a_cached_entry_is_the_entry_feedgenerator_writes(feed_class):
    cache: dict = {}
    uncached = new_feed(feed_class, "all", None)
    add_post(uncached, key=("post-1",))
    first, second = new_feed(feed_class, "all", cache), new_feed(feed_class, "community", cache)
    add_post(first, key=("post-1",))
    add_post(second, key=("post-1",))

    expected = written(uncached)
    # The feed that fills the cache and the one that reuses it write the very
    # same document as feedgenerator alone (apart from the feed's own title).
    assert written(first) == expected
    assert entries(written(second)) == entries(expected)
    assert list(cache) == [(feed_class.__name__, ("post-1",))]


def test_atom_and_rss_entries_of_one_post_are_kept_apart():
    cache: dict = {}
    atom, rss = new_feed(CommonsAtomFeed, "all", cache), new_feed(CommonsRssFeed, "all", cache)
    add_post(atom, key=("post-1",))
    add_post(rss, key=("post-1",))
    assert len(entries(written(atom))) == len(entries(written(rss))) == 1
    assert len(cache) == 2


def test_an_entry_without_a_key_is_written_each_time():
    cache: dict = {}
    feed = new_feed(CommonsAtomFeed, "all", cache)
    add_post(feed, key=None, title="One")
    add_post(feed, key=None, title="Two")
    titles = [
        etree.fromstring(entry).findtext("{http://www.w3.org/2005/Atom}title")
        for entry in entries(written(feed))
    ]
    assert titles == ["One", "Two"]
    assert cache == {}


@pytest.mark.parametrize("feed_class", [CommonsAtomFeed, CommonsRssFeed])
def test_kept_entries_are_each_entrys_text_as_written(feed_class):
    cache: dict = {}
    feed = new_feed(feed_class, "all", cache)
    # Titles holding the entry elements' own tags (escaped in the feed).
    add_post(feed, key=("post-1",), title="Ends </entry></item> here <id>x</id>")
    feed.add_item(
        title="<guid>Second</guid> & <entry>",
        link="https://commons.example.org/2011/03/second/",
        description="<p>Two</p>",
        unique_id="tag:commons.example.org,2011-03-07:second&more",
        unique_id_is_permalink=False,
        pubdate=PUBLISHED,
        entry_key=("post-2",),
    )
    text = written(feed).decode()

    kept = kept_entries(feed_class, text)

    name = feed_class.__name__
    assert kept == {
        "tag:commons.example.org,2011-03-07:sharing": cache[(name, ("post-1",))],
        "tag:commons.example.org,2011-03-07:second&more": cache[(name, ("post-2",))],
    }
