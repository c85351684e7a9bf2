"""GUARD['html'] cleans as posts are read; the content cache keeps what it cleaned."""

from __future__ import annotations

from lxml import html

from tests.conftest import copy_content, guard

RAW_POST = (
    "Title: Raw HTML\nDate: 2020-02-02\nCategory: Community\n\n"
    "<p>Kept</p>\n\n<video controls></video>\n"
)


def videos(output) -> list:
    page = html.fromstring((output / "2020/02/raw-html/index.html").read_bytes())
    return page.xpath("//div[contains(@class, 'entry-content')]//video")


def test_a_policy_change_with_a_warm_cache_reaches_every_post(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "raw-html.md").write_text(RAW_POST, encoding="utf-8")
    assert videos(build(content=content)) == []  # cleaned, and cached cleaned

    # The content cache is keyed on the settings (commons.build.cache_key): a
    # looser policy starts from an empty cache, so no post keeps its old cleaning.
    output = build(content=content, overrides={"GUARD": guard(html={"policy": "keep"})})
    assert len(videos(output)) == 1


def test_a_stricter_policy_with_a_warm_cache_cleans_again(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "raw-html.md").write_text(RAW_POST, encoding="utf-8")
    allow_video = {"extra_tags": ["video"], "extra_attributes": {"video": ["controls"]}}
    assert len(videos(build(content=content, overrides={"GUARD": guard(html=allow_video)}))) == 1
    # Same cache, default policy: the cached post was cleaned under another
    # policy, so it is cleaned again under this one.
    assert videos(build(content=content)) == []
