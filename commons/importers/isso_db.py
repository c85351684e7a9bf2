"""Writing imported comments into an Isso SQLite database.

The database (and its schema, when the file is new) is opened with Isso's own
`isso.db.SQLite3`, so the tables are exactly the ones the installed Isso
expects; comments are added with its `comments.add`. A comment already in the
thread (same time, author and text) is not added again, so an import can run
twice. Isso nests replies one level deep: a reply to a reply is shown under the
top comment it belongs to, as Isso does for comments written on the site.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

MODE_APPROVED = 1
MODE_PENDING = 2


@dataclass(frozen=True)
class NewComment:
    """One comment ready for Isso: `key` is its id in the export, `parent` its parent's key."""

    key: str
    parent: str | None
    created: float
    mode: int
    author: str
    email: str
    website: str
    remote_addr: str
    text: str


def anonymized(address: str) -> str:
    """The address as Isso stores it (its own anonymiser), or 0.0.0.0 when it is not one."""
    from isso.utils import anonymize

    try:
        ipaddress.ip_address(address.strip())
        return anonymize(address.strip())
    except ValueError:
        return "0.0.0.0"


def open_database(path: Path):
    """Isso's database at `path`, created with Isso's schema if the file does not exist."""
    from isso import config
    from isso.db import SQLite3

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLite3(str(path), config.load(config.default_file()))


def add_thread(db, thread_id: str, title: str, comments: list[NewComment]) -> tuple[int, int, int]:
    """Add `comments` to the thread `thread_id`; returns (added, already there, pending added)."""
    if thread_id not in db.threads:
        db.threads.new(thread_id, title)
    tid = db.threads[thread_id]["id"]
    ids: dict[str, int] = {}
    added = existing = pending = 0
    for comment in sorted(comments, key=lambda c: c.created):
        row = db.execute(
            "SELECT id FROM comments WHERE tid=? AND created=? AND author IS ? AND text=?",
            (tid, comment.created, comment.author or None, comment.text),
        ).fetchone()
        if row is not None:
            ids[comment.key] = row[0]
            existing += 1
            continue
        stored = db.comments.add(
            thread_id,
            {
                "parent": ids.get(comment.parent) if comment.parent else None,
                "created": comment.created,
                "mode": comment.mode,
                "remote_addr": comment.remote_addr,
                "text": comment.text,
                "author": comment.author or None,
                "email": comment.email or None,
                "website": comment.website or None,
                "notification": 0,
            },
        )
        ids[comment.key] = stored["id"]
        added += 1
        pending += comment.mode == MODE_PENDING
    return added, existing, pending
