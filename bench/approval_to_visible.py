"""From a moderator's approval to the comment on the published page, with nobody running a command.

    python -m bench.approval_to_visible --posts 1000 --approvals 5 [--work-dir /dev/shm]

1. Writes the benchmark corpus (bench/corpus.py, `--posts` posts) and starts
   the production comment server on loopback as `invoke comments-config` sets
   it up (gunicorn, Commons' app, moderation on: commons.comments.server),
   with `--comments` published comments in every post's thread and one
   comment waiting for moderation in `--approvals` of them, written into its
   SQLite database.
2. Starts the comment publisher (`python -m commons.comments.publisher`, what
   `commons-publisher.service` runs) with publishconf.py and its default
   interval, publishing by rsync to a local folder; waits for its first
   publish (a cold build: not measured).
3. Approves the waiting comments one at a time through Isso's moderation API
   (the signed `activate` link of the moderator's e-mail) and, for each, reads
   the post's page in the target folder every 50 ms until the comment is in
   its snapshot. Prints each time and the median; exits 1 when one takes
   60 s or more (README "Comment snapshots": the loop closes within 60 s).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import types
import urllib.request
from pathlib import Path

from lxml import html

from bench.comment_snapshot import thread_comments
from bench.corpus import make_posts, write_corpus
from bench.snapshot_refresh import Moderator, seed
from commons import PUBLISH_SETTINGS, REPO_ROOT
from commons.comments.publisher import INTERVAL
from commons.comments.server import local_server
from commons.servers import free_port

BUDGET_SECONDS = 60.0
FIRST_PUBLISH_TIMEOUT = 1800.0


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def post_path(post) -> str:
    """The post's page, as pelicanconf.py's ARTICLE_SAVE_AS writes it."""
    return f"{post.date:%Y}/{post.date:%m}/{post.slug}/index.html"


def shows(page: Path, text: str) -> bool:
    try:
        body = page.read_bytes()
    except FileNotFoundError:
        return False
    if text.encode() not in body:
        return False
    nodes = html.fromstring(body).xpath("//*[@data-discussion-snapshot]")
    return any(text in node.text_content() for node in nodes)


def publisher_command(content: Path, state: Path, interval: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "commons.comments.publisher",
        "--content",
        str(content),
        "--state",
        str(state),
        "--interval",
        str(interval),
    ]


def measure(options, work: Path) -> list[float]:
    content, target, log_path = work / "content", work / "www", work / "publisher.log"
    write_corpus(options.posts, options.seed, content)
    posts = make_posts(options.posts, options.seed)
    rng = random.Random(options.seed)
    threads = {post.comments_id: thread_comments(rng, options.comments, 1.7e9) for post in posts}
    waiting_posts = rng.sample(posts, options.approvals)
    site = f"http://127.0.0.1:{free_port()}"
    from commons.config import load

    isso, _ = local_server(load(PUBLISH_SETTINGS).settings, work / "isso", site)
    env = {key: value for key, value in os.environ.items() if "COMMONS_" not in key}
    env.update(
        COMMONS_PUBLISH_METHOD="rsync",
        COMMONS_RSYNC_TARGET=f"{target}/",
        COMMONS_SITEURL=site,
        COMMONS_ISSO_URL=isso.url,
        COMMONS_COMMENTS_CACHE=str(work / "comments-cache"),
    )
    with open(work / "isso.log", "w", encoding="utf-8") as isso_log:
        isso.start(isso_log)
        try:
            # Isso makes its database on its first request.
            urllib.request.urlopen(isso.url + "?uri=warm-up", timeout=10).close()
            database = isso.config_dir / "comments.db"
            # Every post's thread has its comments and one waiting for moderation.
            pending = seed(database, threads, pending_every=1)
            waiting = [(post, pending[post.comments_id]) for post in waiting_posts]
            moderator = Moderator(types.SimpleNamespace(url=isso.url, data_dir=isso.config_dir))
            with open(log_path, "w", encoding="utf-8") as log:
                service = subprocess.Popen(
                    publisher_command(content, work / "state", options.interval),
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                try:
                    return approve_each(service, moderator, waiting, target, log_path)
                finally:
                    os.killpg(service.pid, signal.SIGTERM)
                    service.wait(timeout=60)
        finally:
            isso.stop()


def approve_each(service, moderator, waiting, target: Path, log_path: Path) -> list[float]:
    progress("Waiting for the publisher's first publish (a cold build)…")
    started = time.monotonic()
    while "Published" not in log_path.read_text(encoding="utf-8"):
        if service.poll() is not None or time.monotonic() - started > FIRST_PUBLISH_TIMEOUT:
            raise RuntimeError("The publisher did not publish:\n" + log_path.read_text())
        time.sleep(0.5)
    progress(f"First publish after {time.monotonic() - started:.0f} s.")
    times = []
    for number, (post, comment_id) in enumerate(waiting, 1):
        page = target / post_path(post)
        # The comment seeded as waiting (bench/snapshot_refresh.seed).
        assert not shows(page, "Waiting."), page
        time.sleep(2)  # the publisher at rest, its last round done
        approved = time.monotonic()
        moderator.moderate(comment_id, "activate")
        while not shows(page, "Waiting."):
            if service.poll() is not None:
                raise RuntimeError("The publisher stopped:\n" + log_path.read_text())
            if time.monotonic() - approved > BUDGET_SECONDS * 3:
                raise RuntimeError(f"Not visible after {BUDGET_SECONDS * 3:.0f} s: {page}")
            time.sleep(0.05)
        times.append(time.monotonic() - approved)
        progress(f"Approval {number}: visible on {post_path(post)} after {times[-1]:.1f} s")
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--approvals", type=int, default=5)
    parser.add_argument("--comments", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=float, default=INTERVAL)
    parser.add_argument("--work-dir", type=Path, default=None)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="commons-bench-approval-", dir=options.work_dir) as w:
        times = measure(options, Path(w))
        builds = [
            line.split("); ")[-1].rstrip(".")
            for line in (Path(w) / "publisher.log").read_text(encoding="utf-8").splitlines()
            if "Published" in line
        ]
    median = statistics.median(times)
    print(
        f"Approval to visible at {options.posts} posts (publisher every {options.interval:g} s, "
        f"rsync to a local folder): median {median:.1f} s over {len(times)} approvals "
        f"({', '.join(f'{t:.1f}' for t in times)} s); publisher rounds: {'; '.join(builds)}"
    )
    if max(times) >= BUDGET_SECONDS:
        print(f"Over budget: {max(times):.1f} s; the budget is under {BUDGET_SECONDS:.0f} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
