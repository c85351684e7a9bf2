"""Bad metadata fails the build, names the file, the field and the fix, and loses nothing."""

from __future__ import annotations

import gzip

import pytest

from commons.build import CACHE_RECORD, BuildError, build_site, cache_path
from tests.conftest import SAMPLE_CONTENT, copy_content

BAD_POSTS = {
    "date": "Title: A post\nDate: yesterday\n\nBody.\n",
    "title": "Date: 2024-05-01\n\nA post with no title.\n",
    "status": "Title: A post\nDate: 2024-05-01\nStatus: publishd\n\nBody.\n",
}


@pytest.mark.parametrize("field", sorted(BAD_POSTS))
def test_bad_metadata_fails_naming_file_field_and_fix(tmp_path, field):
    content = copy_content(tmp_path / "content")
    (content / "broken-post.md").write_text(BAD_POSTS[field], encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=content)
    message = str(failure.value)
    assert "broken-post.md" in message
    assert f"'{field}'" in message
    assert "Fix:" in message


def test_a_failed_build_leaves_the_last_good_output_exactly_as_it_was(tmp_path):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    build_site(output, content=content)
    before = {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    assert before

    (content / "broken-post.md").write_text(BAD_POSTS["date"], encoding="utf-8")
    with pytest.raises(BuildError):
        build_site(output, content=content)

    after = {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".staging-*")), "the staging folder was left behind"


def test_rebuilding_keeps_the_files_named_in_output_retention(tmp_path):
    output = tmp_path / "output"
    build_site(output, content=SAMPLE_CONTENT)
    (output / "CNAME").write_text("commons.example.org\n")
    (output / ".git").mkdir()
    (output / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (output / "stale.html").write_text("not generated any more")

    build_site(output, content=SAMPLE_CONTENT)

    assert (output / "CNAME").read_text() == "commons.example.org\n"
    assert (output / ".git" / "HEAD").exists()
    assert not (output / "stale.html").exists(), "files the site no longer makes are dropped"


def test_a_warning_fails_the_build(tmp_path):
    content = copy_content(tmp_path / "content")
    # An image with an empty alt is only a Pelican warning: fatal under --fatal warnings.
    (content / "warned.md").write_text(
        'Title: Warned\nDate: 2024-05-01\n\n<img src="x.png" alt="">\n', encoding="utf-8"
    )
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=content)
    assert "warned.md" in failure.value.log


def test_a_reader_turned_off_with_none_is_not_read(tmp_path):
    # Pelican's documented way to stop reading a format: READERS = {"html": None}.
    content = copy_content(tmp_path / "content")
    (content / "raw.html").write_text(
        "<html><head><title>Raw</title><meta name='date' content='2024-05-01'></head>"
        "<body>Raw page.</body></html>",
        encoding="utf-8",
    )
    output = build_site(
        tmp_path / "output",
        content=content,
        overrides={"READERS": {"html": None}, "SEARCH": {"enabled": False}},
    ).output
    assert (output / "index.html").is_file()
    assert not list(output.rglob("raw*.html"))


def test_empty_label_fields_are_accepted_in_markdown_and_rst(tmp_path, build):
    # Real blogs leave fields empty (`:tags:` in reStructuredText, `Tags:` in
    # Markdown); Pelican drops them, and the build goes on.
    content = copy_content(tmp_path / "content")
    (content / "empty-tags.md").write_text("Title: Empty\nDate: 2020-01-01\nTags:\n\nA.\n")
    (content / "empty-tags.rst").write_text(
        "Empty too\n#########\n\n:date: 2020-01-02\n:tags:\n:category: Notes\n\nB.\n"
    )
    output = build(content=content)
    assert (output / "2020" / "01" / "empty" / "index.html").is_file()
    assert (output / "2020" / "01" / "empty-too" / "index.html").is_file()


def test_a_content_cache_written_by_other_plugins_fails_with_the_fix(tmp_path):
    output = tmp_path / "output"
    build_site(output, content=SAMPLE_CONTENT)
    # What a cache holds after a plugin module moved: a reference Pelican cannot import.
    # (Its record, which keys it on Commons' code, untouched: a changed plugin
    # changes the key, and the build then starts with an empty cache.)
    for cache_file in cache_path(output).iterdir():
        if cache_file.name == CACHE_RECORD:
            continue
        cache_file.write_bytes(gzip.compress(b"cno_such_plugin.module\nThing\n."))
    with pytest.raises(BuildError) as failure:
        build_site(output, content=SAMPLE_CONTENT)
    message = str(failure.value)
    assert "No module named 'no_such_plugin'" in message
    assert "Fix: Pelican's content cache was written by another version" in message
    assert "invoke rebuild" in message
