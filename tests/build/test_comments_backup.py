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
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import closing

from commons.comments.server import GunicornIsso
from tests.conftest import REPO_ROOT

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
    page = opener.open(isso_url + "admin/?mode=2", timeout=30).read().decode()
    return {int(n) for n in re.findall(r"id='isso-(\d+)'", page)}


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
