"""Spam limits of the comment server, kept by Commons without a third party.

- `Limits`: the settings (COMMENTS_SERVER's post_rate, max_links, max_chars,
  honeypot, min_seconds), read by the server from `limits.json` beside
  isso.cfg (Isso warns about options it does not know, so they are not there);
- `RateLimiter`: so many posts a minute per address, counted in an SQLite
  file beside Isso's database, so that every gunicorn worker sees the same
  count;
- `text_problem`: what is wrong with a comment's text (too long, too many links);
- `client_address`: the reader's address, through the trusted proxy in front;
- `request_body`: a posted body, read only up to a cap.

The posting endpoints that enforce them are in commons/comments/form.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

LIMITS_FILE = "limits.json"
WINDOW_SECONDS = 60.0
# What counts as a link in a comment: what Isso's renderer turns into one.
# A Markdown link or an <a> tag is matched whole, so the address inside it is
# not counted again; then bare addresses, which Isso autolinks.
LINK = re.compile(r"\]\([^)]*\)|<a\b[^>]*>|https?://|\bwww\.", re.IGNORECASE)
TRUSTED_PROXIES = frozenset({"127.0.0.1", "::1"})


@dataclass(frozen=True)
class Limits:
    """The spam limits; the defaults are COMMENTS_SERVER's (commons/comments/options.py)."""

    post_rate: int = 5
    max_links: int = 3
    max_chars: int = 5000
    honeypot: bool = True
    min_seconds: int = 3

    @classmethod
    def of(cls, options: dict) -> Limits:
        return cls(**{name: options[name] for name in cls.__dataclass_fields__})

    @classmethod
    def beside(cls, config_file: str | Path) -> Limits:
        """The limits written beside `config_file`; the defaults when there are none."""
        path = Path(config_file).with_name(LIMITS_FILE)
        if not path.is_file():
            return cls()
        values = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{name: values[name] for name in cls.__dataclass_fields__ if name in values})

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def text_problem(text: str, limits: Limits) -> str | None:
    """Why a comment's text is refused (a sentence with the fix), or None."""
    if len(text) > limits.max_chars:
        return (
            f"The comment has {len(text)} characters; accepted: {limits.max_chars} or fewer. "
            "Fix: shorten it."
        )
    links = len(LINK.findall(text))
    if links > limits.max_links:
        return (
            f"The comment has {links} links; accepted: {limits.max_links} or fewer. "
            "Fix: keep the links that matter most."
        )
    return None


def client_address(environ: dict) -> str:
    """The reader's address: the last X-Forwarded-For hop when the request comes
    from the proxy on this machine (which appends the address it saw), else
    the connection's own. A unix socket's peer (gunicorn's `bind = unix:…`)
    has no address, and only this machine can reach it: that is the proxy too."""
    remote = environ.get("REMOTE_ADDR", "")
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
    if (remote in TRUSTED_PROXIES or not remote) and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return remote


def request_body(environ: dict, most: int) -> bytes | None:
    """The request's body as its CONTENT_LENGTH gives it, or None (nothing read) when
    that is over `most` bytes, for the caller to refuse.

    A missing, garbled or negative length reads nothing: a read of -1 bytes
    would take the body to its end, however large.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > most:
        return None
    return environ["wsgi.input"].read(max(length, 0))


class RateLimiter:
    """At most `per_minute` hits per key in any 60 seconds, shared by every process
    that opens the same SQLite file."""

    def __init__(self, path: str | Path, per_minute: int):
        self.path = str(path)
        self.per_minute = per_minute
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level="IMMEDIATE")

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count a hit for `key` and say whether it is within the limit."""
        now = time.time() if now is None else now
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM hits WHERE at <= ?", (now - WINDOW_SECONDS,))
            (count,) = db.execute("SELECT count(*) FROM hits WHERE key = ?", (key,)).fetchone()
            if count >= self.per_minute:
                return False
            db.execute("INSERT INTO hits (key, at) VALUES (?, ?)", (key, now))
            return True


def limits_db(isso_dbpath: str | Path) -> Path:
    """The rate limiter's file: beside Isso's database, in the folder the server may write."""
    path = Path(isso_dbpath)
    return path.with_name(path.stem + "-limits.sqlite")
