"""Comments are data that is never lost: `invoke comments-backup` copies the
live database while readers keep posting, `invoke comments-restore` checks a
file before it puts it back, `invoke comments-move` moves a thread.

The server is the production-shaped one (gunicorn, moderation and the
rate-limit guard on); each post comes through the proxy's X-Forwarded-For
from another reader's network, as nginx would pass it.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import itertools
import json
import re
import secrets
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import closing

import pytest

from commons.comments.server import GunicornIsso
from tests.conftest import REPO_ROOT, copy_content, parse_html

ORIGIN = "http://127.0.0.1:9"  # the site's origin; nothing needs to serve it here
INVOKE = [sys.executable, "-m", "invoke", "-r", str(REPO_ROOT)]


def post(isso_url: str, uri: str, text: str, reader: int) -> int:
    """Post as reader number `reader`; return the acknowledged comment's id."""
    request = urllib.request.Request(
        f"{isso_url}new?uri={urllib.parse.quote(uri)}",
        data=json.dumps({"text": text, "title": "A post", "author": f"r{reader}"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": ORIGIN,
            "X-Forwarded-For": f"10.{reader // 250 % 250}.{reader % 250}.7",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (201, 202)
        return json.load(answer)["id"]


def ids_in(database) -> set[int]:
    with closing(sqlite3.connect(database)) as db:
        return {row[0] for row in db.execute("SELECT id FROM comments")}


def invoke(*args: str):
    return subprocess.run([*INVOKE, *args], capture_output=True, text=True, check=False)


def admin_queue(isso_url: str, password: str) -> set[int]:
    """The comment ids Isso's admin interface lists as awaiting moderation."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = urllib.request.Request(
        isso_url + "login/",
        data=urllib.parse.urlencode({"password": password}).encode(),
        # As the browser on the admin page sends it (the cross-site guard wants an origin).
        headers={"Origin": isso_url.rstrip("/")},
    )
    opener.open(login, timeout=10).read()
    # Isso's admin lists 100 comments a page: a fast machine posts more than
    # that while the backup runs, so every page is read until one lists none.
    queue: set[int] = set()
    for number in itertools.count():
        page = opener.open(f"{isso_url}admin/?mode=2&page={number}", timeout=30).read().decode()
        listed = {int(n) for n in re.findall(r"id='isso-(\d+)'", page)}
        if not listed:
            return queue
        queue |= listed


def test_backup_while_posting_keeps_every_acknowledged_comment(comment_server, tmp_path):
    isso, password = comment_server(ORIGIN)
    database = tmp_path / "comments" / "comments.db"
    backups = tmp_path / "backups"
    acknowledged: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_posting():
        reader = 0
        while not stop.is_set():
            reader += 1
            comment_id = post(isso.url, f"post-{reader % 5}", f"Comment number {reader}", reader)
            acknowledged.append((time.monotonic(), comment_id))

    writer = threading.Thread(target=keep_posting)
    writer.start()

    def wait_for(enough) -> None:
        # A post that fails ends the writer: say so instead of waiting forever.
        deadline = time.monotonic() + 120
        while not enough():
            assert writer.is_alive(), f"a post failed:\n{(tmp_path / 'comments.log').read_text()}"
            assert time.monotonic() < deadline, "the posts stopped being acknowledged"
            time.sleep(0.05)

    try:
        wait_for(lambda: len(acknowledged) >= 40)
        started = time.monotonic()
        result = invoke("comments-backup", "--database", str(database), "--dest", str(backups))
        finished = time.monotonic()
        # ... and the readers went on posting after it.
        wait_for(lambda: len(acknowledged) >= 10 + sum(1 for t, _ in acknowledged if t < finished))
    finally:
        stop.set()
        writer.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert "checked" in result.stdout
    (copy,) = backups.glob("comments-*.db")
    before = {cid for t, cid in acknowledged if t < started}
    after = {cid for t, cid in acknowledged if t > finished}
    in_copy = ids_in(copy)
    assert len(before) >= 40 and before <= in_copy
    assert after and not after & in_copy  # the copy is a moment, not the live file
    assert ids_in(database) >= {cid for _, cid in acknowledged}

    # Restore it: the server, started again on the restored database, serves them.
    isso.stop()
    result = invoke("comments-restore", str(copy), "--database", str(database))
    assert result.returncode == 0, result.stderr
    assert "kept as" in result.stdout
    assert ids_in(database) == in_copy
    restarted = GunicornIsso(isso.config_dir, isso.env, port=isso.port)
    with restarted, open(tmp_path / "restarted.log", "w"):
        assert admin_queue(restarted.url, password) == in_copy


def test_backups_rotate(comment_server, tmp_path):
    isso, _ = comment_server(ORIGIN)
    post(isso.url, "rotation", "The only comment", 1)
    database = tmp_path / "comments" / "comments.db"
    dest = tmp_path / "backups"
    for _ in range(3):
        result = invoke(
            "comments-backup", "--database", str(database), "--dest", str(dest), "--keep", "2"
        )
        assert result.returncode == 0, result.stderr
    assert "removed" in result.stdout
    assert len(list(dest.glob("comments-*.db"))) == 2


def test_restore_refuses_a_damaged_or_foreign_file(comment_server, tmp_path):
    isso, _ = comment_server(ORIGIN)
    post(isso.url, "restore", "Keep me", 1)
    isso.stop()
    database = tmp_path / "comments" / "comments.db"
    digest = hashlib.sha256(database.read_bytes()).hexdigest()

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(database.read_bytes()[:4096] + b"\x00garbage" * 500)
    foreign = tmp_path / "foreign.db"
    with closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE notes (text)")
    missing_column = tmp_path / "old.db"
    with closing(sqlite3.connect(missing_column)) as db:
        db.executescript(
            "CREATE TABLE threads (id, uri, title); CREATE TABLE preferences (key, value);"
            "CREATE TABLE comments (tid, id, text);"
        )
    expected = {
        corrupt: "not a usable SQLite database|integrity check",
        foreign: "no 'threads' table",
        missing_column: "lacks the columns",
        tmp_path / "absent.db": "does not exist",
    }
    for path, reason in expected.items():
        result = invoke("comments-restore", str(path), "--database", str(database))
        assert result.returncode == 1
        assert "Nothing was restored" in result.stderr and re.search(reason, result.stderr)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest


def test_move_a_thread_so_nothing_is_orphaned(comment_server, tmp_path):
    isso, _ = comment_server(ORIGIN)
    for reader in range(1, 4):
        post(isso.url, "old-slug", f"On the old thread {reader}", reader)
    post(isso.url, "taken", "Already here", 9)
    database = tmp_path / "comments" / "comments.db"

    def uri_counts():
        with closing(sqlite3.connect(database)) as db:
            return dict(
                db.execute(
                    "SELECT threads.uri, COUNT(comments.id) FROM threads "
                    "LEFT JOIN comments ON comments.tid = threads.id GROUP BY threads.uri"
                )
            )

    start = uri_counts()
    result = invoke(
        "comments-move", "old-slug", "new-slug", "--dry-run", "--database", str(database)
    )
    assert result.returncode == 0 and "Would move 3 comment(s)" in result.stdout
    assert uri_counts() == start

    result = invoke("comments-move", "old-slug", "taken", "--database", str(database))
    assert result.returncode == 1 and "already has 1 comment(s)" in result.stderr
    assert "--merge" in result.stderr and uri_counts() == start

    result = invoke("comments-move", "old-slug", "new-slug", "--database", str(database))
    assert result.returncode == 0, result.stderr
    assert uri_counts() == {"new-slug": 3, "taken": 1}

    result = invoke("comments-move", "new-slug", "taken", "--merge", "--database", str(database))
    assert result.returncode == 0 and "into the 1 comment(s) of 'taken'" in result.stdout
    assert uri_counts() == {"taken": 4}

    result = invoke("comments-move", "gone", "x", "--database", str(database))
    assert result.returncode == 1 and "No thread 'gone'" in result.stderr


def isso_database(path, comments: int = 1):
    """A database made by Isso's own code, with `comments` comments in one thread."""
    from commons.importers.isso_db import open_database

    db = open_database(path)
    db.threads.new("/a-post/", "A post")
    for number in range(comments):
        db.comments.add(
            "/a-post/",
            {"text": f"Comment {number}", "author": "r", "mode": 1, "remote_addr": "10.0.0.0"},
        )
    return path


def session_key(database) -> str:
    with closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT value FROM preferences WHERE key='session-key'").fetchone()[0]


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_backups_are_private_whatever_the_umask(tmp_path, umask):
    database = isso_database(tmp_path / "comments.db")
    dest = tmp_path / "backups"
    dest.mkdir(mode=0o755)  # as an older Commons left it, with a backup anyone could read
    dest.chmod(0o755)
    old = dest / "comments-20200101T000000000000Z.db"
    old.write_bytes(database.read_bytes())
    old.chmod(0o644)
    result = subprocess.run(
        [*INVOKE, "comments-backup", "--database", str(database), "--dest", str(dest)],
        capture_output=True,
        text=True,
        check=False,
        umask=umask,
    )
    assert result.returncode == 0, result.stderr
    fresh = tmp_path / "fresh" / "backups"  # a folder the command makes itself
    result = subprocess.run(
        [*INVOKE, "comments-backup", "--database", str(database), "--dest", str(fresh)],
        capture_output=True,
        text=True,
        check=False,
        umask=umask,
    )
    assert result.returncode == 0, result.stderr
    for folder, count in ((dest, 2), (fresh, 1)):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        copies = list(folder.iterdir())  # nothing half-made is left beside them
        assert len(copies) == count
        for copy in copies:
            assert copy.name.startswith("comments-") and copy.suffix == ".db"
            assert stat.S_IMODE(copy.stat().st_mode) == 0o600
            assert ids_in(copy) == ids_in(database)


def test_a_shared_folder_open_to_others_is_refused_and_left_as_it_was(tmp_path):
    database = isso_database(tmp_path / "comments.db")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "someone-elses.txt").write_text("not a backup")
    result = invoke("comments-backup", "--database", str(database), "--dest", str(shared))
    assert result.returncode == 1
    assert "open to other users (mode 1777)" in result.stderr and "Fix:" in result.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert [p.name for p in shared.iterdir()] == ["someone-elses.txt"]


def test_restore_regenerates_the_session_key_and_keeps_the_old_file_private(tmp_path):
    database = isso_database(tmp_path / "live" / "comments.db", comments=2)
    backup_file = isso_database(tmp_path / "backup.db", comments=3)
    known = session_key(backup_file)  # whoever wrote the backup knows it
    result = invoke("comments-restore", str(backup_file), "--database", str(database))
    assert result.returncode == 0, result.stderr
    assert len(ids_in(database)) == 3
    restored_key = session_key(database)
    assert restored_key != known and re.fullmatch(r"[0-9a-f]{48}", restored_key)
    assert session_key(backup_file) == known  # the backup itself is left as it was
    (kept,) = database.parent.glob("comments.db.before-restore-*")
    assert len(ids_in(kept)) == 2 and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [p.name for p in database.parent.iterdir() if p.name.startswith(".")] == []


# Each is Isso's schema plus one thing a backup's author could add: SQLite would
# run a trigger on Isso's own writes, and Isso would start on the rest.
TAMPERED = {
    "publishing trigger": (
        "CREATE TRIGGER publish AFTER INSERT ON comments BEGIN "
        "UPDATE comments SET mode = 1, website = email WHERE id = new.id; END",
        "trigger 'publish' that Isso does not create",
    ),
    "changed Isso trigger": (
        "DROP TRIGGER remove_stale_threads; CREATE TRIGGER remove_stale_threads AFTER DELETE "
        "ON comments BEGIN UPDATE comments SET mode = 1; END",
        "trigger 'remove_stale_threads' with other definition",
    ),
    "view": ("CREATE VIEW emails AS SELECT email FROM comments", "view 'emails'"),
    "table": ("CREATE TABLE notes (text)", "table 'notes' that Isso does not create"),
    "column": (
        "ALTER TABLE comments ADD COLUMN extra TEXT",
        "table 'comments' with other columns",
    ),
    "index": ("CREATE INDEX by_email ON comments (email)", "index 'by_email'"),
    "schema version": ("PRAGMA user_version = 3", "schema version 3"),
}


@pytest.mark.parametrize("change", TAMPERED)
def test_restore_refuses_anything_isso_does_not_create(tmp_path, change):
    database = isso_database(tmp_path / "live" / "comments.db")
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    tampered = isso_database(tmp_path / "tampered.db", comments=2)
    sql, reason = TAMPERED[change]
    with closing(sqlite3.connect(tampered)) as db:
        db.executescript(sql)
    result = invoke("comments-restore", str(tampered), "--database", str(database))
    assert result.returncode == 1
    assert "Nothing was restored" in result.stderr and "not exactly Isso's schema" in result.stderr
    assert reason in result.stderr and "Fix:" in result.stderr
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest
    assert [p.name for p in database.parent.iterdir()] == ["comments.db"]


def admin_page_with_cookie(isso_url: str, key: str) -> str:
    """Isso's admin page, asked for with an admin-session cookie signed with `key`."""
    from itsdangerous import URLSafeTimedSerializer

    cookie = URLSafeTimedSerializer(key).dumps({"logged": True})
    request = urllib.request.Request(
        isso_url + "admin/", headers={"Cookie": f"admin-session={cookie}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read().decode()


def test_a_session_key_in_a_backup_logs_nobody_in_after_restore(comment_server, tmp_path):
    isso, _ = comment_server(ORIGIN)
    post(isso.url, "a-post", "Held for moderation", 1)
    isso.stop()
    database = tmp_path / "comments" / "comments.db"
    planted = tmp_path / "planted.db"
    copy = invoke("comments-backup", "--database", str(database), "--dest", str(tmp_path / "b"))
    assert copy.returncode == 0, copy.stderr
    (made,) = (tmp_path / "b").glob("comments-*.db")
    planted.write_bytes(made.read_bytes())
    known = secrets.token_hex(24)  # the key the backup's author chose
    with closing(sqlite3.connect(planted)) as db, db:
        db.execute("UPDATE preferences SET value=? WHERE key='session-key'", (known,))
    result = invoke("comments-restore", str(planted), "--database", str(database))
    assert result.returncode == 0, result.stderr
    restarted = GunicornIsso(isso.config_dir, isso.env, port=isso.port)
    with restarted, open(tmp_path / "restarted.log", "w"):
        forged = admin_page_with_cookie(restarted.url, known)
        # The key Isso now uses does log in: the forged cookie was the only difference.
        genuine = admin_page_with_cookie(restarted.url, session_key(database))
    assert 'name="password"' in forged and "Held for moderation" not in forged
    assert "Held for moderation" in genuine


def test_restore_refuses_while_the_server_runs_and_says_where_the_old_database_went(
    comment_server, tmp_path
):
    isso, _ = comment_server(ORIGIN)
    post(isso.url, "running", "Posted before the backup", 1)
    database = tmp_path / "comments" / "comments.db"
    backups = tmp_path / "backups"
    result = invoke("comments-backup", "--database", str(database), "--dest", str(backups))
    assert result.returncode == 0, result.stderr
    (backup_file,) = backups.glob("comments-*.db")
    post(isso.url, "running", "Posted after the backup", 2)
    digest = hashlib.sha256(database.read_bytes()).hexdigest()

    # The server is idle (no lock held): the restore still sees it running.
    result = invoke("comments-restore", str(backup_file), "--database", str(database))
    assert result.returncode == 1
    assert f"Nothing was restored: the comment server is running on {database}" in result.stderr
    assert f"process {isso.pid}" in result.stderr and "runs Isso on it" in result.stderr
    assert "systemctl stop commons-comments" in result.stderr
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest
    assert not list(database.parent.glob("comments.db.before-restore-*"))

    isso.stop()
    result = invoke("comments-restore", str(backup_file), "--database", str(database))
    assert result.returncode == 0, result.stderr
    (kept,) = database.parent.glob("comments.db.before-restore-*")
    assert f"The database it replaced is kept as {kept}" in result.stdout
    assert len(ids_in(kept)) == 2 and len(ids_in(database)) == 1


def test_restore_refuses_while_the_configured_address_answers(publish_settings, tmp_path):
    """The configured database with something listening at COMMENTS_SERVER['bind']."""
    from commons.comments.commands import CommandError, restore_database

    database = tmp_path / "live" / "comments.db"
    backup_file = tmp_path / "backup.db"
    with closing(socket.socket()) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        bind = f"127.0.0.1:{server.getsockname()[1]}"
        settings = {
            **publish_settings,
            "COMMENTS_SERVER": {"database": str(database), "bind": bind},
        }
        with pytest.raises(CommandError) as refused:
            restore_database(settings, str(backup_file))
    assert f"the configured server answers at {bind} (COMMENTS_SERVER['bind'])" in str(
        refused.value
    )
    assert not database.parent.exists()


def test_restore_refuses_a_database_another_process_holds_locked(tmp_path):
    database = isso_database(tmp_path / "live" / "comments.db", comments=2)
    backup_file = isso_database(tmp_path / "backup.db", comments=3)
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # a writer's lock, as Isso takes for each post
        result = invoke("comments-restore", str(backup_file), "--database", str(database))
    finally:
        holder.close()
    assert result.returncode == 1
    assert "is locked by another process: the comment server is running" in result.stderr
    assert len(ids_in(database)) == 2


def test_move_prints_the_redirect_line_that_keeps_the_old_address(build, tmp_path):
    from commons.importers.isso_db import open_database

    content = copy_content(tmp_path / "content")
    (content / "renamed.md").write_text(
        "Title: A renamed post\nDate: 2024-05-02 10:00\nSlug: new-name\nCategory: Community\n\n"
        "Its slug was old-name.\n",
        encoding="utf-8",
    )
    database = tmp_path / "comments.db"
    db = open_database(database)
    db.threads.new("old-name", "A renamed post")
    comment = {"text": "Still here", "author": "r", "mode": 1, "remote_addr": "10.0.0.0"}
    db.comments.add("old-name", comment)

    args = ["old-name", "new-name", "--database", str(database), "--content", str(content)]
    result = invoke("comments-move", *args)
    assert result.returncode == 0, result.stderr
    assert "Moved 1 comment(s) of 'old-name' to the new thread 'new-name'" in result.stdout
    line = result.stdout.splitlines()[-1]
    assert line == "/2024/05/old-name/ {filename}/renamed.md"
    assert f"add this line to a .txt file in {content / 'redirects'}/" in result.stdout

    # That line, added as the command says, makes the build redirect the old address.
    (content / "redirects").mkdir()
    (content / "redirects" / "moved.txt").write_text(line + "\n", encoding="utf-8")
    output = build(content=content)
    page = parse_html(output / "2024" / "05" / "old-name" / "index.html")
    assert page.xpath("//link[@rel='canonical']/@href") == ["/2024/05/new-name/"]
    assert "/2024/05/old-name/ /2024/05/new-name/ 301" in (output / "_redirects").read_text()
    assert (output / "2024" / "05" / "new-name" / "index.html").is_file()

    # A post whose thread id is its Comments_id kept its address: no line to add.
    result = invoke(
        "comments-move",
        "new-name",
        "sharing-your-work-and-coworking-to-share",
        "--merge",
        "--dry-run",
        "--database",
        str(database),
        "--content",
        str(content),
    )
    assert result.returncode == 0, result.stderr
    assert "no redirect line is needed (its thread id is its Comments_id" in result.stdout
