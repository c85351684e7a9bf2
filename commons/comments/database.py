"""The comment server's SQLite database: consistent backups, checked restores,
and moving a thread to a new id.

Backups use SQLite's online backup API, so they are consistent while Isso
keeps writing. They hold every commenter's e-mail address and the key Isso
signs its admin sessions with, so they are written 0600 in a 0700 folder
whatever the umask, through `commons.files.Folder`.

A backup is data, not code: a restore accepts a file only when SQLite's
integrity check passes and its schema is exactly the one the installed Isso
creates (compared with a fresh database made by `isso.db.SQLite3`): a trigger,
view, table, column or index Isso does not make is refused, since SQLite runs
a trigger on every write Isso does. The session key is then regenerated, so a
key known to whoever wrote the file signs no admin session. The restored
database is written beside the live one and renamed over it, and the database
it replaces is kept beside it.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import sqlite3
import stat
import tempfile
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from commons.errors import OperationError
from commons.files import Folder, WriteRefused

# Isso's schema (isso/db/*.py): the tables and the columns Commons relies on.
ISSO_SCHEMA = {
    "threads": {"id", "uri", "title"},
    "comments": {
        "tid",
        "id",
        "parent",
        "created",
        "modified",
        "mode",
        "remote_addr",
        "text",
        "author",
        "email",
        "website",
        "likes",
        "dislikes",
        "voters",
        "notification",
    },
    "preferences": {"key", "value"},
}
BACKUP_PREFIX = "comments-"
BACKUP_SUFFIX = ".db"
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
# Where Isso keeps the key it signs admin sessions and comment cookies with.
SESSION_KEY = "session-key"
SCHEMA_FIX = (
    "Fix: restore a file that `invoke comments-backup` made from this Isso's database; "
    "an older Isso's database is upgraded by starting the comment server on it once, "
    "then backing it up."
)


class DatabaseError(OperationError):
    """The database or a backup cannot be used; the message says why and what to do."""


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        if not path.is_file():
            raise DatabaseError(f"{path} does not exist. Fix: give the path of a database file.")
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def _create_private(path: Path) -> None:
    """Create `path` empty, readable by its owner only (SQLite takes it as a new database)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE))


def _schema(db: sqlite3.Connection) -> dict[tuple[str, str], tuple]:
    """Every object in the database's schema: (type, name) -> what defines it.

    A table is its columns and foreign keys, an index its columns, a trigger
    or view its SQL (with its spacing evened out, nothing else).
    """
    objects = {}
    for kind, name, table, sql in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ):
        quoted = '"' + name.replace('"', '""') + '"'
        if kind == "table":
            definition = (
                tuple(sorted(db.execute(f"PRAGMA table_xinfo({quoted})").fetchall())),
                tuple(sorted(db.execute(f"PRAGMA foreign_key_list({quoted})").fetchall())),
            )
        elif kind == "index":
            definition = (table, tuple(db.execute(f"PRAGMA index_xinfo({quoted})").fetchall()))
        else:
            definition = (table, re.sub(r"\s+", " ", sql or "").strip())
        objects[(kind, name)] = definition
    return objects


def isso_schema() -> tuple[int, dict[tuple[str, str], tuple]]:
    """(user_version, schema) of a database that the installed Isso creates afresh."""
    from commons.importers.isso_db import open_database

    with tempfile.TemporaryDirectory(prefix="commons-isso-schema-") as folder:
        path = Path(folder) / "isso.db"
        open_database(path)
        with closing(sqlite3.connect(path)) as db:
            return db.execute("PRAGMA user_version").fetchone()[0], _schema(db)


def schema_problems(db: sqlite3.Connection) -> list[str]:
    """How the database's schema differs from the one Isso creates, one sentence each."""
    version, expected = isso_schema()
    found = _schema(db)
    problems = []
    for kind, name in sorted(found.keys() - expected.keys()):
        problems.append(f"a {kind} {name!r} that Isso does not create")
    for kind, name in sorted(expected.keys() - found.keys()):
        if kind != "table":  # a missing table is reported below, with its columns
            problems.append(f"no {kind} {name!r}, which Isso creates")
    for key in sorted(found.keys() & expected.keys()):
        if found[key] != expected[key]:
            kind, name = key
            what = "columns or keys" if kind == "table" else "definition"
            problems.append(f"the {kind} {name!r} with other {what} than Isso's")
    found_version = db.execute("PRAGMA user_version").fetchone()[0]
    if found_version != version:
        problems.append(f"schema version {found_version} (this Isso's is {version})")
    return problems


