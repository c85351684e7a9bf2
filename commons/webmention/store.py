"""The webmentions, the queue of those to verify, and the blocked domains.

One SQLite file beside Isso's database (`<name>-webmentions.sqlite`, in the
folder the server may write), shared by every gunicorn worker and by the
moderation task. Every write is one IMMEDIATE transaction, so two workers
never claim the same job nor store a mention twice; every value goes in as a
parameter.

A mention is `held` until a moderator approves it; only `approved` ones are
ever read by the comment snapshot. A source that changes what it says is
held again (a moderator approved the words, not the address).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

HELD = "held"
APPROVED = "approved"
# A job claimed this long ago by a worker that died is claimed again.
CLAIM_SECONDS = 120.0
MAX_ATTEMPTS = 4

SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    received REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    claimed REAL
);
CREATE TABLE IF NOT EXISTS mentions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    thread TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held', 'approved')),
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'mention', 'like', 'repost')),
    author TEXT NOT NULL,
    author_url TEXT,
    url TEXT NOT NULL,
    content TEXT NOT NULL,
    published REAL NOT NULL,
    received REAL NOT NULL,
    verified REAL NOT NULL,
    UNIQUE (source, target)
);
CREATE INDEX IF NOT EXISTS mentions_thread ON mentions (thread, status);
CREATE TABLE IF NOT EXISTS blocked (domain TEXT PRIMARY KEY, added REAL NOT NULL);
"""


@dataclass(frozen=True)
class Mention:
    """What a verified source says about a target (commons/webmention/verify.py)."""

    source: str
    target: str
    thread: str
    kind: str
    author: str
    author_url: str | None
    url: str
    content: str  # HTML, cleaned again where it is shown
    published: float


@dataclass(frozen=True)
class Stored:
    id: int
    status: str
    mention: Mention
    received: float


@dataclass(frozen=True)
class Job:
    id: int
    source: str
    target: str
    attempts: int


def store_path(isso_database: str | Path) -> Path:
    path = Path(isso_database)
    return path.with_name(path.stem + "-webmentions.sqlite")


def domain_of(url_host: str) -> str:
    return url_host.lower().rstrip(".")


