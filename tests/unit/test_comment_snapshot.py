"""The comment snapshot's settings, parsing and rendering rules, without a server."""

from __future__ import annotations

import dataclasses
import random
import types

import pytest
from lxml import html as lxml_html

from commons import DEV_SETTINGS
from commons.comments.snapshot import _remark42_nodes, read_thread, refresh_override, write_thread
from commons.config import load
from commons.settings import SettingsError
from plugins.discussion.settings import validate_settings
from plugins.discussion.snapshot import Renderer, build_snapshot, recent_comments, safe_website

ISSO = {"url": "https://comments.example.org/"}


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("enabled", "yes", "True or False"),
        ("cache_dir", "", "a folder path"),
        ("refresh", "always", "changed, missing, all, never"),
        ("concurrency", 0, "a whole number from 1 to 64"),
        ("concurrency", True, "a whole number from 1 to 64"),
        ("timeout", 0, "a number of seconds from 0.1 to 300"),
        ("timeout", 301, "a number of seconds from 0.1 to 300"),
        ("recent", -1, "a whole number from 0 to 1000"),
    ],
)
def test_each_bad_snapshot_setting_is_named_with_what_is_accepted(key, value, accepted):
    with pytest.raises(SettingsError) as error:
        validate_settings({"isso": ISSO, "snapshot": {key: value}})
    message = str(error.value)
    assert f"DISCUSSION['snapshot']['{key}'] is " in message
    assert repr(value) in message or repr(float(value)) in message
    assert accepted in message and "Fix: " in message


def test_every_bad_snapshot_setting_is_reported_at_once():
    with pytest.raises(SettingsError) as error:
        validate_settings({"isso": ISSO, "snapshot": {"refresh": "x", "recent": -1}})
    assert "['refresh']" in str(error.value) and "['recent']" in str(error.value)


def test_an_unknown_snapshot_key_lists_the_accepted_ones():
    with pytest.raises(SettingsError, match=r"unknown key\(s\) \['refesh'\].*refresh"):
        validate_settings({"isso": ISSO, "snapshot": {"refesh": "all"}})


def test_refresh_override_keeps_the_site_settings_and_asks_for_every_thread():
    override = refresh_override(load(DEV_SETTINGS).settings)["DISCUSSION"]
    assert override["snapshot"]["refresh"] == "all"
    assert override["isso"]["url"].startswith("http://127.0.0.1:")
    assert validate_settings(override)["snapshot"]["refresh"] == "all"


def test_remark42_tree_keeps_threading_and_drops_deleted_leaves():
    tree = [
        {
            "comment": {
                "id": "a",
                "text": "<p>root</p>",
                "user": {"name": "Ana"},
                "time": "2024-01-01T10:00:00+02:00",
                "delete": False,
            },
            "replies": [
                {
                    "comment": {
                        "id": "b",
                        "text": "<p>reply</p>",
                        "user": {"name": "Bob"},
                        "time": "2024-01-01T11:00:00Z",
                    },
                    "replies": [],
                },
                {
                    "comment": {
                        "id": "c",
                        "text": "gone",
                        "user": {"name": "X"},
                        "time": "2024-01-01T12:00:00Z",
                        "delete": True,
                    }
                },
            ],
        }
    ]
    found: list[dict] = []
    _remark42_nodes(tree, None, found)
    assert [(c["id"], c["parent"], c["created"]) for c in found] == [
        ("a", None, "2024-01-01T08:00:00Z"),
        ("b", "a", "2024-01-01T11:00:00Z"),
    ]
    snapshot = build_snapshot({"comments": found, "fetched": "2024-02-01T00:00:00Z"})
    assert snapshot.count == 2
    assert snapshot.comments[0].replies[0].author == "Bob"


