"""sync_tree and write_if_changed: only files whose bytes differ are written."""

from __future__ import annotations

import os

from commons.preview.sync import sync_tree, write_if_changed


def _tree(root, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _read(root) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_sync_moves_only_changed_files_and_removes_vanished_ones(tmp_path):
    new, old = tmp_path / "new", tmp_path / "old"
    _tree(new, {"a/index.html": b"same", "b/index.html": b"changed", "c.css": b"added"})
    _tree(old, {"a/index.html": b"same", "b/index.html": b"before", "gone/index.html": b"x"})
    same_inode = (old / "a/index.html").stat().st_ino
    changed = sync_tree(new, old)
    assert changed == ["b/index.html", "c.css", "gone/index.html"]
    assert _read(old) == {"a/index.html": b"same", "b/index.html": b"changed", "c.css": b"added"}
    # The unchanged file was not rewritten; the empty folder went with its file.
    assert (old / "a/index.html").stat().st_ino == same_inode
    assert not (old / "gone").exists()


def test_sync_keeps_retained_names_and_replaces_file_by_folder(tmp_path):
    new, old = tmp_path / "new", tmp_path / "old"
    _tree(new, {"page/index.html": b"now a folder"})
    _tree(old, {"page": b"was a file", "CNAME": b"example.org", ".git/HEAD": b"ref"})
    assert sync_tree(new, old, keep=["CNAME", ".git"]) == ["page/index.html"]
    assert _read(old) == {
        ".git/HEAD": b"ref",
        "CNAME": b"example.org",
        "page/index.html": b"now a folder",
    }


def test_write_if_changed_leaves_identical_bytes_alone(tmp_path):
    target = tmp_path / "deep" / "index.html"
    assert write_if_changed(target, b"one")
    stamp = target.stat().st_mtime_ns
    os.utime(target, ns=(stamp - 10**9, stamp - 10**9))
    assert not write_if_changed(target, b"one")
    assert target.stat().st_mtime_ns == stamp - 10**9
    assert write_if_changed(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]