def check_database(path: Path) -> int:
    """Raise DatabaseError unless `path` is a sound Isso database; return its comment count."""
    path = Path(path)
    try:
        with closing(_connect(path, readonly=True)) as db:
            result = db.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                problems = "; ".join(row[0] for row in result[:5])
                raise DatabaseError(
                    f"{path} fails SQLite's integrity check ({problems}). Fix: restore "
                    "an older backup."
                )
            for table, columns in ISSO_SCHEMA.items():
                found = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                if not found:
                    raise DatabaseError(
                        f"{path} has no '{table}' table: it is not an Isso database. Fix: "
                        "give a file that `invoke comments-backup` made."
                    )
                missing = sorted(columns - found)
                if missing:
                    raise DatabaseError(
                        f"{path}: Isso's '{table}' table lacks the columns "
                        f"{', '.join(missing)}. Fix: give a backup of an Isso 0.13+ database."
                    )
            problems = schema_problems(db)
            if problems:
                raise DatabaseError(
                    f"{path} is not exactly Isso's schema: it has "
                    + "; ".join(problems)
                    + ". A backup is data: Commons restores only the tables, indexes and "
                    f"triggers Isso itself creates. {SCHEMA_FIX}"
                )
            return db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise DatabaseError(
            f"{path} is not a usable SQLite database ({error}). Fix: give a file that "
            "`invoke comments-backup` made."
        ) from None


def copy_database(source: Path, target: Path) -> None:
    """Copy `source` into `target` with SQLite's online backup API (consistent while in use)."""
    with (
        closing(_connect(Path(source), readonly=True)) as src,
        closing(_connect(Path(target))) as dst,
    ):
        src.backup(dst, pages=256)


def _is_backup_name(name: str) -> bool:
    return name.startswith(BACKUP_PREFIX) and name.endswith(BACKUP_SUFFIX)


def _close_backup_folder(backup_dir: Path) -> None:
    """Make `backup_dir` 0700 and its backups 0600, or refuse a folder shared with other files.

    An older Commons (or a cron job's umask) left backups 0644 in a 0755 folder;
    a folder holding only backups is closed. Any other folder open to others
    (a --dest of /tmp, say) is not Commons' to change.
    """
    mode = stat.S_IMODE(backup_dir.stat().st_mode)
    if not mode & 0o077:
        return
    others = sorted(name for name in os.listdir(backup_dir) if not _is_backup_name(name))
    if others:
        raise DatabaseError(
            f"{backup_dir} is open to other users (mode {mode:04o}) and holds other files "
            f"({', '.join(others[:3])}); a backup holds every commenter's e-mail address. "
            "Fix: give --dest (or COMMENTS_SERVER['backup_dir']) a folder of its own, "
            f"or run `chmod 700 {backup_dir}`."
        )
    for name in os.listdir(backup_dir):
        if stat.S_ISREG(os.lstat(backup_dir / name).st_mode):  # never through a link
            os.chmod(backup_dir / name, PRIVATE_FILE)
    os.chmod(backup_dir, PRIVATE_FOLDER)