def test_deep_threads_are_shown_at_a_bounded_depth():
    chain = [
        {
            "id": str(i),
            "parent": str(i - 1) if i else None,
            "author": "A",
            "created": f"2024-01-01T10:{i:02d}:00Z",
            "text": str(i),
        }
        for i in range(50)
    ]
    snapshot = build_snapshot({"comments": chain})
    depth, node = 1, snapshot.comments[0]
    while node.replies and len(node.replies) == 1:
        depth, node = depth + 1, node.replies[0]
    assert snapshot.count == 50 and depth <= 5


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://ana.example/", True),
        ("http://ana.example", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,x", False),
        ("//evil.example/", False),
        ("https://a.example/\nx", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_websites_are_links(value, kept):
    assert (safe_website(value) is not None) is kept


def test_cache_round_trip_and_a_foreign_file_is_ignored(tmp_path):
    path = write_thread(tmp_path, "a/b c", "isso", [{"id": "1"}], "https://x.example/feed")
    assert read_thread(tmp_path, "a/b c")["comments"] == [{"id": "1"}]
    assert read_thread(tmp_path, "a/b c")["fetched"].endswith("Z")
    path.write_text('{"thread": "other", "comments": []}', encoding="utf-8")
    assert read_thread(tmp_path, "a/b c") is None


def _random_thread(rng: random.Random, size: int) -> list[dict]:
    """Comments as a careless or hostile server might send them: duplicate ids,
    replies to missing comments, to themselves and in cycles, deleted
    comments with and without replies, equal times."""
    comments = []
    for number in range(size):
        identifier = str(rng.randrange(size + 3))
        comments.append(
            {
                "id": identifier,
                "parent": rng.choice([None, str(rng.randrange(size + 3)), identifier]),
                "author": f"Member {number}",
                "created": f"2024-01-0{rng.randint(1, 3)}T10:{rng.randrange(3):02d}:00Z",
                "text": f"<p>{number}</p>",
                "deleted": rng.random() < 0.2,
            }
        )
    if rng.random() < 0.5:  # two replies to each other: neither is shown
        comments += [
            {"id": "loop-a", "parent": "loop-b", "created": "2024-01-01T10:00:00Z"},
            {"id": "loop-b", "parent": "loop-a", "created": "2024-01-01T10:00:00Z"},
        ]
    return comments


def _shown(snapshot) -> list:
    """Every comment the page shows, walking the tree as the template does."""
    found = []

    def walk(nodes):
        for node in nodes:
            found.append(node)
            walk(node.replies)

    walk(snapshot.comments)
    return found


@pytest.mark.parametrize("seed", range(40))
def test_count_and_times_made_up_front_agree_with_the_tree_made_later(seed):
    rng = random.Random(seed)
    snapshot = build_snapshot({"comments": _random_thread(rng, rng.randint(0, 25))})
    shown = [comment for comment in _shown(snapshot) if not comment.deleted]
    assert snapshot.count == len(shown) == len(snapshot.published())
    assert sorted(created for created, _id in snapshot.published_times) == sorted(
        comment.created for comment in shown
    )
    assert {snapshot.comment(i).anchor for _c, i in snapshot.published_times} == {
        comment.anchor for comment in shown
    }
    published = snapshot.published()
    assert published == sorted(published, key=lambda comment: (comment.created, comment.anchor))


def _html_tree(element) -> list:
    """(id, deleted, replies) of each `li.comment` directly in this list element."""
    found = []
    for item in element.findall("li"):
        deleted = item.find("p[@class='comment-deleted']") is not None
        # A published comment is also the post's microformats2 p-comment h-cite.
        assert item.get("class") == ("comment" if deleted else "comment p-comment h-cite")
        replies = item.findall("ol")
        assert len(replies) <= 1 and all(r.get("class") == "comment-replies" for r in replies)
        found.append((item.get("id"), deleted, _html_tree(replies[0]) if replies else []))
    return found


def _model_tree(comments) -> list:
    return [(c.anchor, c.deleted, _model_tree(c.replies)) for c in comments]


@pytest.mark.parametrize("seed", range(40))
def test_the_comment_list_html_is_the_tree(seed):
    rng = random.Random(seed)
    snapshot = build_snapshot({"comments": _random_thread(rng, rng.randint(1, 25))})
    if not snapshot.comments:
        return
    root = lxml_html.fragment_fromstring(str(snapshot.html))
    assert root.tag == "ol" and root.get("class") == "comment-list"
    assert _html_tree(root) == _model_tree(snapshot.comments)
    # Each published comment's text is its cleaned HTML, whole.
    for comment in snapshot.published():
        item = root.get_element_by_id(comment.anchor)
        text = item.find("div[@class='comment-text e-content']")
        assert lxml_html.tostring(text, encoding="unicode", with_tail=False) == (
            f'<div class="comment-text e-content" dir="auto">{comment.html}</div>'
        )


def test_the_comment_list_html_escapes_every_value():
    hostile = "\"><script>alert(1)</script><b x='"
    snapshot = build_snapshot(
        {
            "comments": [
                {
                    "id": 'x"><i>',
                    "author": hostile,
                    "website": "https://a.example/?q=" + hostile.replace(" ", ""),
                    "created": "2024-01-01T10:00:00Z",
                    "text": "<p>fine</p>",
                },
                {"id": "2", "parent": 'x"><i>', "author": "<i>B</i>", "created": "bad"},
            ]
        },
        Renderer('<b>%Y</b> "&'),
    )
    root = lxml_html.fragment_fromstring(str(snapshot.html))
    assert not root.xpath("//script | //b | //i | //@x")
    first, reply = root.xpath("//li")
    assert first.get("id") == snapshot.comments[0].anchor
    link = first.find(".//bdi/a")
    assert link.text == hostile and link.get("href") == snapshot.comments[0].website
    assert link.get("rel") == "nofollow ugc noopener noreferrer"
    assert first.find(".//time").text == '<b>2024</b> "&'
    assert first.find(".//a[@class='comment-date u-url']").get("href") == "#" + first.get("id")
    assert reply.find(".//bdi").text == "<i>B</i>"
    assert reply.find(".//time").get("datetime") == "1970-01-01T00:00:00Z"


@dataclasses.dataclass
class _Post:
    title: str
    url: str
    discussion: object


@pytest.mark.parametrize("limit", [1, 3, 7, 500])
def test_recent_comments_are_the_newest_across_posts_with_ties_ordered(limit):
    rng = random.Random(limit)
    posts = [
        _Post(
            f"Post {n}",
            f"2024/01/post-{n}/",
            # The thread's address is the post's under the site's (identity.Thread.url).
            types.SimpleNamespace(
                url=f"https://commons.example/2024/01/post-{n}/",
                snapshot=build_snapshot({"comments": _random_thread(rng, 12)}),
            ),
        )
        for n in range(15)
    ]
    # The plain definition: every published comment of every post, sorted.
    every = [
        (comment.created, post.url, comment.anchor)
        for post in posts
        for comment in post.discussion.snapshot.published()
    ]
    expected = sorted(every, reverse=True)[:limit]
    found = recent_comments(posts, limit)
    assert [(r.comment.created, r.post_url, r.comment.anchor) for r in found] == expected
    assert all(r.post_title == f"Post {r.post_url.split('-')[-1][:-1]}" for r in found)


def test_publish_settings_can_extend_the_snapshot_setting(tmp_path, monkeypatch):
    # docs/comment-snapshots.md: publishconf.py may write
    # {**DISCUSSION["snapshot"], ...}: the key is there, with the site's values.
    monkeypatch.syspath_prepend(str(DEV_SETTINGS.parent))
    settings_file = tmp_path / "publishconf.py"
    settings_file.write_text(
        "from pelicanconf import *  # noqa: F403\n"
        'DISCUSSION = {**DISCUSSION, "snapshot": {**DISCUSSION["snapshot"], "refresh": "all"}}\n',
        encoding="utf-8",
    )
    from pelican.settings import get_settings_from_file

    discussion = get_settings_from_file(str(settings_file))["DISCUSSION"]
    snapshot = validate_settings(discussion)["snapshot"]
    assert snapshot["refresh"] == "all" and snapshot["enabled"] is True


def test_each_comment_server_has_one_cache_folder(tmp_path):
    from commons.comments.snapshot import server_cache

    def folder(provider, **options):
        return server_cache(tmp_path, provider, options)

    same = folder("isso", url="HTTPS://Comments.example.org:443/isso")
    assert same == folder("isso", url="https://comments.example.org/isso/")
    others = {
        folder("isso", url="https://comments.example.org/"),
        folder("isso", url="http://comments.example.org/isso/"),
        folder("isso", url="https://comments.example.org:8443/isso/"),
        folder("isso", url="http://127.0.0.1:8081/"),
        folder("remark42", host="https://comments.example.org/isso", site_id="a"),
        folder("remark42", host="https://comments.example.org/isso", site_id="b"),
    }
    assert same not in others and len(others) == 6
    assert all(path.parent == tmp_path for path in others)
