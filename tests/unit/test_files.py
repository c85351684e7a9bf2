"""commons.files.Folder: the one writer every tool uses stays inside its folder."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from commons.files import Folder, WriteRefused, name_problem, replace_file, slug_name


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


def test_refusal_names_every_write_that_would_be_refused_and_writes_nothing(tmp_path):
    root = tmp_path / "content"
    (root / "images").mkdir(parents=True)
    (root / "images" / "2019").symlink_to(tmp_path)
    (root / "post.md").write_text("an editor's", encoding="utf-8")
    (root / "linked.md").symlink_to(tmp_path / "victim.md")
    folder = Folder(root)
    assert folder.refusal("new.md") is None
    assert folder.refusal("posts/deeper/new.md") is None
    assert "already exists" in folder.refusal("post.md")
    assert folder.refusal("post.md", force=True) is None
    for relative in ("linked.md", "images/2019/a.png", "images"):
        assert "Fix:" in Folder(root, force=True).refusal(relative)
    assert "'..'" in folder.refusal("../outside.md")
    assert sorted(p.name for p in root.iterdir()) == ["images", "linked.md", "post.md"]
    assert not (tmp_path / "victim.md").exists()


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Tool night!", "tool-night"), ("..", ""), ("?!…", ""), ("../../etc/passwd", "etcpasswd")],
)
def test_slug_name_is_a_plain_name_or_nothing(text, slug):
    assert slug_name(text, {}) == slug
    # A site whose substitutions keep dots and slashes still gets no path out of it.
    keeping = {"SLUG_REGEX_SUBSTITUTIONS": [(r"[^\w./-]", "")]}
    kept = slug_name(text, keeping)
    assert kept == "" or name_problem(kept) is None


def test_files_lists_plain_files_and_reports_links_without_following_them(tmp_path):
    root = tmp_path / "content"
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "a.md").write_text("a", encoding="utf-8")
    (root / "posts" / "b.MD").write_text("b", encoding="utf-8")
    (root / "posts" / ".hidden.md").write_text("h", encoding="utf-8")
    (root / "image.png").write_bytes(b"png")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.md").write_text("s", encoding="utf-8")
    (root / "notes").symlink_to(elsewhere)
    (root / "linked.md").symlink_to(elsewhere / "secret.md")
    found, skipped = Folder(root).files((".md",))
    assert found == ["posts/a.md", "posts/b.MD"]
    assert f"{root / 'notes'}: a symbolic link to a folder, not followed" in skipped
    assert f"{root / 'linked.md'}: a symbolic link, not followed" in skipped
    assert any(".hidden.md" in line and "hidden" in line for line in skipped)
    assert len(skipped) == 3


def test_replace_file_puts_the_whole_file_with_its_mode_and_leaves_nothing_beside(tmp_path):
    # A hidden name, as the preview's problem file has: a path Commons chose, not a Folder's.
    target = tmp_path / ".preview-problems-output.json"
    target.write_text("old", encoding="utf-8")
    previous = os.umask(0o077)
    try:
        assert replace_file(target, "né\n") == target
        private = replace_file(tmp_path / "server.env", b"KEY=1\n", mode=0o600)
    finally:
        os.umask(previous)
    assert target.read_bytes() == "né\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".preview-problems-output.json",
        "server.env",
    ]


def test_replace_file_replaces_a_link_without_writing_through_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("kept", encoding="utf-8")
    target = tmp_path / "cache" / "record.json"
    target.parent.mkdir()
    target.symlink_to(victim)
    replace_file(target, "{}")
    assert victim.read_text(encoding="utf-8") == "kept"
    assert not target.is_symlink()
    assert target.read_text(encoding="utf-8") == "{}"


def test_replace_file_that_fails_leaves_the_folder_as_it_was(tmp_path):
    (tmp_path / "record.json").mkdir()
    with pytest.raises(IsADirectoryError):
        replace_file(tmp_path / "record.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]
    assert list((tmp_path / "record.json").iterdir()) == []


def test_replace_file_from_many_threads_at_once_gives_one_whole_file(tmp_path):
    # The comment snapshots are written by a pool of threads of one process.
    target = tmp_path / "thread.json"
    texts = [f"{index}" * 100_000 for index in range(8)]
    errors = []

    def write(text):
        try:
            for _ in range(20):
                replace_file(target, text)
        except OSError as error:
            errors.append(error)

    writers = [threading.Thread(target=write, args=(text,)) for text in texts]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    assert target.read_text(encoding="utf-8") in texts
    assert [p.name for p in tmp_path.iterdir()] == ["thread.json"]
