"""commons.files.Folder: the one writer every tool uses stays inside its folder."""

from __future__ import annotations

import os
import stat

import pytest

from commons.files import Folder, WriteRefused


@pytest.mark.parametrize(
    "name",
    [
        "../outside.md",
        "posts/../../outside.md",
        "/etc/passwd",
        "",
        ".",
        "posts/.hidden.md",
        "a\\b.md",
        "bell\x07.md",
        "title\u202egnp.md",
        "x" * 300 + ".md",
    ],
)
def test_a_name_that_is_not_plain_is_refused(tmp_path, name):
    root = tmp_path / "content"
    with pytest.raises(WriteRefused) as refused:
        Folder(root).write_text(name, "text")
    assert "Fix:" in str(refused.value)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_symlinked_folder_on_the_way_is_not_followed(tmp_path):
    root = tmp_path / "content"
    outside = tmp_path / "victim"
    outside.mkdir()
    (root / "images").mkdir(parents=True)
    (root / "images" / "2020").symlink_to(outside)
    with pytest.raises(WriteRefused, match="symbolic link"):
        Folder(root, force=True).write_bytes("images/2020/a.png", b"png")
    assert list(outside.iterdir()) == []


def test_a_symlink_as_the_file_is_neither_followed_nor_replaced(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("kept", encoding="utf-8")
    (root / "post.md").symlink_to(victim)
    folder = Folder(root, force=True)
    with pytest.raises(WriteRefused, match="symbolic link"):
        folder.write_text("post.md", "overwritten")
    with pytest.raises(WriteRefused, match="symbolic link"):
        folder.read_text("post.md")
    assert victim.read_text(encoding="utf-8") == "kept"
    assert (root / "post.md").is_symlink()


def test_an_existing_file_is_replaced_only_with_force(tmp_path):
    root = tmp_path / "content"
    folder = Folder(root)
    folder.write_text("posts/a.md", "first")
    with pytest.raises(WriteRefused, match="--force"):
        folder.write_text("posts/a.md", "second")
    assert (root / "posts" / "a.md").read_text(encoding="utf-8") == "first"
    folder.write_text("posts/a.md", "second", force=True)
    assert (root / "posts" / "a.md").read_text(encoding="utf-8") == "second"
    assert sorted(p.name for p in (root / "posts").iterdir()) == ["a.md"]


def test_modes_are_the_ones_asked_for_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        folder = Folder(tmp_path / "backups", file_mode=0o600, dir_mode=0o700)
        written = folder.write_bytes("2026/comments.db", b"data")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700


def test_copy_refuses_a_link_as_its_source(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("key", encoding="utf-8")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "a.png").symlink_to(secret)
    with pytest.raises(WriteRefused, match="symbolic link"):
        Folder(tmp_path / "content").copy_file(uploads / "a.png", "images/a.png")
    assert not (tmp_path / "content" / "images" / "a.png").exists()


def test_relative_refuses_a_path_that_resolves_outside(tmp_path):
    root = tmp_path / "content"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "away").symlink_to(tmp_path)
    folder = Folder(root)
    assert str(folder.relative(root / "notes" / "a.md")) == "notes/a.md"
    with pytest.raises(WriteRefused):
        folder.relative(root / "notes" / "away" / "a.md")
    with pytest.raises(WriteRefused):
        folder.relative(tmp_path / "a.md")