def backup(database: Path, backup_dir: Path, keep: int, now=None) -> tuple[Path, list[Path]]:
    """A consistent, checked copy of `database` in `backup_dir`; the oldest beyond `keep` go.

    Returns (the new backup, the backups removed).
    """
    database, backup_dir = Path(database), Path(backup_dir)
    if keep < 1:
        raise DatabaseError(f"keep is {keep}; accepted: 1 or more.")
    backup_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    _close_backup_folder(backup_dir)
    now = now or datetime.datetime.now(datetime.UTC)
    name = f"{BACKUP_PREFIX}{now:%Y%m%dT%H%M%S%fZ}{BACKUP_SUFFIX}"
    folder = Folder(backup_dir, file_mode=PRIVATE_FILE, dir_mode=PRIVATE_FOLDER)
    # The copy is made and checked in a private folder of its own, then placed
    # by the Folder, so a half-made or unchecked backup never carries the name.
    with tempfile.TemporaryDirectory(prefix=".partial-", dir=backup_dir) as partial_dir:
        partial = Path(partial_dir) / name
        copy_database(database, partial)
        check_database(partial)
        try:
            target = folder.copy_file(partial, name)
        except WriteRefused as error:
            raise DatabaseError(str(error)) from None
    backups = sorted(backup_dir.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"))
    removed = backups[:-keep]
    for old in removed:
        old.unlink()
    return target, removed


def _private_copy(source: Path, target: Path) -> None:
    """Copy the database `source` into the new file `target`, readable by its owner only."""
    _create_private(target)
    copy_database(source, target)


def _new_session_key(path: Path) -> None:
    """Give the database at `path` a session key nobody has seen (Isso's format: 48 hex digits)."""
    with closing(_connect(path)) as db, db:
        db.execute(
            "INSERT OR REPLACE INTO preferences (key, value) VALUES (?, ?)",
            (SESSION_KEY, secrets.token_hex(24)),
        )


def in_use(database: Path) -> bool:
    """Whether a process holds a lock on `database` now (a write or a read under way).

    Isso opens the database for each request only, so a server that is idle
    holds none: `commands.server_running` asks its address as well.
    """
    if not database.is_file():
        return False
    db = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN EXCLUSIVE")
        db.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        return "locked" in str(error) or "busy" in str(error)
    except sqlite3.DatabaseError:
        return False  # a damaged database: what a restore is for
    finally:
        db.close()
    return False


def restore(backup_file: Path, database: Path) -> Path | None:
    """Check `backup_file`, then put it in place of `database` (the current one is kept aside).

    Returns where the replaced database was kept (None when there was none).
    Stop the comment server first: Isso caches nothing, but a comment posted
    during the restore would be lost.
    """
    backup_file, database = Path(backup_file), Path(database)
    check_database(backup_file)
    for journal in ("-wal", "-journal"):
        if database.with_name(database.name + journal).exists():
            raise DatabaseError(
                f"{database} has a {journal[1:]} file beside it: the comment server is running "
                "or stopped halfway through a write. Fix: stop the comment server (and start "
                "and stop it again if it had crashed), then restore."
            )
    if in_use(database):
        raise DatabaseError(
            f"{database} is locked by another process: the comment server is running. "
            "Fix: stop it (`systemctl stop commons-comments`), restore, then start it again "
            "(`systemctl start commons-comments`)."
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if database.exists():
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        _private_copy(database, kept)
    mode = stat.S_IMODE(database.stat().st_mode) if database.exists() else PRIVATE_FILE
    incoming = database.with_name(f".{database.name}.restoring-{secrets.token_hex(6)}")
    try:
        _private_copy(backup_file, incoming)
        _new_session_key(incoming)
        check_database(incoming)
        os.chmod(incoming, mode)
        os.replace(incoming, database)
    finally:
        with suppress(FileNotFoundError):
            incoming.unlink()
    return kept


@dataclass
class Move:
    old: str
    new: str
    comments: int
    existing: int  # comments already under `new`
    merged: bool


def move_thread(
    database: Path, old: str, new: str, *, merge: bool = False, dry_run: bool = False
) -> Move:
    """Move the comments of thread `old` to thread `new` (Isso's threads.uri).

    Refuses when `new` already has comments unless `merge`; then the old
    thread's comments join the new one's and the old thread is removed.
    """
    if old == new:
        raise DatabaseError(f"OLD and NEW are both {old!r}: nothing to move.")
    database = Path(database)
    check_database(database)
    with closing(_connect(database)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            source = db.execute("SELECT id FROM threads WHERE uri=?", (old,)).fetchone()
            if source is None:
                known = [
                    row[0] for row in db.execute("SELECT uri FROM threads ORDER BY uri LIMIT 20")
                ]
                raise DatabaseError(
                    f"No thread {old!r} on the comment server. Threads: "
                    f"{', '.join(known) or 'none'}. Fix: give the old Comments_id (or slug)."
                )
            count = db.execute("SELECT COUNT(*) FROM comments WHERE tid=?", source).fetchone()[0]
            target = db.execute("SELECT id FROM threads WHERE uri=?", (new,)).fetchone()
            existing = 0
            if target is not None:
                existing = db.execute(
                    "SELECT COUNT(*) FROM comments WHERE tid=?", target
                ).fetchone()[0]
            if existing and not merge:
                raise DatabaseError(
                    f"Thread {new!r} already has {existing} comment(s). Fix: add --merge to "
                    f"add the {count} comment(s) of {old!r} to them, or choose another NEW."
                )
            result = Move(old, new, count, existing, merged=target is not None)
            if dry_run:
                db.rollback()
                return result
            if target is None:
                db.execute("UPDATE threads SET uri=? WHERE id=?", (new, source[0]))
            else:
                db.execute("UPDATE comments SET tid=? WHERE tid=?", (target[0], source[0]))
                db.execute("DELETE FROM threads WHERE id=?", source)
            db.commit()
            return result
        except BaseException:
            db.rollback()
            raise
