"""BODY_HTML cleans as posts are read; the content cache keeps what it cleaned."""

from __future__ import annotations

import re

import pytest
from lxml import html

from commons.build import BuildError
from tests.conftest import copy_content

RAW_POST = (
    "Title: Raw HTML\nDate: 2020-02-02\nCategory: Community\n\n"
    "<p>Kept</p>\n\n<video controls></video>\n"
)


def videos(output) -> list:
    page = html.fromstring((output / "2020/02/raw-html/index.html").read_bytes())
    return page.xpath("//div[contains(@class, 'entry-content')]//video")


def test_a_policy_change_with_a_warm_cache_stops_and_says_to_rebuild(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "raw-html.md").write_text(RAW_POST, encoding="utf-8")
    assert videos(build(content=content)) == []  # cleaned, and cached cleaned

    with pytest.raises(BuildError) as failure:
        build(content=content, overrides={"BODY_HTML": {"policy": "keep"}})
    # Every cached post was cleaned; the first one Pelican meets is named.
    assert re.search(r"\S+\.md was cleaned under an earlier BODY_HTML policy", str(failure.value))
    assert "invoke rebuild" in str(failure.value)


def test_a_stricter_policy_with_a_warm_cache_cleans_again(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "raw-html.md").write_text(RAW_POST, encoding="utf-8")
    allow_video = {"extra_tags": ["video"], "extra_attributes": {"video": ["controls"]}}
    assert len(videos(build(content=content, overrides={"BODY_HTML": allow_video}))) == 1
    # Same cache, default policy: the cached post was cleaned under another
    # policy, so it is cleaned again under this one.
    assert videos(build(content=content)) == []
