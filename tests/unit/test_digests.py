"""files_digest: the one digest of a set of files (content cache key, render
record, comment publisher)."""

from __future__ import annotations

from commons.digests import files_digest, folder_files


def hexdigest(paths, root=None) -> str:
    return files_digest(paths, root=root).hexdigest()


def test_the_digest_follows_names_and_bytes_not_the_order_given(tmp_path):
    (tmp_path / "a").mkdir()
    one, two = tmp_path / "a" / "one.md", tmp_path / "two.md"
    one.write_text("first", encoding="utf-8")
    two.write_text("second", encoding="utf-8")
    before = hexdigest([one, two], tmp_path)
    assert hexdigest([two, one], tmp_path) == before
    assert hexdigest(folder_files(tmp_path), tmp_path) == before
    two.write_text("second!", encoding="utf-8")
    changed = hexdigest([one, two], tmp_path)
    assert changed != before
    two.rename(tmp_path / "three.md")
    assert hexdigest(folder_files(tmp_path), tmp_path) not in (before, changed)


def test_names_are_relative_to_the_root_so_a_moved_copy_digests_alike(tmp_path):
    for copy in ("here", "there"):
        (tmp_path / copy / "sub").mkdir(parents=True)
        (tmp_path / copy / "sub" / "post.md").write_text("text", encoding="utf-8")
    here, there = tmp_path / "here", tmp_path / "there"
    assert hexdigest(folder_files(here), here) == hexdigest(folder_files(there), there)
    # Without a root, the paths themselves are the names.
    assert hexdigest(folder_files(here)) != hexdigest(folder_files(there))


def test_an_unreadable_file_counts_and_so_does_its_return(tmp_path):
    gone = tmp_path / "gone.md"
    missing = hexdigest([gone], tmp_path)
    gone.write_text("", encoding="utf-8")
    assert hexdigest([gone], tmp_path) != missing
