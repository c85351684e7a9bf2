"""Files in STATIC_PATHS are uploads, never posts."""

from __future__ import annotations

from tests.conftest import copy_content


def test_a_text_file_in_an_upload_folder_is_copied_not_read_as_a_post(tmp_path, build):
    content = copy_content(tmp_path / "content")
    (content / "extra").mkdir(exist_ok=True)
    # A Markdown file with no metadata would fail the build if it were read as a post.
    (content / "extra" / "notes.md").write_text("Just notes, no metadata.\n")
    output = build(content=content)
    assert (output / "extra" / "notes.md").read_text() == "Just notes, no metadata.\n"
