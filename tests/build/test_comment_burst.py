"""A burst of 1,000 bot posts against the production-shaped comment server
(gunicorn, the configuration `invoke comments-config` writes, its default
limits): how many reach the moderation queue, how many are refused with 429,
and whether the server still answers readers. The figures are printed (run
with `-s`); tests/browser/test_comments_nginx_guard.py sends the same burst
through nginx."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from commons.comments.options import DEFAULTS

SITE = "http://127.0.0.1:9"
THREAD = "burst"
BOT_POSTS = 1000
CONCURRENCY = 8


def post_once(url: str, number: int, origin: str) -> int | str:
    """The answer's status; "429 nginx" when nginx, not the server, refused it."""
    body = json.dumps({"text": f"Cheap watches, offer {number}", "title": "Burst"}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Origin": origin, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        if error.code == 429 and b"<center>nginx" in error.read():
            return "429 nginx"
        return error.code
    except OSError:
        return 0  # no answer at all


def burst(new_url: str, origin: str, count: int = BOT_POSTS) -> tuple[Counter, float]:
    """`count` posts, CONCURRENCY at a time; (statuses, seconds). Bounded: every
    request has a timeout and the pool stops after `count`."""
    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = Counter(pool.map(lambda n: post_once(new_url, n, origin), range(count)))
    return statuses, time.monotonic() - started


def stored(database: Path) -> Counter:
    """The comments in Isso's database by mode (1 published, 2 pending)."""
    with closing(sqlite3.connect(database)) as db:
        return Counter(mode for (mode,) in db.execute("SELECT mode FROM comments"))


def still_answers(thread_url: str) -> float:
    """Seconds a reader waits for a thread after the burst (404: no published comment)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(thread_url, timeout=10) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        assert error.code == 404, error.code
    return time.monotonic() - started


def report(where: str, statuses: Counter, seconds: float, queue: Counter, wait: float) -> str:
    text = (
        f"{where}: {sum(statuses.values())} bot posts in {seconds:.1f} s "
        f"({sum(statuses.values()) / seconds:.0f}/s); answers {dict(statuses)}; "
        f"stored {sum(queue.values())} (pending {queue[2]}, published {queue[1]}); "
        f"a reader then waits {wait * 1000:.0f} ms"
    )
    print(text)
    return text


def test_a_burst_of_bot_posts_is_held_to_the_rate_limit(comment_server):
    isso, _ = comment_server(SITE)
    statuses, seconds = burst(f"{isso.url}new?uri={THREAD}", SITE)
    queue = stored(isso.config_dir / "comments.db")
    wait = still_answers(f"{isso.url}?uri={THREAD}")
    report("gunicorn", statuses, seconds, queue, wait)
    # Nothing failed, almost everything was refused before Isso, nothing published.
    assert set(statuses) <= {202, 403, 429}
    assert statuses[429] >= BOT_POSTS - DEFAULTS["post_rate"]
    assert 0 < sum(queue.values()) <= DEFAULTS["post_rate"] and queue[1] == 0
    assert wait < 2
