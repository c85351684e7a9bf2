"""What the comment snapshot costs: a warm-cache build, and a refresh against Isso.

    python -m bench.comment_snapshot --posts 1000 --comments 10 --runs 3

1. Builds the synthetic corpus (bench/corpus.py) with `pelicanconf.py` with the
   snapshot off and with it on and a warm cache holding `--comments`
   comments per thread (a third of them replies), in pairs, `--runs` times
   each (the first of a pair alternates); prints the median wall and CPU
   times, the median of the paired ratios and their spread, and the ratio of
   the fastest builds.
2. Starts a local Isso (commons.servers.IssoServer), writes the same comments
   into its SQLite database, and times a refresh of every thread
   (commons.comments.snapshot.fetch_threads, bounded concurrency).

With `--instructions`, step 1 also counts the instructions each build runs,
with Valgrind's cachegrind (Debian's `valgrind`): one build with the snapshot
off and one with it on, every process (Python and Pagefind) summed. Seconds on
a shared virtual machine wander by 10 % and more from one build to the next;
the instructions of a build are the same to within a few tenths of a percent,
so they show what the snapshot adds even when the seconds cannot. These two
builds run in one process each (PARALLEL_READ and PARALLEL_RENDER off): a
child that Valgrind follows through a fork starts with its parent's count, so
the processes of a forking build cannot be summed. The work is the same; a
parallel build shares it out between cores.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus
from bench.measure import run_measured
from commons import DEV_SETTINGS, REPO_ROOT
from commons.build import pelican_command
from commons.comments.snapshot import ThreadRef, fetch_threads, server_cache, write_thread
from commons.servers import IssoServer

WORDS = "the tool library opens on thursday bring a drill borrow a saw and stay for tea"


def thread_comments(rng: random.Random, count: int, start: float) -> list[dict]:
    comments = []
    for number in range(1, count + 1):
        parent = str(rng.randint(1, number - 1)) if number > 1 and number % 3 == 0 else None
        text = " ".join(rng.choice(WORDS.split()) for _ in range(rng.randint(20, 60)))
        comments.append(
            {
                "id": str(number),
                "parent": parent,
                "author": f"Member {rng.randint(1, 200)}",
                "website": "https://member.example/" if number % 4 == 0 else None,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + number * 3600)),
                "text": f"<p>{text.capitalize()}.</p>",
                "deleted": False,
            }
        )
    return comments


def discussion(cache: Path, enabled: bool, isso_url: str = "http://127.0.0.1:9/") -> dict:
    return {
        "DISCUSSION": {
            "provider": "isso",
            "isso": {"url": isso_url},
            "snapshot": {"enabled": enabled, "cache_dir": str(cache), "refresh": "missing"},
        }
    }


def fresh_build_command(work: Path, content: Path, overrides: dict, name: str) -> list[str]:
    """The command of one full build: its output folder and content cache are emptied first."""
    output = work / f"output-{name}"
    cache = work / f"pelican-cache-{name}"
    for folder in (output, cache):
        shutil.rmtree(folder, ignore_errors=True)
    return pelican_command(DEV_SETTINGS, output, content, {"CACHE_PATH": str(cache), **overrides})


def measured_build(work: Path, content: Path, overrides: dict, env: dict, name: str):
    """One full build (fresh output and content cache) with its wall and CPU time."""
    command = fresh_build_command(work, content, overrides, name)
    return run_measured(command, work / f"{name}.log", cwd=REPO_ROOT, env={**os.environ, **env})


# cachegrind's summary line, one per process: "==123== I   refs:      43,994,138,841".
_INSTRUCTIONS = re.compile(r"^==\d+== I\s+refs:\s+([\d,]+)\s*$", re.MULTILINE)
# The same string hashes, so that the same dict and set orders give the same counts.
COUNTED_ENV = {"PYTHONHASHSEED": "0"}
SERIAL = {"PARALLEL_READ": {"enabled": False}, "PARALLEL_RENDER": {"enabled": False}}


def instructions_in(log_dir: Path) -> int:
    """The instructions of every process cachegrind followed: the sum of its logs' summaries."""
    total = 0
    for log in sorted(log_dir.glob("*.log")):
        found = _INSTRUCTIONS.findall(log.read_text(encoding="utf-8", errors="replace"))
        if not found:
            raise RuntimeError(f"{log}: no instruction count (did the process end normally?)")
        total += int(found[-1].replace(",", ""))
    if not total:
        raise RuntimeError(f"{log_dir}: no cachegrind log")
    return total