def is_blocked_host(host: str, blocked: set[str]) -> bool:
    """Whether `host` is a blocked domain or under one."""
    host = domain_of(host)
    return any(host == domain or host.endswith("." + domain) for domain in blocked)


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        with self._write() as db:
            db.executescript("PRAGMA journal_mode=WAL;")
        with self._write() as db:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level="IMMEDIATE")
        with closing(connection) as db, db:
            yield db

    # -- the queue --------------------------------------------------------

    def enqueue(self, source: str, target: str, now: float | None = None) -> bool:
        """Queue a verification; False when the same one is already waiting."""
        now = time.time() if now is None else now
        with self._write() as db:
            waiting = db.execute(
                "SELECT 1 FROM queue WHERE source = ? AND target = ? AND claimed IS NULL",
                (source, target),
            ).fetchone()
            if waiting:
                return False
            db.execute(
                "INSERT INTO queue (source, target, received) VALUES (?, ?, ?)",
                (source, target, now),
            )
        return True

    def claim(self, now: float | None = None) -> Job | None:
        """The next job due, claimed by this worker (None: nothing is due)."""
        now = time.time() if now is None else now
        with self._write() as db:
            # A job claimed this often never finished: the worker that took it
            # died each time (a page that crashes it). It is dropped, not tried forever.
            db.execute(
                "DELETE FROM queue WHERE attempts >= ? AND claimed < ?",
                (MAX_ATTEMPTS, now - CLAIM_SECONDS),
            )
            row = db.execute(
                "UPDATE queue SET claimed = ?, attempts = attempts + 1 WHERE id = ("
                " SELECT id FROM queue WHERE not_before <= ? AND (claimed IS NULL OR claimed < ?)"
                " ORDER BY id LIMIT 1) RETURNING id, source, target, attempts",
                (now, now, now - CLAIM_SECONDS),
            ).fetchone()
        return Job(*row) if row else None

    def done(self, job: Job) -> None:
        with self._write() as db:
            db.execute("DELETE FROM queue WHERE id = ?", (job.id,))

    def retry_later(self, job: Job, now: float | None = None) -> bool:
        """Try the job again later (a growing wait); False when it has had its attempts."""
        now = time.time() if now is None else now
        with self._write() as db:
            if job.attempts >= MAX_ATTEMPTS:
                db.execute("DELETE FROM queue WHERE id = ?", (job.id,))
                return False
            db.execute(
                "UPDATE queue SET claimed = NULL, not_before = ? WHERE id = ?",
                (now + 60.0 * job.attempts, job.id),
            )
        return True

    def pending_jobs(self, now: float | None = None) -> tuple[int, int]:
        """(jobs due now or being verified, jobs waiting to be tried again later)."""
        now = time.time() if now is None else now
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            due, later = db.execute(
                "SELECT count(*) FILTER (WHERE claimed IS NOT NULL OR not_before <= ?), "
                "count(*) FILTER (WHERE claimed IS NULL AND not_before > ?) FROM queue",
                (now, now),
            ).fetchone()
        return due, later

    # -- mentions ---------------------------------------------------------

    def save(self, mention: Mention, now: float | None = None) -> tuple[int, str]:
        """Store a verified mention: new ones are held, and so is one whose source
        now says something else; returns (id, what happened: new, changed, same)."""
        now = time.time() if now is None else now
        values = asdict(mention)
        with self._write() as db:
            row = db.execute(
                "SELECT id, thread, kind, author, author_url, url, content, published "
                "FROM mentions WHERE source = ? AND target = ?",
                (mention.source, mention.target),
            ).fetchone()
            if row is None:
                cursor = db.execute(
                    "INSERT INTO mentions (source, target, thread, status, kind, author, "
                    "author_url, url, content, published, received, verified) VALUES "
                    "(:source, :target, :thread, 'held', :kind, :author, :author_url, :url, "
                    ":content, :published, :now, :now)",
                    {**values, "now": now},
                )
                return cursor.lastrowid, "new"
            identifier, *said = row
            same = said == [
                mention.thread,
                mention.kind,
                mention.author,
                mention.author_url,
                mention.url,
                mention.content,
                mention.published,
            ]
            if same:
                db.execute("UPDATE mentions SET verified = ? WHERE id = ?", (now, identifier))
                return identifier, "same"
            db.execute(
                "UPDATE mentions SET thread = :thread, status = 'held', kind = :kind, "
                "author = :author, author_url = :author_url, url = :url, content = :content, "
                "published = :published, verified = :now WHERE id = :id",
                {**values, "now": now, "id": identifier},
            )
            return identifier, "changed"

    def remove(self, source: str, target: str) -> bool:
        """Forget the mention of `target` by `source` (the source is gone or no longer links)."""
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM mentions WHERE source = ? AND target = ?", (source, target)
            )
        return cursor.rowcount > 0

    def listing(self, status: str | None = None) -> list[Stored]:
        query = (
            "SELECT id, status, received, source, target, thread, kind, author, author_url, "
            "url, content, published FROM mentions"
        )
        parameters: tuple = ()
        if status:
            query += " WHERE status = ?"
            parameters = (status,)
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            rows = db.execute(query + " ORDER BY id", parameters).fetchall()
        return [
            Stored(identifier, state, Mention(*rest), received)
            for identifier, state, received, *rest in rows
        ]

    def approve(self, identifier: int) -> bool:
        with self._write() as db:
            cursor = db.execute(
                "UPDATE mentions SET status = 'approved' WHERE id = ?", (identifier,)
            )
        return cursor.rowcount > 0

    def delete(self, identifier: int) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM mentions WHERE id = ?", (identifier,))
        return cursor.rowcount > 0

    # -- blocked domains ----------------------------------------------------

    def blocked(self) -> set[str]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            return {row[0] for row in db.execute("SELECT domain FROM blocked")}

    def block(self, domain: str, now: float | None = None) -> int:
        """Block `domain` and its subdomains; returns how many mentions were deleted."""
        from urllib.parse import urlsplit

        domain = domain_of(domain)
        now = time.time() if now is None else now
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO blocked (domain, added) VALUES (?, ?)", (domain, now))
            doomed = [
                (identifier,)
                for identifier, source in db.execute("SELECT id, source FROM mentions")
                if is_blocked_host(urlsplit(source).hostname or "", {domain})
            ]
            db.executemany("DELETE FROM mentions WHERE id = ?", doomed)
            queued = [
                (identifier,)
                for identifier, source in db.execute("SELECT id, source FROM queue")
                if is_blocked_host(urlsplit(source).hostname or "", {domain})
            ]
            db.executemany("DELETE FROM queue WHERE id = ?", queued)
        return len(doomed)

    def unblock(self, domain: str) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM blocked WHERE domain = ?", (domain_of(domain),))
        return cursor.rowcount > 0


PUBLIC_FIELDS = ("id", "kind", "author", "author_url", "url", "source", "content", "published")


def approved_for_thread(path: str | Path, thread: str) -> list[dict]:
    """A thread's approved mentions, with their public fields only (no addresses)."""
    return [
        dict(zip(PUBLIC_FIELDS, row, strict=True))
        for row in _read_only(
            path,
            "SELECT id, kind, author, author_url, url, source, content, published "
            "FROM mentions WHERE thread = ? AND status = 'approved' ORDER BY published, id",
            (thread,),
        )
    ]


def approved_digests(path: str | Path) -> dict[str, bytes]:
    """For each thread with approved mentions, what its version must change with."""
    digests: dict = {}
    for thread, *fields in _read_only(
        path,
        "SELECT thread, id, kind, author, author_url, url, content, published "
        "FROM mentions WHERE status = 'approved' ORDER BY thread, id",
        (),
    ):
        digest = digests.setdefault(thread, hashlib.sha256(b"webmentions\n"))
        digest.update(json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n")
    return {thread: digest.digest() for thread, digest in digests.items()}


def _read_only(path: str | Path, query: str, parameters: tuple) -> list[tuple]:
    """Rows of a query on the store, [] when the store does not exist yet."""
    path = Path(path)
    if not path.is_file():
        return []
    uri = path.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        return db.execute(query, parameters).fetchall()
