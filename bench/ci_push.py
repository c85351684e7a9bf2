"""A CI job with its cache kept (issue 25, point 5), against plain Pelican's cold build:

    python -m bench.ci_push --posts 1000 --pairs 3 --work-dir /dev/shm

Writes the bench corpus, builds it once with Commons' production settings
through `commons.build` (as `invoke publish` does) into a folder that is kept,
with the content cache beside it, then, pair after pair in ABBA order:

- plain Pelican's cold build of the corpus (bench/pelican_baseline.py, an
  empty output and cache);
- a CI job's build: every source file written anew with a new time (a fresh
  clone), one post's text changed (the push), then the production build into
  the kept folder.

Both are timed from outside (bench/measure.py: wall, CPU of every process,
Pagefind included). Prints each pair, the median wall ratio (budget: at most
0.6x), and whether the pushed build equals a cold production build of the
same corpus, byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import corpus
from bench.measure import run_measured
from bench.run import BASELINE, _env, build_command
from bench.stats import median, paired_ratios, schedule
from commons import PUBLISH_SETTINGS, REPO_ROOT

BUDGET_WALL_RATIO = 0.6
PUSH = "commons-push"


def build_command_line(output: Path, content: Path) -> list[str]:
    """This module run as the production build one CI job runs."""
    return [sys.executable, "-m", "bench.ci_push", "--build", str(output), str(content)]


def clone_and_push(content: Path, round_: int) -> Path:
    """A fresh clone's file times, and one post changed as a push would."""
    later = time.time() + 3600 * (round_ + 1)
    for path in content.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes())
            os.utime(path, (later, later))
    posts = sorted(content.glob("*.md"))
    pushed = posts[len(posts) // 2]
    text = pushed.read_text(encoding="utf-8").split("\n\nPushed in round ")[0].rstrip("\n")
    pushed.write_text(f"{text}\n\nPushed in round {round_ + 1}.\n", encoding="utf-8")
    return pushed


def differing_files(one: Path, other: Path) -> list[str]:
    found = []

    def walk(comparison: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in comparison.left_only + comparison.right_only)
        _same, mismatch, errors = filecmp.cmpfiles(
            comparison.left, comparison.right, comparison.common_files, shallow=False
        )
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(one, other, ignore=[], hide=[]), "")
    return found


def run(posts: int, pairs: int, work_dir: Path | None, seed: int) -> int:
    root = Path(tempfile.mkdtemp(prefix="commons-ci-push-", dir=work_dir))
    try:
        content = root / "corpus"
        corpus.write_corpus(posts, seed, content, "pelican")
        kept = root / "ci" / "site"
        first = run_measured(build_command_line(kept, content), root / "first.log", REPO_ROOT)
        print(
            f"N={posts} first production build (cold cache): {first.wall:.2f} s wall, "
            f"{first.cpu:.2f} s CPU",
            flush=True,
        )
        walls: dict[str, list[float]] = {BASELINE.key: [], PUSH: []}
        cpus: dict[str, list[float]] = {BASELINE.key: [], PUSH: []}
        for round_, key in schedule(BASELINE.key, [PUSH], pairs):
            load = os.getloadavg()[0]
            if key == PUSH:
                clone_and_push(content, round_)
                measured = run_measured(
                    build_command_line(kept, content), root / "push.log", REPO_ROOT
                )
            else:
                folder = root / "pelican"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                measured = run_measured(
                    build_command(BASELINE, content, folder / "output", folder / "cache"),
                    folder / "build.log",
                    cwd=REPO_ROOT,
                    env=_env(),
                )
            walls[key].append(measured.wall)
            cpus[key].append(measured.cpu)
            print(
                f"  round {round_ + 1} {key:<13} {measured.wall:6.2f} s wall "
                f"{measured.cpu:6.2f} s CPU  load {load:.1f}",
                flush=True,
            )
        ratios = paired_ratios(walls[BASELINE.key], walls[PUSH])
        ratio = median(ratios)
        verdict = "PASS" if ratio <= BUDGET_WALL_RATIO else "FAIL"
        print(
            f"plain Pelican cold: median {median(walls[BASELINE.key]):.2f} s wall, "
            f"{median(cpus[BASELINE.key]):.2f} s CPU"
        )
        print(
            f"Commons CI push:    median {median(walls[PUSH]):.2f} s wall, "
            f"{median(cpus[PUSH]):.2f} s CPU"
        )
        print(
            f"wall ratio {ratio:.2f} ({', '.join(f'{r:.2f}' for r in ratios)}); "
            f"budget {BUDGET_WALL_RATIO}: {verdict}"
        )
        cold = root / "cold" / "site"
        run_measured(build_command_line(cold, content), root / "cold.log", REPO_ROOT)
        differing = differing_files(cold, kept)
        print(
            f"pushed build against a cold production build: {len(differing)} files differ "
            f"{differing[:5]}"
        )
        return 0 if verdict == "PASS" and not differing else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument(
        "--build",
        nargs=2,
        type=Path,
        metavar=("OUTPUT", "CONTENT"),
        help="(internal) run one production build, as the timed child",
    )
    args = parser.parse_args(argv)
    if args.build:
        from commons.build import build_site

        build_site(args.build[0], settings_file=PUBLISH_SETTINGS, content=args.build[1])
        return 0
    return run(args.posts, args.pairs, args.work_dir, args.seed)


if __name__ == "__main__":
    sys.exit(main())
