"""`GET <isso>/commons/thread-versions`: which threads changed, in one cheap answer.

The comment snapshot (commons/comments/snapshot.py) refreshes only the threads
whose published comments changed since it last fetched them. Isso's public
API cannot say which those are: approving a comment (mode 2 to 1) and
deleting one (its row removed, or emptied to mode 4) leave `created` and
`modified` as they were, and `/latest` lists only new comments. So Commons'
WSGI app answers this one read-only request itself, from Isso's database:

    {"format": 1, "threads": {"<thread uri>": "<version>", ...}}

A thread's version is a digest of the id, mode, `modified` time, text,
author and website of each of its published comments (mode 1, and mode 4:
deleted but kept for its replies): what the snapshot shows. A new, approved,
edited (by its author, or by a moderator, whose edit leaves `modified` as it
was) or deleted comment changes it, and so does an approved webmention of the
thread that is added, changed or removed (commons/webmention/store.py); a
comment or mention waiting for moderation does not (the snapshot never shows
one). Threads without a published comment or mention are not listed. The
answer holds the threads' uris and these digests only: no text, no e-mail or
address.

It only reads (SQLite opened read-only), answers GET and HEAD only, sends no
CORS header (another site's script cannot read it) and reads no cookie.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from .answers import answer

PATH = "/commons/thread-versions"
FORMAT = 1
# The version of a thread the answer does not list: no published comment.
EMPTY_VERSION = ""
PUBLISHED_MODES = (1, 4)


def thread_versions(database: Path) -> dict[str, str]:
    """Every thread with a published comment, by its uri, with its version."""
    uri = Path(database).resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True)
    try:
        rows = connection.execute(
            "SELECT threads.uri, comments.id, comments.mode, comments.modified, "
            "comments.text, comments.author, comments.website "
            "FROM comments JOIN threads ON threads.id = comments.tid "
            "WHERE comments.mode IN (?, ?) ORDER BY threads.uri, comments.id",
            PUBLISHED_MODES,
        ).fetchall()
    finally:
        connection.close()
    digests: dict = {}
    for thread, *comment in rows:
        digest = digests.get(thread)
        if digest is None:
            digest = digests[thread] = hashlib.sha256()
        # JSON: one unambiguous spelling of the fields, whatever they hold.
        digest.update(json.dumps(comment, ensure_ascii=False).encode("utf-8") + b"\n")
    # Approved webmentions are part of the thread the snapshot shows
    # (commons/webmention/store.py): approving or removing one changes its version.
    from commons.webmention.store import approved_digests, store_path

    for thread, mentions in approved_digests(store_path(database)).items():
        digest = digests.get(thread)
        if digest is None:
            digest = digests[thread] = hashlib.sha256()
        digest.update(mentions)
    return {thread: digest.hexdigest()[:20] for thread, digest in digests.items()}


class ThreadVersions:
    """WSGI middleware: answers PATH from the database, passes everything else to `app`."""

    def __init__(self, app: Callable, database: Path):
        self.app = app
        self.database = Path(database)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "HEAD"):
            return answer(start_response, "405 Method Not Allowed", b"GET only\n", "text/plain")
        try:
            versions = thread_versions(self.database)
        except sqlite3.Error as error:
            body = f"The comment database cannot be read: {error}\n".encode()
            return answer(start_response, "503 Service Unavailable", body, "text/plain")
        body = json.dumps({"format": FORMAT, "threads": versions}, sort_keys=True).encode()
        return answer(start_response, "200 OK", body, "application/json")
