"""How the build grows with the site: time, memory and each phase, at several sizes.

    python -m bench.scale --sizes 1000,5000,20000 [--baseline] [--work-dir /dev/shm]

For each size, writes the synthetic corpus (bench/corpus.py) and builds it once
with `pelicanconf.py` through `bench.phases` (Pelican's own command line, with
the phases timed by their signals), measured by `bench.measure` (wall, CPU,
and the PSS sum of every process of the build). With `--baseline`, plain
Pelican (bench/pelican_baseline.py) is built too. Then, for each phase and
each step from one size to the next, the growth ratio: (time ratio) /
(size ratio). About 1 is linear; a phase whose ratio is well above 1 grows
faster than the site, and is named. One build per size: a map of where time
goes, not a figure for the budgets of docs/benchmarks.md (that is `bench.run`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import corpus
from bench.measure import run_measured
from commons import DEV_SETTINGS, REPO_ROOT
from commons.build import pelican_command

BASELINE_SETTINGS = REPO_ROOT / "bench" / "pelican_baseline.py"
MIB = 1024 * 1024
# Above this, a phase's growth from one size to the next is called superlinear.
SUPERLINEAR = 1.3


def phases_command(settings: Path, content: Path, output: Path, cache: Path) -> list[str]:
    command = pelican_command(settings, output, content, overrides={"CACHE_PATH": str(cache)})
    # The same arguments, through the phase clock instead of `-m pelican`.
    return [sys.executable, "-m", "bench.phases", *command[3:]]


def phases_in(log: Path) -> dict:
    for line in reversed(log.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith("PHASES "):
            return json.loads(line.removeprefix("PHASES "))
    return {}


def build_once(settings: Path, content: Path, work: Path, name: str) -> dict:
    output, cache, log = work / f"{name}-out", work / f"{name}-cache", work / f"{name}.log"
    for folder in (output, cache):
        shutil.rmtree(folder, ignore_errors=True)
    environment = {**os.environ, "COMMONS_COMMENTS_OFFLINE": "1", "COLUMNS": "200"}
    measured = run_measured(
        phases_command(settings, content, output, cache), log, cwd=REPO_ROOT, env=environment
    )
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    return {**measured.as_dict(), "phases": phases_in(log)}


def growth(results: dict[int, dict], build: str) -> list[dict]:
    """Per phase and step, (time ratio) / (size ratio); above SUPERLINEAR is named."""
    sizes = sorted(size for size in results if build in results[size])
    steps = []
    for small, large in itertools.pairwise(sizes):
        before, after = results[small][build], results[large][build]
        scale = large / small
        rows = {"total": (before["wall"], after["wall"])}
        for phase, timing in after["phases"].items():
            if phase in before["phases"]:
                rows[phase] = (before["phases"][phase]["wall"], timing["wall"])
        for phase, (was, now) in rows.items():
            if was > 0.05:  # shorter phases are noise
                ratio = (now / was) / scale
                steps.append(
                    {
                        "build": build,
                        "from": small,
                        "to": large,
                        "phase": phase,
                        "growth": ratio,
                        "superlinear": ratio > SUPERLINEAR,
                    }
                )
    return steps


def format_text(results: dict[int, dict], steps: list[dict]) -> str:
    lines = []
    for size in sorted(results):
        for build, entry in results[size].items():
            tree = entry.get("tree_peak")
            memory = f"{tree / MIB:.0f} MiB all processes" if tree else "memory not sampled"
            lines.append(
                f"N={size:,} {build}: {entry['wall']:.1f} s wall, {entry['cpu']:.1f} s CPU, "
                f"{memory}, largest process {entry['max_rss'] / MIB:.0f} MiB"
            )
            for phase, timing in entry["phases"].items():
                lines.append(
                    f"    {phase:<22} {timing['wall']:8.2f} s  "
                    f"({timing['wall'] * 1000 / size:6.2f} ms/post, main CPU {timing['cpu']:.2f} s)"
                )
    lines.append("")
    lines.append(
        f"Growth per step ((time ratio) / (size ratio); over {SUPERLINEAR} is superlinear)"
    )
    for step in steps:
        mark = "  SUPERLINEAR" if step["superlinear"] else ""
        lines.append(
            f"  {step['build']:<8} {step['from']:>6,} -> {step['to']:<6,} {step['phase']:<22} "
            f"{step['growth']:5.2f}{mark}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", action="store_true", help="build plain Pelican too")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(dir=args.work_dir, prefix="commons-scale-") as folder:
        work = Path(folder)
        for size in sizes:
            content = work / f"corpus-{size}"
            corpus.write_corpus(size, args.seed, content)
            results[size] = {"commons": build_once(DEV_SETTINGS, content, work, f"commons-{size}")}
            if args.baseline:
                results[size]["pelican"] = build_once(
                    BASELINE_SETTINGS, content, work, f"pelican-{size}"
                )
            print(format_text({size: results[size]}, []), flush=True)
            shutil.rmtree(content)
    steps = [step for build in ("commons", "pelican") for step in growth(results, build)]
    print()
    print(format_text(results, steps))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "steps": steps}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
