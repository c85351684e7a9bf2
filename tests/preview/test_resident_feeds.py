"""A resident save makes the feed entry of its post alone: every other entry is the output's.

A post is an entry of several feeds (all posts, its category, each of its tags,
its author; Atom and RSS). On a save the preview's resident path takes (one
post's title or body), the feeds holding the post are written again, and the
entries of the other posts are taken, as they are, from the output's copy of
each feed (plugins/feeds/writer.py, `kept_feeds`). The preview says how many
entries it made and kept; the feeds stay those of a fresh build, byte for byte.
"""

from __future__ import annotations

import datetime
import re

from lxml import etree

from tests.preview.helpers import PreviewProcess, Site, differences

ATOM = "{http://www.w3.org/2005/Atom}"
POSTS = 8
UP_TO_DATE = re.compile(r"Site up to date in .*\((.*)\)\.")
ENTRIES = re.compile(r"^resident model: .*, feed entries (\d+) made, (\d+) kept$")


def post_ids(feed) -> list[str]:
    """The ids of a feed's entries (Atom) or items (RSS), in order."""
    root = etree.parse(str(feed)).getroot()
    found = root.findall(f"{ATOM}entry/{ATOM}id") + root.findall("channel/item/guid")
    return [element.text for element in found]


def write_posts(site: Site) -> None:
    # Every post names its slug: a new title keeps its address.
    for number in range(POSTS):
        site.write_post(
            f"post-{number}.md",
            title=f"Post number {number}",
            date=datetime.datetime(2024, 1 + number, 3, 9, 30),
            category="Community" if number % 3 else "Events",
            tags=["garden"] if number % 2 else ["coffee", "garden"],
            body=f"The body of post {number}, with a first paragraph.",
            slug=f"post-number-{number}",
        )


def saved(preview: PreviewProcess, path, text: str) -> str:
    """Save `text` into `path`; wait until the preview has said its site is up to
    date again; what it said it rendered."""
    before = len(UP_TO_DATE.findall(preview.log.read_text()))
    rests = preview.status()["rests"]
    path.write_text(text, encoding="utf-8")
    state = preview.settle(rests)
    assert state["error"] is None, state["error"]
    said = UP_TO_DATE.findall(preview.log.read_text())
    assert len(said) > before, preview.log.read_text()
    return said[-1]


def test_a_resident_save_makes_only_its_posts_feed_entries(tmp_path):
    site = Site(tmp_path / "site", posts=0)
    write_posts(site)
    post = site.content / "post-5.md"
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:
        output = preview.output
        text = post.read_text(encoding="utf-8")
        for number, edit in enumerate(
            [
                text.replace("Title: Post number 5", "Title: A new title, once"),
                text.replace("with a first paragraph", "with a first paragraph, edited"),
            ]
        ):
            summary = saved(preview, post, edit)
            found = ENTRIES.fullmatch(summary)
            assert found, f"not a resident save: {summary}\n{preview.log.read_text()}"
            made, kept = int(found[1]), int(found[2])
            # The feeds holding the post (every one of them rendered again).
            holding = [
                feed
                for feed in sorted((output / "feeds").rglob("*.xml"))
                if any(identifier.endswith(":post/post-number-5") for identifier in post_ids(feed))
            ]
            # All posts, its category, its tag (and author, if it has one): Atom and RSS.
            assert len(holding) >= 6, holding
            others = sum(len(post_ids(feed)) - 1 for feed in holding)
            # Its one entry, worked out once for Atom and RSS alike (the RSS
            # feeds carry the full post too); none of the others' made again.
            assert (made, kept) == (1, others), summary
            fresh = site.fresh_build(tmp_path / f"fresh-{number}")
            assert differences(fresh, output) == [], preview.log.read_text()
