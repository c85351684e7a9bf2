"""`invoke import-disqus` on Isso's real Disqus test export: threads matched with posts by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lxml import etree

from commons import REPO_ROOT
from tests.build.test_import_wordpress import run_task

EXPORT = REPO_ROOT / "tests" / "data" / "disqus" / "isso-disqus.xml"


def export_with_thread_2_at_hello(tmp_path) -> Path:
    """The export, with thread 2's page at the old address of a post called Hello."""
    tree = etree.parse(str(EXPORT))
    for thread in tree.getroot().findall("{http://disqus.com}thread"):
        if thread.get("{http://disqus.com/disqus-internals}id") == "2":
            thread.find("{http://disqus.com}link").text = "http://example.org/2013/10/hello/"
    export = tmp_path / "disqus.xml"
    tree.write(str(export))
    return export


def test_threads_are_matched_by_url_and_land_in_the_posts_threads(tmp_path):
    # Thread 2's page becomes a post whose Commons URL is its old one; thread 7's
    # old address reaches its post through a redirect line, as after a WordPress import.
    export = export_with_thread_2_at_hello(tmp_path)
    content = tmp_path / "content"
    (content / "redirects").mkdir(parents=True)
    (content / "hello.md").write_text("Title: Hello\nDate: 2013-10-10 10:00\nSlug: hello\n\nHi.\n")
    (content / "moved.md").write_text(
        "Title: Moved\nDate: 2013-02-12\nSlug: moved\nComments_id: kept-thread\n\nHi.\n"
    )
    (content / "redirects" / "old.txt").write_text(
        "/blog/2013/02/12/redacted/ {filename}/moved.md\n"
    )
    db = tmp_path / "comments.db"
    result = run_task("import-disqus", str(export), "--content", str(content), "--isso-db", str(db))
    assert result.returncode == 0, result.stderr
    rows = (
        sqlite3.connect(db)
        .execute(
            "SELECT threads.uri, comments.author, comments.parent IS NOT NULL, comments.text "
            "FROM comments JOIN threads ON threads.id = comments.tid ORDER BY comments.created"
        )
        .fetchall()
    )
    assert sorted({row[0] for row in rows}) == ["hello", "kept-thread"]
    hello = [row for row in rows if row[0] == "hello"]
    # Post 4, its reply 5, and 11 whose parent (9) was deleted: shown at the top level.
    assert [(author, reply) for _, author, reply, _ in hello] == [
        ("peter", False),
        ("user", True),
        ("user", False),
    ]
    assert "Comments left out: 1 deleted, 1 without a thread." in result.stdout
    again = run_task("import-disqus", str(export), "--content", str(content), "--isso-db", str(db))
    assert "Imported 0 comments (4 were already there)" in again.stdout


def test_a_wordpress_export_is_not_a_disqus_export(tmp_path):
    wxr = REPO_ROOT / "tests" / "data" / "wordpress" / "isso-wordpress.xml"
    result = run_task("import-disqus", str(wxr), "--isso-db", str(tmp_path / "c.db"))
    assert result.returncode != 0
    assert "is not a Disqus export" in result.stderr and "Fix:" in result.stderr


def test_posts_and_redirect_lists_behind_links_out_of_content_are_not_read(tmp_path):
    # The same threads as above, but the posts and the redirect list they need
    # live outside content/ and are reached only through symbolic links.
    export = export_with_thread_2_at_hello(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "hello.md").write_text(
        "Title: Hello\nDate: 2013-10-10 10:00\nSlug: hello\n\nHi.\n"
    )
    (elsewhere / "old.txt").write_text("/blog/2013/02/12/redacted/ {filename}/moved.md\n")
    content = tmp_path / "content"
    (content / "redirects").mkdir(parents=True)
    (content / "notes").symlink_to(elsewhere)
    (content / "redirects" / "old.txt").symlink_to(elsewhere / "old.txt")
    (content / "moved.md").write_text(
        "Title: Moved\nDate: 2013-02-12\nSlug: moved\nComments_id: kept-thread\n\nHi.\n"
    )
    db = tmp_path / "comments.db"
    result = run_task("import-disqus", str(export), "--content", str(content), "--isso-db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Imported 0 comments" in result.stdout
    assert "NO POST FOR http://example.org/2013/10/hello/: 3 comments" in result.stdout
    assert "NO POST FOR http://localhost:4000/blog/2013/02/12/redacted/" in result.stdout
    assert not db.exists()