def counted_builds(work: Path, content: Path, cache: Path, env: dict) -> dict[bool, int]:
    """Instructions of one build with the snapshot off and one with it on, run side by side."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs Valgrind: apt-get install valgrind")
    running = {}
    for enabled in (False, True):
        name = "counted-on" if enabled else "counted-off"
        logs = work / f"{name}-cachegrind"
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir()
        overrides = {**SERIAL, **discussion(cache, enabled)}
        command = [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            "--trace-children=yes",
            "--cachegrind-out-file=/dev/null",
            f"--log-file={logs}/%p.log",
            *fresh_build_command(work, content, overrides, name),
        ]
        log = open(work / f"{name}.log", "wb")  # noqa: SIM115 - closed below, once it has ended
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env={**os.environ, **env, **COUNTED_ENV},
        )
        running[enabled] = (process, log, logs)
    print(
        "  counting instructions: one build with the snapshot off and one with it on, "
        "side by side under Valgrind (minutes, not seconds)",
        flush=True,
    )
    started = time.monotonic()
    counts = {}
    for enabled, (process, log, logs) in running.items():
        process.wait()
        print(
            f"  counted build with the snapshot {'on' if enabled else 'off'} ended after "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
        log.close()
        if process.returncode != 0:
            raise SystemExit(f"the counted build failed; see {log.name}")
        counts[enabled] = instructions_in(logs)
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where the corpus and the builds go (default: the system's temporary folder); "
        "/dev/shm keeps a throttled virtual disk out of the figures",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each build's instructions with Valgrind (a few minutes per build)",
    )
    options = parser.parse_args(argv)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(
        prefix="commons-bench-comments-", dir=options.work_dir
    ) as folder:
        work = Path(folder)
        content = work / "content"
        corpus.write_corpus(options.posts, 1, content)
        posts = corpus.make_posts(options.posts, 1)
        threads = {
            post.comments_id: thread_comments(rng, options.comments, 1.7e9) for post in posts
        }
        cache = work / "cache"
        snapshots = server_cache(cache, "isso", discussion(cache, True)["DISCUSSION"]["isso"])
        for thread_id, comments in threads.items():
            write_thread(snapshots, thread_id, "isso", comments)
        env = {"COMMONS_COMMENTS_CACHE": ""}
        print(f"{options.posts} posts x {options.comments} comments; {options.runs} runs each")
        off, on = [], []
        measured_build(work, content, discussion(cache, True), env, "warm-up")
        for run in range(options.runs):
            # Each round swaps which build goes first, so that neither always
            # follows the other's writes (and their write-back).
            for enabled in (False, True) if run % 2 == 0 else (True, False):
                name = "on" if enabled else "off"
                found = measured_build(work, content, discussion(cache, enabled), env, name)
                (on if enabled else off).append(found)
            print(
                f"  run {run + 1}: snapshot off {off[-1].wall:.2f} s wall, {off[-1].cpu:.2f} s "
                f"CPU; on (warm cache) {on[-1].wall:.2f} s wall, {on[-1].cpu:.2f} s CPU",
                flush=True,
            )
        for what in ("wall", "cpu"):
            before = [getattr(m, what) for m in off]
            after = [getattr(m, what) for m in on]
            ratios = [b / a for a, b in zip(before, after, strict=True)]
            ratio = statistics.median(ratios)
            # The fastest build of each kind is the one the machine disturbed
            # least: on a shared virtual machine, the steadier comparison.
            fastest = min(after) / min(before)
            print(
                f"Build {what}: median {statistics.median(before):.2f} s without the snapshot, "
                f"{statistics.median(after):.2f} s with it; {(ratio - 1) * 100:+.1f} % "
                f"(median of paired ratios, which ranged {(min(ratios) - 1) * 100:+.1f} % to "
                f"{(max(ratios) - 1) * 100:+.1f} %); fastest builds {min(before):.2f} s and "
                f"{min(after):.2f} s, {(fastest - 1) * 100:+.1f} %"
            )

        if options.instructions:
            counts = counted_builds(work, content, cache, env)
            print(
                f"Build instructions (cachegrind; builds in one process, Pagefind's counted too): "
                f"{counts[False]:,} without the snapshot, {counts[True]:,} with it; "
                f"{(counts[True] / counts[False] - 1) * 100:+.2f} %",
                flush=True,
            )

        isso = IssoServer(work / "isso", ["http://127.0.0.1:9"], guard=False)
        isso.write_config()
        with isso:
            database = sqlite3.connect(isso.data_dir / "comments.db")
            with database:
                for thread_number, (thread_id, comments) in enumerate(threads.items(), 1):
                    database.execute(
                        "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
                        (thread_number, thread_id, thread_id),
                    )
                    base = thread_number * 1000
                    for comment in comments:
                        parent = comment["parent"]
                        database.execute(
                            "INSERT INTO comments (tid, id, parent, created, mode, remote_addr,"
                            " text, author, website, voters) VALUES (?,?,?,?,1,?,?,?,?,?)",
                            (
                                thread_number,
                                base + int(comment["id"]),
                                base + int(parent) if parent else None,
                                time.time(),
                                "127.0.0.1",
                                comment["text"][3:-4],
                                comment["author"],
                                comment["website"],
                                b"",
                            ),
                        )
            database.close()
            refs = [ThreadRef(thread_id, "") for thread_id in threads]
            report = fetch_threads(
                work / "refreshed",
                "isso",
                {"url": isso.url},
                refs,
                refresh="all",
                concurrency=options.concurrency,
                timeout=10,
            )
        print(
            f"Refresh: {report.fetched} of {report.wanted} threads from a local Isso in "
            f"{report.seconds:.1f} s (concurrency {options.concurrency}); "
            f"failed {len(report.failed)}, down: {report.down}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
