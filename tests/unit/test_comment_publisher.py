"""The comment publisher's bookkeeping: which threads to publish, and what it
does with a state file it cannot read or a provider it cannot follow."""

from __future__ import annotations

import os

import pytest

from commons.comments.publisher import (
    Publisher,
    PublisherError,
    SiteRecord,
    changed_threads,
    isso_options,
    pages_to_check,
    read_published,
    read_record,
    read_whole_build,
    site_inputs,
    write_published,
    write_record,
)
from commons.publish import PublishError, check_site
from tests.conftest import PUBLISH_SETTINGS


def test_new_changed_and_emptied_threads_are_published_unchanged_ones_not():
    published = {"kept": "a1", "edited": "b1", "emptied": "c1"}
    current = {"kept": "a1", "edited": "b2", "first-comment": "d1"}
    # "emptied": its last published comment was deleted, so the server lists it no more.
    assert changed_threads(current, published) == ["edited", "emptied", "first-comment"]
    assert changed_threads(current, current) == []


def test_the_published_versions_round_trip_and_a_bad_file_means_publish_all(tmp_path):
    path = tmp_path / "state" / "published.json"
    assert read_published(path) == {}
    write_published(path, {"a-thread": "v1"})
    assert read_published(path) == {"a-thread": "v1"}
    assert [p.name for p in path.parent.iterdir()] == ["published.json"]
    for text in ("{not json", '["a list"]', '{"threads": "no"}', ""):
        path.write_text(text, encoding="utf-8")
        assert read_published(path) == {}
        assert changed_threads({"a-thread": "v1"}, read_published(path)) == ["a-thread"]


@pytest.mark.parametrize(
    "discussion",
    [{"provider": "remark42", "remark42": {"host": "https://r.example.net"}}, {"isso": {}}],
)
def test_a_site_without_commons_isso_is_refused_with_the_fix(discussion):
    with pytest.raises(PublisherError, match=r"follows Commons' own Isso only\. Fix:"):
        isso_options({"DISCUSSION": discussion})


def write_site(root, pages: dict[str, str]):
    for path, body in pages.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(f"<!doctype html><html><body>{body}</body></html>")
    return root


SITE = {
    "index.html": '<a href="post/#discussion-comment-1">latest</a> <a href="post/">post</a>',
    "post/index.html": '<h2 id="discussion-comment-1">Ana</h2>',
    "about/index.html": '<a href="../post/">post</a>',
    "theme/site.css": "body {}",
}


def test_only_changed_pages_are_link_checked_while_no_file_or_anchor_went(tmp_path):
    site = write_site(tmp_path / "site", SITE)
    pages, record = pages_to_check(site, None)
    assert pages is None  # no record of a checked site: every page
    assert record.anchors["post/index.html"] == ["discussion-comment-1"]
    write_record(tmp_path / "checked.json", record)
    previous = read_record(tmp_path / "checked.json")
    assert previous == record
    assert pages_to_check(site, previous)[0] == []

    # A comment more: the post and the listing change, the about page does not.
    write_site(
        site, {"post/index.html": SITE["post/index.html"] + '<h2 id="discussion-comment-2">Bo</h2>'}
    )
    write_site(site, {"index.html": SITE["index.html"] + "<p>2 comments</p>"})
    pages, grown = pages_to_check(site, previous)
    assert pages == ["index.html", "post/index.html"]
    assert grown.anchors["post/index.html"] == ["discussion-comment-1", "discussion-comment-2"]

    # A deleted comment takes its anchor away: an unchanged page may link to it.
    write_site(site, {"post/index.html": '<h2 id="discussion-comment-2">Bo</h2>'})
    assert pages_to_check(site, grown)[0] is None

    # A file gone: every page, whatever changed.
    write_site(site, {"post/index.html": SITE["post/index.html"]})
    (site / "theme" / "site.css").unlink()
    assert pages_to_check(site, previous)[0] is None


def test_a_record_that_does_not_match_its_pages_is_not_trusted(tmp_path):
    path = tmp_path / "checked.json"
    write_record(path, SiteRecord({"a.html": "1", "b.html": "2"}, {"a.html": []}))
    assert read_record(path) is None
    path.write_text('{"files": [], "anchors": {}}')
    assert read_record(path) is None


def test_a_broken_link_in_a_changed_page_stops_the_publish(tmp_path):
    site = write_site(tmp_path / "site", SITE)
    _, record = pages_to_check(site, None)
    write_site(site, {"post/index.html": SITE["post/index.html"] + '<a href="/gone/">x</a>'})
    pages, _ = pages_to_check(site, record)
    assert pages == ["post/index.html"]
    settings = {"SITEURL": "https://blog.cohere.coop", "REDIRECTS": {}}
    with pytest.raises(PublishError, match=r"post/index\.html: <a href='/gone/'> points to"):
        check_site(site, settings, pages, record.anchors)

    # Only the pages given are read: the unchanged about page is not.
    write_site(site, {"post/index.html": SITE["post/index.html"]})
    write_site(site, {"about/index.html": '<a href="/gone/">x</a>'})
    check_site(site, settings, ["post/index.html"], record.anchors)
    with pytest.raises(PublishError, match=r"about/index\.html: <a href='/gone/'>"):
        check_site(site, settings)

    # A fragment is checked against the anchors the record keeps of unchanged pages.
    write_site(site, SITE)
    write_site(site, {"index.html": SITE["index.html"] + '<a href="post/#discussion-comment-9">'})
    pages, now = pages_to_check(site, record)
    assert pages == ["index.html"]
    with pytest.raises(PublishError, match="no element has the id 'discussion-comment-9'"):
        check_site(site, settings, pages, now.anchors)


def test_a_content_change_that_keeps_the_mtime_means_a_whole_build(tmp_path):
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    post = content / "post.md"
    post.write_text("Title: A\n\nOne.\n", encoding="utf-8")
    (content / "pages" / "about.md").write_text("Title: About\n\nUs.\n", encoding="utf-8")
    publisher = Publisher(PUBLISH_SETTINGS, tmp_path / "state", content)
    before = site_inputs(publisher)
    assert site_inputs(publisher) == before
    stat = post.stat()
    post.write_text("Title: A\n\nTwo.\n", encoding="utf-8")
    os.utime(post, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = site_inputs(publisher)
    assert edited != before
    (content / "pages" / "about.md").rename(content / "pages" / "team.md")
    assert site_inputs(publisher) != edited


def test_an_unreadable_whole_build_record_means_a_whole_build(tmp_path):
    path = tmp_path / "whole-build.json"
    assert read_whole_build(path) is None
    for text in ("{not json", '["a list"]', '{"inputs": 3}', ""):
        path.write_text(text, encoding="utf-8")
        assert read_whole_build(path) is None
    path.write_text('{"inputs": "abc"}', encoding="utf-8")
    assert read_whole_build(path) == "abc"
