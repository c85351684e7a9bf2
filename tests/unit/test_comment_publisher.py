"""The comment publisher's bookkeeping: which threads to publish, and what it
does with a state file it cannot read or a provider it cannot follow."""

from __future__ import annotations

import pytest

from commons.comments.publisher import (
    PublisherError,
    changed_threads,
    isso_options,
    read_published,
    write_published,
)


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
