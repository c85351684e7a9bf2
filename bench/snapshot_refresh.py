"""What bringing the comment snapshot up to date costs the publish: requests and seconds.

    python -m bench.snapshot_refresh --threads 1000 --changed 10

1. Starts a local Isso as `invoke serve` runs it (gunicorn, Commons' app in
   front: commons.servers.IssoServer, with moderation on) and writes `--threads` threads
   of `--comments` published comments into its SQLite database, plus one
   comment waiting for moderation in some of them.
2. Takes the first snapshot of every thread into a fresh cache
   (commons.comments.snapshot.fetch_threads, `changed`, as a publish does).
3. Changes `--changed` threads through Isso's own API, in turn: a new comment
   (posted, then approved), an approval of the waiting one, a moderator's
   edit, a deletion.
4. Runs the publish's refresh again (`changed`) through a counting proxy in
   front of Isso, and prints the requests Isso received (counted by the
   proxy, not by the client), the seconds the refresh took, and how many
   cache files it rewrote. Exits 1 when it is over the budget (docs/comment-snapshots.md,
   "Cost": under 25 requests and 2 s at 1,000 threads with 10
   changed) or when it missed or added a thread.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from itsdangerous import URLSafeTimedSerializer

from bench.comment_snapshot import thread_comments
from commons.comments.snapshot import ThreadRef, fetch_threads, thread_file
from commons.servers import IssoServer

SITE = "http://127.0.0.1:9"
BUDGET_REQUESTS = 25
BUDGET_SECONDS = 2.0
CHANGES = ("new", "approved", "edited", "deleted")


class CountingProxy:
    """A loopback HTTP proxy in front of one server that counts the requests it passes on."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.count = 0
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    proxy.count += 1
                request = urllib.request.Request(
                    proxy.upstream + self.path, headers={"Accept": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, body = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Moderator:
    """Posts and moderates through Isso's API, as a reader and the moderator's links do."""

    def __init__(self, isso: IssoServer):
        self.isso = isso
        with sqlite3.connect(isso.data_dir / "comments.db") as db:
            (secret,) = db.execute(
                "SELECT value FROM preferences WHERE key = 'session-key'"
            ).fetchone()
        self.signer = URLSafeTimedSerializer(secret)

    def _send(self, url: str, body: dict | None, origin: str) -> dict | None:
        request = urllib.request.Request(
            url,
            data=json.dumps(body or {}).encode() if body is not None else b"",
            headers={"Origin": origin, "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
        return json.loads(text) if text.startswith(b"{") else None

    def post(self, thread_id: str, text: str) -> int:
        url = f"{self.isso.url}new?uri={quote(thread_id, safe='')}"
        return self._send(url, {"text": text, "author": "Bench"}, SITE)["id"]

    def moderate(self, comment_id: int, action: str, body: dict | None = None) -> None:
        key = self.signer.dumps(comment_id)
        url = f"{self.isso.url}id/{comment_id}/{action}/{key}"
        self._send(url, body, self.isso.url.rstrip("/"))


def seed(database: Path, threads: dict[str, list[dict]], pending_every: int) -> dict[str, int]:
    """The threads and their published comments, straight into Isso's database;
    returns the id of the comment waiting for moderation in some threads."""
    pending = {}
    db = sqlite3.connect(database)
    with db:
        for number, (thread_id, comments) in enumerate(threads.items(), 1):
            db.execute(
                "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
                (number, thread_id, thread_id),
            )
            base = number * 1000
            rows = [
                (
                    number,
                    base + int(c["id"]),
                    base + int(c["parent"]) if c["parent"] else None,
                    time.time(),
                    1,
                    c["text"][3:-4],
                    c["author"],
                )
                for c in comments
            ]
            if number % pending_every == 0:
                pending[thread_id] = base + 999
                rows.append((number, base + 999, None, time.time(), 2, "Waiting.", "Pat"))
            db.executemany(
                "INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author,"
                " voters) VALUES (?, ?, ?, ?, ?, '127.0.0.1', ?, ?, x'')",
                rows,
            )
    db.close()
    return pending


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=5)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    options = parser.parse_args(argv)
    rng = random.Random(3)
    threads = {
        f"bench-thread-{n:05d}": thread_comments(rng, options.comments, 1.7e9)
        for n in range(options.threads)
    }
    refs = [ThreadRef(thread_id, "") for thread_id in threads]
    with tempfile.TemporaryDirectory(prefix="commons-bench-refresh-") as folder:
        work = Path(folder)
        cache = work / "cache"
        isso = IssoServer(work / "isso", [SITE], guard=False, moderation=True)
        with isso:
            pending = seed(isso.data_dir / "comments.db", threads, pending_every=7)
            first = fetch_threads(cache, "isso", {"url": isso.url}, refs, refresh="changed")
            print(
                f"First snapshot: {first.fetched} of {options.threads} threads in "
                f"{first.seconds:.1f} s ({first.requests} requests)"
            )
            moderator = Moderator(isso)
            waiting = sorted(pending)
            others = [t for t in threads if t not in pending]
            changed = []
            for number in range(options.changed):
                kind = CHANGES[number % len(CHANGES)]
                thread_id = waiting.pop() if kind == "approved" else others.pop()
                base = (list(threads).index(thread_id) + 1) * 1000
                if kind == "new":
                    moderator.moderate(moderator.post(thread_id, "A new comment."), "activate")
                elif kind == "approved":
                    moderator.moderate(pending[thread_id], "activate")
                elif kind == "edited":
                    moderator.moderate(base + 1, "edit", {"text": "Edited by the moderator."})
                else:
                    moderator.moderate(base + 2, "delete")
                changed.append(thread_id)
            before = {t: thread_file(cache, t).read_bytes() for t in threads}
            with CountingProxy(isso.url) as proxy:
                started = time.perf_counter()
                report = fetch_threads(
                    cache,
                    "isso",
                    {"url": proxy.url},
                    refs,
                    refresh="changed",
                    concurrency=options.concurrency,
                )
                seconds = time.perf_counter() - started
            rewritten = sorted(
                t for t in threads if thread_file(cache, t).read_bytes() != before[t]
            )
    print(
        f"Refresh after {options.changed} changes ({', '.join(CHANGES)}) in "
        f"{options.threads} threads: {proxy.count} requests to Isso (counted by a proxy; "
        f"the client counted {report.requests}), {seconds:.2f} s; "
        f"{report.wanted} threads changed, {len(rewritten)} cache files rewritten"
    )
    problems = []
    if rewritten != sorted(changed):
        problems.append(f"rewrote {rewritten}, not the changed {sorted(changed)}")
    if proxy.count >= BUDGET_REQUESTS:
        problems.append(f"{proxy.count} requests: the budget is under {BUDGET_REQUESTS}")
    if seconds >= BUDGET_SECONDS:
        problems.append(f"{seconds:.2f} s: the budget is under {BUDGET_SECONDS} s")
    for problem in problems:
        print("Over budget or wrong: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
