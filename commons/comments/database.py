"""The comment server's SQLite database: consistent backups, checked restores,
and moving a thread to a new id.

Backups use SQLite's online backup API, so they are consistent while Isso
keeps writing; a restore checks the file (SQLite's integrity check and Isso's
tables and columns) before it replaces anything, and keeps the database it
replaces beside it.
"""

from __future__ import annotations

import datetime
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

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


class DatabaseError(RuntimeError):
    """The database or a backup cannot be used; the message says why and what to do."""


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        if not path.is_file():
            raise DatabaseError(f"{path} does not exist. Fix: give the path of a database file.")
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


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


def backup(database: Path, backup_dir: Path, keep: int, now=None) -> tuple[Path, list[Path]]:
    """A consistent, checked copy of `database` in `backup_dir`; the oldest beyond `keep` go.

    Returns (the new backup, the backups removed).
    """
    database, backup_dir = Path(database), Path(backup_dir)
    if keep < 1:
        raise DatabaseError(f"keep is {keep}; accepted: 1 or more.")
    backup_dir.mkdir(parents=True, exist_ok=True)
    now = now or datetime.datetime.now(datetime.UTC)
    name = f"{BACKUP_PREFIX}{now:%Y%m%dT%H%M%S%fZ}{BACKUP_SUFFIX}"
    partial = backup_dir / (name + ".partial")
    partial.unlink(missing_ok=True)
    copy_database(database, partial)
    check_database(partial)
    target = backup_dir / name
    partial.replace(target)
    backups = sorted(backup_dir.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"))
    removed = backups[:-keep]
    for old in removed:
        old.unlink()
    return target, removed


def restore(backup_file: Path, database: Path) -> Path | None:
    """Check `backup_file`, then copy it over `database` (the current one is kept aside).

    Returns where the replaced database was kept (None when there was none).
    Stop the comment server first: Isso caches nothing, but a comment posted
    during the restore would be lost.
    """
    backup_file, database = Path(backup_file), Path(database)
    check_database(backup_file)
    kept = None
    if database.exists():
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        copy_database(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    copy_database(backup_file, database)
    check_database(database)
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
