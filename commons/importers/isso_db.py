"""Writing imported comments into an Isso SQLite database.

The database (and its schema, when the file is new) is opened with Isso's own
`isso.db.SQLite3`, so the tables are exactly the ones the installed Isso
expects; comments are added with its `comments.add`. A comment already in the
thread (same time, author and text) is not added again, so an import can run
twice. Isso nests replies one level deep: a reply to a reply is shown under the
top comment it belongs to, as Isso does for comments written on the site.

An export is written by strangers as much as a comment is, so every comment is
stored as Isso's API (`isso.views.comments.API.new`) stores one it is sent:
the fields pass Isso's own `API.verify`, which checks a website with Isso's
`isurl` (a website Isso would refuse is dropped, an e-mail address it would
refuse too; a comment whose text it would refuse is left out, with Isso's
reason), the author and e-mail are
HTML-escaped and the website escaped for an attribute and given a scheme, as
`new` does inline (Isso has no function for that step). The text is stored as
written, as Isso stores it: Isso renders and sanitises it each time it serves
it, with the server's own rules, so an imported text can do no more than a
posted one.
"""

from __future__ import annotations

import html
import ipaddress
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from commons.errors import InputError

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


class CommentRefused(InputError):
    """Isso's API would refuse this comment; the message is Isso's reason."""


def posted_fields(comment: NewComment) -> dict[str, str | None]:
    """The text, author, email and website as Isso would store them had they been posted.

    Raises CommentRefused, with Isso's reason, when Isso would refuse the text.
    """
    from isso.views.comments import API, normalize

    text_valid, reason = API.verify({"text": comment.text})
    if not text_valid:
        raise CommentRefused(reason)
    fields: dict[str, str | None] = {"text": comment.text, "author": comment.author or None}
    for key in ("email", "website"):
        value = getattr(comment, key) or None
        # An optional field Isso refuses is left out, not the comment it belongs to.
        fields[key] = value if API.verify({"text": comment.text, key: value})[0] else None
    for key in ("author", "email"):
        if fields[key] is not None:
            fields[key] = html.escape(fields[key], quote=False)
    if fields["website"] is not None:
        fields["website"] = normalize(html.escape(fields["website"], quote=True))
    return fields


def open_database(path: Path):
    """Isso's database at `path`, created with Isso's schema if the file does not exist."""
    from isso import config
    from isso.db import SQLite3

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLite3(str(path), config.load(config.default_file()))


def add_thread(
    db, thread_id: str, title: str, comments: list[NewComment], *, left_out: Counter
) -> tuple[int, int, int]:
    """Add `comments` to the thread `thread_id`; returns (added, already there, pending added).

    A comment Isso would refuse is counted in `left_out` under Isso's reason.
    """
    if thread_id not in db.threads:
        db.threads.new(thread_id, title)
    tid = db.threads[thread_id]["id"]
    ids: dict[str, int] = {}
    added = existing = pending = 0
    for comment in sorted(comments, key=lambda c: c.created):
        try:
            fields = posted_fields(comment)
        except CommentRefused as refusal:
            left_out[f"refused by Isso: {refusal}"] += 1
            continue
        row = db.execute(
            "SELECT id FROM comments WHERE tid=? AND created=? AND author IS ? AND text=?",
            (tid, comment.created, fields["author"], fields["text"]),
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
                **fields,
                "notification": 0,
            },
        )
        ids[comment.key] = stored["id"]
        added += 1
        pending += comment.mode == MODE_PENDING
    return added, existing, pending
