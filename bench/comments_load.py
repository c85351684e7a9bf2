"""A bounded load test of the production comment server on 127.0.0.1.

    .venv/bin/python -m bench.comments_load [--reads 2000] [--posts 300]
        [--concurrency 1,8,32] [--workers 2] [--comments 20]

Starts the configuration `invoke comments-config` writes (Isso under
gunicorn, moderation and the rate-limit guard on, SQLite) on a free loopback
port with a fresh database, seeds one thread with `--comments` published
comments, then, for each concurrency level, has that many client threads
read the thread (`GET /?uri=…`, what each reader's browser asks) and post
comments (`POST /new`, each from another reader's network through
X-Forwarded-For, as nginx passes it, so the guard lets them through). It
prints requests per second, latency percentiles and the server's own CPU
time per request (gunicorn's master and workers, from /proc: what one core
can serve, whatever else the machine is doing), and writes JSON to
bench/results/comments-load-<time>.json.

The clients run on the same machine as the server: on a small machine they
take part of its CPU, so the figures are a lower bound for the server alone.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sqlite3
import tempfile
import threading
import time
import urllib.request
from contextlib import closing
from pathlib import Path

from commons import PUBLISH_SETTINGS
from commons.comments.server import local_server

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
SITE = "http://127.0.0.1:9"
THREAD = "load-test-thread"


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) of gunicorn's master and its workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        if master in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Counter:
    def __init__(self):
        self._lock = threading.Lock()
        self.value = 0

    def next(self) -> int:
        with self._lock:
            self.value += 1
            return self.value


def read(url: str, _n: int) -> int:
    with urllib.request.urlopen(f"{url}?uri={THREAD}&nested_limit=5", timeout=60) as answer:
        answer.read()
        return answer.status


def post_comment(url: str, uri: str, n: int, fields: dict, timeout: float) -> int:
    """POST one comment as a browser on the site would, from the n-th client address."""
    request = urllib.request.Request(
        f"{url}new?uri={uri}",
        data=json.dumps(fields).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": SITE,
            # Each comment from another /24, so that Isso's per-address limits
            # and the guard see many readers, as in production.
            "X-Forwarded-For": f"10.{n // 250 % 250}.{n % 250}.9",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        answer.read()
        return answer.status


def write(url: str, n: int) -> int:
    fields = {"text": f"Load test comment {n}", "title": "Load test", "author": "x"}
    return post_comment(url, f"load-post-{n % 50}", n, fields, timeout=60)


def run(action, url: str, total: int, concurrency: int, numbers: Counter, master: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    done = Counter()

    def client():
        while done.next() <= total:
            started = time.perf_counter()
            try:
                status = action(url, numbers.next())
                ok = status in (200, 201, 202)
            except OSError as error:  # urllib's HTTPError and URLError are OSErrors
                ok, status = False, str(error)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(str(status))

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    cpu_before = server_cpu_seconds(master)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = server_cpu_seconds(master) - cpu_before
    return {
        "requests": len(latencies),
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "req_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "server_cpu_ms_per_request": round(cpu * 1000 / len(latencies), 2),
        "errors": len(errors),
        "error_sample": errors[:3],
    }


def seed(url: str, database: Path, comments: int, numbers: Counter) -> None:
    for _ in range(comments):
        n = numbers.next()
        fields = {"text": f"Seed comment {n}, a few words long.", "title": "Load"}
        post_comment(url, THREAD, n, fields, timeout=30)
    with closing(sqlite3.connect(database)) as db:
        db.execute("UPDATE comments SET mode = 1")  # as if the moderator approved them
        db.commit()


def main(argv=None) -> int:
    from commons.config import load

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--comments", type=int, default=20)
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.concurrency.split(",")]
    if max(args.reads, args.posts) > 10000:
        parser.error("--reads and --posts are bounded at 10,000: this is a local test")

    settings = load(PUBLISH_SETTINGS).settings
    numbers = Counter()
    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "workers": args.workers,
        "seeded_comments": args.comments,
        "reads": [],
        "posts": [],
    }
    with tempfile.TemporaryDirectory(prefix="commons-comments-load-") as tmp:
        server, _ = local_server(settings, Path(tmp), SITE, workers=args.workers)
        with open(Path(tmp) / "server.log", "w") as log:
            server.start(log)
            try:
                seed(server.url, Path(tmp) / "comments.db", args.comments, numbers)
                print(f"Isso under gunicorn ({args.workers} workers) at {server.url}")
                for level in levels:
                    for kind, action, total in (
                        ("reads", read, args.reads),
                        ("posts", write, args.posts),
                    ):
                        print(f"  {kind}: {total} requests, {level} at a time…", flush=True)
                        results[kind].append(
                            run(action, server.url, total, level, numbers, server.pid)
                        )
            finally:
                server.stop()
    results["load_after"] = os.getloadavg()[0]

    print(
        "\n| what | concurrency | requests | req/s | p50 ms | p95 ms | max ms "
        "| server CPU ms/request | errors |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind, label in (("reads", "read a thread"), ("posts", "post a comment")):
        for row in results[kind]:
            print(
                f"| {label} | {row['concurrency']} | {row['requests']} | {row['req_per_s']} | "
                f"{row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | "
                f"{row['server_cpu_ms_per_request']} | {row['errors']} |"
            )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = results["when"].replace(":", "").replace("-", "")
    out = RESULTS_DIR / f"comments-load-{stamp}.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(
        f"\nWrote {out.relative_to(REPO_ROOT)}; load average {results['load_before']:.2f} "
        f"before, {results['load_after']:.2f} after."
    )
    return 1 if any(r["errors"] for k in ("reads", "posts") for r in results[k]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
