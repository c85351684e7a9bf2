"""A commenter's name cannot reorder the recent discussions feed's titles."""

from __future__ import annotations

import feedparser

from tests.build.test_comment_snapshot_build import overrides, write_cache

RLO, PDF, LRI, FSI, PDI = "\u202e", "\u202c", "\u2066", "\u2068", "\u2069"
NAMES = {
    "1": f"Eve {RLO}evil",  # an override never closed: the rest of the title reversed
    "2": f"Mal{PDI}{PDI} {LRI}x",  # stray terminators and an isolate never closed
    "3": f"Ann{PDF}",
}


def test_names_are_isolated_in_the_recent_discussions_feed(build, tmp_path, comments_cache):
    content = tmp_path / "content"
    content.mkdir()
    (content / "talk.md").write_text(
        f"Title: Talk {RLO}here\nDate: 2020-01-01\nSlug: talk\n\nSay something.\n",
        encoding="utf-8",
    )
    comments = [
        {
            "id": identifier,
            "parent": None,
            "author": name,
            "website": None,
            "created": f"2024-03-0{identifier}T10:00:00Z",
            "text": "<p>Hello</p>",
            "deleted": False,
        }
        for identifier, name in NAMES.items()
    ]
    write_cache(comments_cache, "talk", comments)
    output = build(content=content, overrides=overrides())

    feed = feedparser.parse((output / "feeds/discussions.atom.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        f"{FSI}Ann{PDI} on {FSI}Talk here{PDI}",
        f"{FSI}Mal x{PDI} on {FSI}Talk here{PDI}",
        f"{FSI}Eve evil{PDI} on {FSI}Talk here{PDI}",
    ]
    assert [entry.author for entry in feed.entries] == [
        f"{FSI}Ann{PDI}",
        f"{FSI}Mal x{PDI}",
        f"{FSI}Eve evil{PDI}",
    ]
