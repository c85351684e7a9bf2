"""The benchmark suite, in one command:

    python -m bench.run                      # N = 100, 1,000 and 5,000; 5 runs each
    python -m bench.run --quick              # N = 100, 3 runs: a smoke test, not figures
    python -m bench.run --sizes 1000 --runs 7 --markdown bench/results/table.md

It writes the synthetic corpus (bench/corpus.py) at each size, then builds it,
round after round, with plain Pelican (the baseline: default theme, no
plugins, the same feeds and cache as Commons; see bench/pelican_baseline.py),
with Commons' local and production settings, and with Hugo when `hugo` is
installed. Each build runs in a fresh child process into an empty output and
cache folder, exactly as `commons.build` runs Pelican (`--fatal warnings`);
its wall time, CPU time and peak memory come from the kernel (bench/measure.py).
Each figure is the median of the runs, and each ratio is the median of the
per-round ratios to the baseline build made in the same round.

It then times a rebuild after editing one post, with Pelican's content cache
on, measures the sample article's page weight in Chromium (bench/page_weight.py),
prints a table and the budget checks (PASS/FAIL), and writes everything as
JSON under bench/results/. The exit code is 1 when a budget fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import runpy
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import corpus, pagefind_alone
from bench.measure import MeasureError, Measurement, run_measured
from bench.stats import median, paired_ratio, schedule
from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.build import pelican_command

RESULTS_DIR = REPO_ROOT / "bench" / "results"
BASELINE_SETTINGS = REPO_ROOT / "bench" / "pelican_baseline.py"
DEFAULT_SIZES = (100, 1000, 5000)
DEFAULT_RUNS = 5
QUICK_SIZES = (100,)
QUICK_RUNS = 3
MIN_RUNS_FOR_FIGURES = 5

# Budgets (issue 6). Ratios are against plain Pelican on the same corpus.
# Rendering and reading on every core: at most 0.7x plain Pelican's wall time.
BUDGET_WALL_RATIO = 0.70
BUDGET_WALL_SIZES = (1000, 5000)
BUDGET_RSS_BYTES = 300 * 1024 * 1024
BUDGET_RSS_POSTS = 5000
# Issue 25: a production build costs at most 1.1x the CPU of plain Pelican plus
# Pagefind alone on the same pages, and its Python processes together at most
# 2x plain Pelican's memory (Pagefind's apart).
BUDGET_CPU_WITH_SEARCH_RATIO = 1.10
BUDGET_PYTHON_MEMORY_RATIO = 2.0
BUDGET_COST_SIZES = (1000, 5000)
MIB = 1024 * 1024


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    settings: Path | None  # None: Hugo

    @property
    def is_hugo(self) -> bool:
        return self.settings is None


BASELINE = Variant("pelican", "Plain Pelican, default theme", BASELINE_SETTINGS)
COMMONS_DEV = Variant("commons-dev", "Commons, pelicanconf.py", DEV_SETTINGS)
COMMONS_PROD = Variant("commons-prod", "Commons, publishconf.py", PUBLISH_SETTINGS)
HUGO = Variant("hugo", "Hugo, minimal theme", None)
VARIANTS = {variant.key: variant for variant in (BASELINE, COMMONS_DEV, COMMONS_PROD, HUGO)}


def hugo_binary() -> str | None:
    return shutil.which("hugo")


def hugo_version(binary: str) -> str:
    completed = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)
    # "hugo v0.111.3+extended linux/amd64 BuildDate=..." -> "Hugo v0.111.3+extended"
    words = completed.stdout.split()
    return f"Hugo {words[1]}" if len(words) > 1 else completed.stdout.strip()


def build_command(
    variant: Variant, source: Path, output: Path, cache: Path, overrides: dict | None = None
) -> list[str]:
    """The command line one timed build runs."""
    if variant.is_hugo:
        binary = hugo_binary()
        if binary is None:
            raise RuntimeError("hugo is not installed")
        return [binary, "--quiet", "-s", str(source), "-d", str(output)]
    # The same command line as commons.build.build_site: strict, one process.
    return pelican_command(
        variant.settings,
        output,
        source,
        overrides={"CACHE_PATH": str(cache), **(overrides or {})},
        fatal="warnings",
    )


def _env() -> dict:
    return {**os.environ, "COLUMNS": "200"}


class Workspace:
    """The corpus and the build folders for one size, in a temporary folder."""

    def __init__(self, root: Path, posts: int, seed: int, with_hugo: bool):
        self.root = root / f"n{posts}"
        self.posts = posts
        self.pelican_corpus = self.root / "corpus-pelican"
        self.hugo_site = self.root / "corpus-hugo"
        corpus.write_corpus(posts, seed, self.pelican_corpus, "pelican")
        if with_hugo:
            corpus.write_corpus(posts, seed, self.hugo_site, "hugo")

    def source(self, variant: Variant) -> Path:
        return self.hugo_site if variant.is_hugo else self.pelican_corpus

    def folders(self, variant: Variant, purpose: str) -> tuple[Path, Path, Path]:
        base = self.root / f"{purpose}-{variant.key}"
        return base / "output", base / "cache", base / "build.log"

    def fresh_folders(self, variant: Variant, purpose: str) -> tuple[Path, Path, Path]:
        output, cache, log = self.folders(variant, purpose)
        shutil.rmtree(output.parent, ignore_errors=True)
        output.parent.mkdir(parents=True)
        return output, cache, log

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure_full_builds(
    workspace: Workspace, variants: list[Variant], runs: int, warm_up: bool
) -> tuple[dict[str, list[Measurement]], dict[str, list[Measurement]]]:
    """Timed full builds from an empty output and cache, in the alternating order.

    Also, after each Commons build that wrote a search index, Pagefind alone
    over the same pages (bench/pagefind_alone.py), keyed by the variant: the
    search half of "plain Pelican plus Pagefind" for that round.
    """
    if warm_up:
        # First builds pay for .pyc files and a cold page cache: not timed.
        for variant in (BASELINE, *variants):
            output, cache, log = workspace.fresh_folders(variant, "full")
            run_measured(
                build_command(variant, workspace.source(variant), output, cache),
                log,
                cwd=REPO_ROOT,
                env=_env(),
            )
    samples: dict[str, list[Measurement]] = {v.key: [] for v in (BASELINE, *variants)}
    search_alone: dict[str, list[Measurement]] = {}
    order = schedule(BASELINE.key, [v.key for v in variants], runs)
    for step, (round_, key) in enumerate(order, start=1):
        variant = VARIANTS[key]
        output, cache, log = workspace.fresh_folders(variant, "full")
        measurement = run_measured(
            build_command(variant, workspace.source(variant), output, cache),
            log,
            cwd=REPO_ROOT,
            env=_env(),
        )
        samples[key].append(measurement)
        progress(
            f"  N={workspace.posts} round {round_ + 1}/{runs} {key:<13} "
            f"{measurement.wall:6.2f} s wall {measurement.cpu:6.2f} s CPU "
            f"{measurement.max_rss / MIB:6.1f} MiB  [{step}/{len(order)}]"
        )
        search = search_settings(variant)
        if search is not None and (output / search[0]["bundle_dir"]).is_dir():
            alone = pagefind_alone.measure(
                output, workspace.pelican_corpus, *search, output.parent / "pagefind-alone"
            )
            search_alone.setdefault(key, []).append(alone)
            progress(f"    Pagefind alone on the same pages: {alone.cpu:6.2f} s CPU")
        shutil.rmtree(output.parent, ignore_errors=True)
    return samples, search_alone


def search_settings(variant: Variant) -> tuple[dict, str] | None:
    """A Commons variant's SEARCH (defaults filled in) and language, or None without search."""
    if variant.is_hugo or variant is BASELINE:
        return None
    from plugins.search.plugin import DEFAULTS

    settings = runpy.run_path(str(variant.settings))
    search = {**DEFAULTS, **settings.get("SEARCH", {})}
    return search, settings.get("DEFAULT_LANG") or "en"


REBUILD_OVERRIDES = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}


def edit_one_post(post: Path, round_: int) -> None:
    """Change one post's text as an editor would: a new sentence at the end."""
    text = post.read_text(encoding="utf-8")
    marker = "\n\nEditor's note: updated "
    text = text.split(marker)[0].rstrip("\n")
    post.write_text(f"{text}{marker}for round {round_ + 1}.\n", encoding="utf-8")


def measure_rebuilds(
    workspace: Workspace, variants: list[Variant], runs: int
) -> dict[str, list[Measurement]]:
    """Rebuild after editing one post, each variant with its warm content cache."""
    participants = [BASELINE, *variants]
    for variant in participants:
        output, cache, log = workspace.fresh_folders(variant, "rebuild")
        run_measured(
            build_command(variant, workspace.source(variant), output, cache, REBUILD_OVERRIDES),
            log,
            cwd=REPO_ROOT,
            env=_env(),
        )
    posts = sorted(p for p in workspace.pelican_corpus.glob("*.md"))
    edited = posts[len(posts) // 2]
    samples: dict[str, list[Measurement]] = {v.key: [] for v in participants}
    for round_ in range(runs):
        edit_one_post(edited, round_)
        for variant in participants:
            output, cache, log = workspace.folders(variant, "rebuild")
            measurement = run_measured(
                build_command(variant, workspace.source(variant), output, cache, REBUILD_OVERRIDES),
                log,
                cwd=REPO_ROOT,
                env=_env(),
            )
            samples[variant.key].append(measurement)
            progress(
                f"  rebuild N={workspace.posts} round {round_ + 1}/{runs} {variant.key:<13} "
                f"{measurement.wall:6.2f} s wall"
            )
    return samples


def summarize(
    samples: dict[str, list[Measurement]],
    posts: int,
    search_alone: dict[str, list[Measurement]] | None = None,
) -> dict:
    """Medians per variant, and each variant's paired ratios to the baseline.

    A variant with Pagefind-alone samples (one per round) is also compared with
    plain Pelican plus Pagefind alone: CPU summed, round by round.
    """
    baseline = samples[BASELINE.key]
    summary = {}
    for key, runs in samples.items():
        walls = [m.wall for m in runs]
        cpus = [m.cpu for m in runs]
        entry = {
            "label": VARIANTS[key].label,
            "samples": [m.as_dict() for m in runs],
            "wall": median(walls),
            "cpu": median(cpus),
            "max_rss": median([m.max_rss for m in runs]),
            "max_rss_highest": max(m.max_rss for m in runs),
            "own_max_rss": _median_or_none([m.own_max_rss for m in runs]),
            "tree_peak": _median_or_none([m.tree_peak for m in runs]),
            "tree_peak_highest": max(
                (m.tree_peak for m in runs if m.tree_peak is not None), default=None
            ),
            "python_peak": _median_or_none([m.python_peak for m in runs]),
            "helper_peak": _median_or_none([m.helper_peak for m in runs]),
            "ms_per_post": median(walls) * 1000 / posts,
            "wall_min": min(walls),
            "wall_max": max(walls),
        }
        if key != BASELINE.key:
            entry["ratio_wall"] = paired_ratio([m.wall for m in baseline], walls)
            entry["ratio_cpu"] = paired_ratio([m.cpu for m in baseline], cpus)
            pythons = [m.python_peak for m in runs]
            base_pythons = [m.python_peak for m in baseline]
            if None not in pythons and None not in base_pythons:
                entry["ratio_python_memory"] = paired_ratio(base_pythons, pythons)
        alone = (search_alone or {}).get(key)
        if alone:
            with_search = [b.cpu + a.cpu for b, a in zip(baseline, alone, strict=True)]
            entry["search_alone"] = {
                "samples": [m.as_dict() for m in alone],
                "cpu": median([m.cpu for m in alone]),
                "peak": median([m.tree_peak or m.max_rss for m in alone]),
            }
            entry["ratio_cpu_with_search"] = paired_ratio(with_search, cpus)
        summary[key] = entry
    return summary


def _median_or_none(values: list) -> float | None:
    known = [value for value in values if value is not None]
    return median(known) if known else None


def check_budgets(results: dict) -> list[dict]:
    """PASS/FAIL (or SKIP, with the reason) for each budget of issue 6."""
    budgets = []
    full = results["full_builds"]
    for posts in BUDGET_WALL_SIZES:
        for key in (COMMONS_DEV.key, COMMONS_PROD.key):
            name = (
                f"{VARIANTS[key].label}: wall time ≤ {BUDGET_WALL_RATIO:.2f}× plain Pelican "
                f"at N={posts:,}"
            )
            entry = full.get(str(posts), {}).get(key)
            if entry is None:
                budgets.append(_budget(name, None, "not measured"))
            else:
                ratio = entry["ratio_wall"]
                budgets.append(_budget(name, ratio <= BUDGET_WALL_RATIO, f"{ratio:.2f}×"))
    for key in (COMMONS_DEV.key, COMMONS_PROD.key):
        name = f"{VARIANTS[key].label}: peak memory < {BUDGET_RSS_BYTES // MIB} MiB"
        entry = full.get(str(BUDGET_RSS_POSTS), {}).get(key)
        if entry is None:
            budgets.append(_budget(name, None, f"N={BUDGET_RSS_POSTS:,} not measured"))
        else:
            # Every process of the build at once (PSS summed), when sampled;
            # otherwise the largest process alone.
            tree = entry.get("tree_peak_highest")
            peak = entry["max_rss_highest"] if tree is None else tree
            what = "the build's largest process" if tree is None else "all the build's processes"
            budgets.append(
                _budget(
                    name,
                    peak < BUDGET_RSS_BYTES,
                    f"{peak / MIB:.0f} MiB, {what} (highest of the runs; largest process "
                    f"{entry['max_rss_highest'] / MIB:.0f} MiB), at N={BUDGET_RSS_POSTS:,}",
                )
            )
    budgets += cost_budgets(full)
    from bench.page_weight import WEIGHT_BUDGET_BYTES

    name = (
        f"Sample article: HTML+CSS+JS+fonts+images ≤ {WEIGHT_BUDGET_BYTES // 1024} KB "
        f"({WEIGHT_BUDGET_BYTES:,} B) before interaction"
    )
    weight = results.get("page_weight") or {}
    before = weight.get("before")
    if before is None:
        budgets.append(_budget(name, None, weight.get("unavailable", "not measured")))
    else:
        total = before["budgeted_bytes"]
        budgets.append(_budget(name, total <= WEIGHT_BUDGET_BYTES, f"{total:,} bytes"))
    edit = results.get("edit_to_visible") or {}
    name = "Edit-to-visible: Commons' preview median ≤ hugo server's"
    if "ratio" not in edit:
        detail = edit.get("hugo_note") or "not measured"
        budgets.append(_budget(name, None, detail))
    else:
        budgets.append(
            _budget(name, edit["ratio"] <= 1.0, f"{edit['ratio']:.2f}× at N={edit['posts']:,}")
        )
    return budgets


def cost_budgets(full: dict) -> list[dict]:
    """Issue 25: a production build's CPU against plain Pelican plus Pagefind alone,
    and its Python processes' memory against plain Pelican's."""
    budgets = []
    label = COMMONS_PROD.label
    for posts in BUDGET_COST_SIZES:
        entry = full.get(str(posts), {}).get(COMMONS_PROD.key)
        name = (
            f"{label}: CPU ≤ {BUDGET_CPU_WITH_SEARCH_RATIO:.1f}× plain Pelican + Pagefind alone "
            f"at N={posts:,}"
        )
        if entry is None or "ratio_cpu_with_search" not in entry:
            budgets.append(_budget(name, None, "not measured"))
        else:
            ratio = entry["ratio_cpu_with_search"]
            budgets.append(
                _budget(
                    name,
                    ratio <= BUDGET_CPU_WITH_SEARCH_RATIO,
                    f"{ratio:.2f}× ({entry['cpu']:.1f} s; Pagefind alone "
                    f"{entry['search_alone']['cpu']:.1f} s)",
                )
            )
        name = (
            f"{label}: Python processes' memory ≤ {BUDGET_PYTHON_MEMORY_RATIO:.0f}× plain "
            f"Pelican's at N={posts:,}"
        )
        if entry is None or "ratio_python_memory" not in entry:
            budgets.append(_budget(name, None, "not measured"))
        else:
            ratio = entry["ratio_python_memory"]
            helper = entry.get("helper_peak")
            budgets.append(
                _budget(
                    name,
                    ratio <= BUDGET_PYTHON_MEMORY_RATIO,
                    f"{ratio:.2f}× ({entry['python_peak'] / MIB:.0f} MiB; Pagefind apart "
                    f"{(helper or 0) / MIB:.0f} MiB)",
                )
            )
    return budgets


def _budget(name: str, passed: bool | None, detail: str) -> dict:
    status = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
    return {"name": name, "status": status, "detail": detail}


def project_state() -> dict:
    """The commit measured, and whether the work tree had uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            completed = subprocess.run(
                ["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return completed.stdout.strip() if completed.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "uncommitted_changes": bool(status) if commit else None}


def _pelican_version() -> str:
    from importlib.metadata import version

    return version("pelican")


def run_suite(args: argparse.Namespace) -> dict:
    hugo = hugo_binary()
    variants = [VARIANTS[key] for key in args.variants]
    if not hugo or args.no_hugo:
        variants = [v for v in variants if not v.is_hugo]
    started = datetime.datetime.now(datetime.UTC)
    results: dict = {
        "started": started.isoformat(timespec="seconds"),
        "project": project_state(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "pelican": _pelican_version(),
            "hugo": hugo_version(hugo) if hugo else None,
            "load_average_before": list(os.getloadavg()),
        },
        "settings": {
            "sizes": args.sizes,
            "runs": args.runs,
            "seed": args.seed,
            "quick": args.quick,
            "work_dir": str(args.work_dir or tempfile.gettempdir()),
            "variants": [v.key for v in variants],
        },
        "full_builds": {},
        "rebuild": None,
        "edit_to_visible": None,
        "page_weight": None,
    }
    if not hugo:
        results["hugo_note"] = "Hugo is not installed (apt-get install hugo): no Hugo figures."
        progress(results["hugo_note"])
    rebuild_size = args.rebuild_size or _nearest(args.sizes, 1000)
    work_root = Path(tempfile.mkdtemp(prefix="commons-bench-", dir=args.work_dir))
    try:
        for index, posts in enumerate(sorted(args.sizes)):
            progress(f"N={posts}: writing the corpus")
            workspace = Workspace(work_root, posts, args.seed, any(v.is_hugo for v in variants))
            samples, search_alone = measure_full_builds(
                workspace, variants, args.runs, warm_up=index == 0
            )
            results["full_builds"][str(posts)] = summarize(samples, posts, search_alone)
            if posts == rebuild_size and not args.no_rebuild:
                pelican_variants = [v for v in variants if v is COMMONS_DEV]
                rebuilt = measure_rebuilds(workspace, pelican_variants, args.runs)
                results["rebuild"] = {"posts": posts, **summarize(rebuilt, posts)}
            workspace.remove()
    except MeasureError as error:
        # The work folder goes; the failed build's log stays for the reader.
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        kept = RESULTS_DIR / "failed-build.log"
        shutil.copyfile(error.log_path, kept)
        error.log_path = kept
        raise
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    if args.edits:
        from bench.edit_to_visible import measure as measure_edits

        results["edit_to_visible"] = measure_edits(
            rebuild_size, args.edits, args.seed, args.work_dir
        )
    if not args.no_page_weight:
        from bench.page_weight import measure_sample_article

        progress("Page weight: building the real site and loading the sample article")
        results["page_weight"] = measure_sample_article()
    results["machine"]["load_average_after"] = list(os.getloadavg())
    results["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    results["budgets"] = check_budgets(results)
    return results


def _nearest(sizes: list[int], target: int) -> int:
    return min(sizes, key=lambda size: (abs(size - target), size))


def _mib(value: float) -> str:
    return f"{value / MIB:.0f}"


def table_rows(results: dict) -> list[list[str]]:
    rows = []
    for posts, summary in sorted(results["full_builds"].items(), key=lambda item: int(item[0])):
        for entry in summary.values():
            ratio = entry.get("ratio_wall")
            cpu_ratio = entry.get("ratio_cpu")
            with_search = entry.get("ratio_cpu_with_search")
            python_ratio = entry.get("ratio_python_memory")
            rows.append(
                [
                    f"{int(posts):,}",
                    entry["label"],
                    f"{entry['wall']:.2f}",
                    f"{entry['cpu']:.2f}",
                    "" if entry.get("tree_peak") is None else _mib(entry["tree_peak"]),
                    "" if entry.get("python_peak") is None else _mib(entry["python_peak"]),
                    "" if not entry.get("helper_peak") else _mib(entry["helper_peak"]),
                    _mib(entry["max_rss"]),
                    f"{entry['ms_per_post']:.2f}",
                    "1.00" if ratio is None else f"{ratio:.2f}",
                    "1.00" if cpu_ratio is None else f"{cpu_ratio:.2f}",
                    "" if with_search is None else f"{with_search:.2f}",
                    "1.00" if python_ratio is None else f"{python_ratio:.2f}",
                ]
            )
    return rows


FULL_HEADER = [
    "posts",
    "build",
    "wall s",
    "CPU s",
    "all MiB",
    "Python MiB",
    "Pagefind MiB",
    "peak MiB",
    "ms/post",
    "× Pelican wall",
    "× Pelican CPU",
    "× Pelican+Pagefind CPU",
    "× Pelican Python MiB",
]


def format_text(results: dict) -> str:
    lines = []
    settings = results["settings"]
    machine = results["machine"]
    lines.append(
        f"Commons benchmark, {results['started']} UTC: {machine['cpus']} CPUs, "
        f"Python {machine['python']}, Pelican {machine['pelican']}, "
        f"{machine['hugo'] or 'no Hugo'}; load average before "
        f"{machine['load_average_before'][0]:.2f}, after {machine['load_average_after'][0]:.2f}"
    )
    project = results.get("project") or {}
    if project.get("commit"):
        dirty = " plus uncommitted changes" if project.get("uncommitted_changes") else ""
        lines.append(f"Project: commit {project['commit']}{dirty}")
    lines.append(
        f"Medians of {settings['runs']} runs, seed {settings['seed']}; "
        "× Pelican = median of the per-round ratios to plain Pelican; all MiB = the highest "
        "sum of PSS over the build's processes (sampled every 200 ms), Python MiB and "
        "Pagefind MiB the same over its Python processes and over the others; peak MiB = "
        "the build's largest process (Commons: Pelican, a worker or a Pagefind shard); "
        "× Pelican+Pagefind CPU = the build's CPU over plain Pelican's plus Pagefind's "
        "alone on the pages Commons indexed, round by round."
    )
    if settings.get("work_dir"):
        lines.append(f"Corpus and builds in {settings['work_dir']}")
    if settings["runs"] < MIN_RUNS_FOR_FIGURES:
        lines.append(f"(Fewer than {MIN_RUNS_FOR_FIGURES} runs: a smoke test, not figures.)")
    if results.get("hugo_note"):
        lines.append(results["hugo_note"])
    lines.append("")
    lines.append("Full build (empty output and cache)")
    lines += _text_table(FULL_HEADER, table_rows(results), label_column=1)
    hugo_ratios = _hugo_ratios(results)
    if hugo_ratios:
        lines.append("")
        lines += [
            f"Pelican-to-Hugo wall time at N={posts:,}: plain Pelican {plain:.1f}× Hugo, "
            f"Commons (local) {commons:.1f}× Hugo"
            for posts, plain, commons in hugo_ratios
        ]
    floors = cpu_floors(results)
    if floors:
        lines.append("")
        lines += [
            f"CPU floor at N={posts:,}: {label} does {cpu:.1f} s of CPU work, at least "
            f"{floor:.1f} s on {results['machine']['cpus']} cores, {ratio:.2f}× plain Pelican's "
            "wall time"
            for posts, label, cpu, floor, ratio in floors
        ]
    rebuild = results.get("rebuild")
    if rebuild:
        lines.append("")
        lines.append(f"Rebuild after editing one post, content cache on, N={rebuild['posts']:,}")
        rows = []
        full = results["full_builds"][str(rebuild["posts"])]
        for key, entry in rebuild.items():
            if key == "posts":
                continue
            ratio = entry.get("ratio_wall")
            rows.append(
                [
                    entry["label"],
                    f"{entry['wall']:.2f}",
                    f"{entry['cpu']:.2f}",
                    f"{entry['wall'] / full[key]['wall']:.2f}",
                    "1.00" if ratio is None else f"{ratio:.2f}",
                ]
            )
        header = ["build", "wall s", "CPU s", "÷ full build", "× Pelican"]
        lines += _text_table(header, rows, label_column=0)
    edit = results.get("edit_to_visible")
    if edit:
        from bench.edit_to_visible import format_text as format_edits

        lines.append("")
        lines += format_edits(edit)
    weight = results.get("page_weight")
    if weight:
        lines.append("")
        lines += format_page_weight(weight)
    lines.append("")
    lines.append("Budgets")
    for budget in results["budgets"]:
        lines.append(f"  {budget['status']:<4}  {budget['name']}: {budget['detail']}")
    return "\n".join(lines)


def format_page_weight(weight: dict) -> list[str]:
    lines = [f"Page weight of the sample article ({weight.get('url', 'not built')})"]
    before = weight.get("before")
    if before is None:
        lines.append(f"  unavailable: {weight.get('unavailable')}")
        return lines
    lines.append(
        "  before interaction: "
        + ", ".join(f"{kind} {size:,} B" for kind, size in before["bytes_by_type"].items())
        + f"; HTML+CSS+JS+fonts+images {before['budgeted_bytes']:,} B"
        + f"; {before['requests']} requests"
        + f"; {before['transferred_bytes']:,} B transferred"
    )
    after = weight.get("after_consent")
    if after is None:
        lines.append(f"  after consenting to comments: unavailable ({weight.get('consent_note')})")
    else:
        lines.append(
            f"  after consenting to comments (local Isso): +{after['added_requests']} requests, "
            f"+{after['added_bytes']:,} B ("
            + ", ".join(f"{k} {v:,} B" for k, v in after.get("added_bytes_by_type", {}).items())
            + f"); total {after['requests']} requests, "
            f"{after['transferred_bytes']:,} B transferred"
        )
    return lines


def _hugo_ratios(results: dict) -> list[tuple[int, float, float]]:
    ratios = []
    for posts, summary in sorted(results["full_builds"].items(), key=lambda item: int(item[0])):
        hugo = summary.get(HUGO.key)
        if hugo is None:
            continue
        commons = summary.get(COMMONS_DEV.key, summary[BASELINE.key])
        ratios.append(
            (
                int(posts),
                summary[BASELINE.key]["wall"] / hugo["wall"],
                commons["wall"] / hugo["wall"],
            )
        )
    return ratios


def cpu_floors(results: dict) -> list[tuple[int, str, float, float, float]]:
    """(posts, label, CPU s, floor s, floor ÷ Pelican's wall) for each Commons build.

    The floor is the build's CPU time spread over every core with nothing
    lost: no build that does this much work can take less wall time on this
    machine. Above the wall budget, only doing less work can meet it.
    """
    cores = results["machine"]["cpus"] or 1
    floors = []
    for posts, summary in sorted(results["full_builds"].items(), key=lambda item: int(item[0])):
        for key in (COMMONS_DEV.key, COMMONS_PROD.key):
            entry = summary.get(key)
            if entry is None:
                continue
            floor = entry["cpu"] / cores
            floors.append(
                (
                    int(posts),
                    entry["label"],
                    entry["cpu"],
                    floor,
                    floor / summary[BASELINE.key]["wall"],
                )
            )
    return floors


def _text_table(header: list[str], rows: list[list[str]], label_column: int) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # The label column left-aligned, the figures right-aligned.
        return "  ".join(
            cell.ljust(width) if i == label_column else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), *[line(row) for row in rows]]


def format_markdown(results: dict) -> str:
    """The full-build table as Markdown, for docs/benchmarks.md."""
    out = ["| " + " | ".join(FULL_HEADER) + " |", "|" + " --- |" * len(FULL_HEADER)]
    out += ["| " + " | ".join(row) + " |" for row in table_rows(results)]
    return "\n".join(out) + "\n"


def write_results(results: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("+0000", "Z")
    path = RESULTS_DIR / f"bench-{stamp}.json"
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    (RESULTS_DIR / "latest.json").write_text(text, encoding="utf-8")
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Run Commons' benchmark suite."
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="comma-separated post counts (default 100,1000,5000)",
    )
    parser.add_argument("--runs", type=int, default=None, help="timed runs per build (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where the corpus and the builds go (default: the system's temporary folder). "
        "/dev/shm keeps a throttled virtual disk out of the figures",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"N={QUICK_SIZES[0]}, {QUICK_RUNS} runs: a smoke test"
    )
    parser.add_argument(
        "--variants",
        type=lambda text: [key.strip() for key in text.split(",") if key.strip()],
        default=[COMMONS_DEV.key, COMMONS_PROD.key, HUGO.key],
        help="builds to compare with plain Pelican (default commons-dev,commons-prod,hugo)",
    )
    parser.add_argument(
        "--rebuild-size", type=int, default=None, help="N for the rebuild (default nearest 1000)"
    )
    parser.add_argument("--no-rebuild", action="store_true", help="skip the rebuild-after-edit")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo even if installed")
    parser.add_argument(
        "--edits",
        type=int,
        default=None,
        help="edit-to-visible: edits per server at the rebuild size (default 5, --quick 2; "
        "0 skips it)",
    )
    parser.add_argument("--no-page-weight", action="store_true", help="skip Chromium")
    parser.add_argument("--markdown", type=Path, help="also write the full-build table here")
    args = parser.parse_args(argv)
    unknown = [key for key in args.variants if key not in VARIANTS or key == BASELINE.key]
    if unknown:
        choices = ", ".join(k for k in VARIANTS if k != BASELINE.key)
        parser.error(f"--variants: unknown {unknown}; choose from {choices}")
    if args.quick:
        args.sizes = args.sizes or list(QUICK_SIZES)
        args.runs = args.runs or QUICK_RUNS
    if args.edits is None:
        args.edits = 2 if args.quick else 5
    args.sizes = args.sizes or list(DEFAULT_SIZES)
    args.runs = args.runs or DEFAULT_RUNS
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.rebuild_size is not None and args.rebuild_size not in args.sizes:
        parser.error(f"--rebuild-size {args.rebuild_size} is not one of --sizes {args.sizes}")
    return args


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive numbers: {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = run_suite(args)
    except MeasureError as error:
        print(
            f"A build failed, so the benchmark stopped (log kept in {error.log_path}):\n{error}",
            file=sys.stderr,
        )
        return 2
    path = write_results(results)
    print(format_text(results))
    print(f"\nResults: {path.relative_to(REPO_ROOT)}")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(format_markdown(results), encoding="utf-8")
        print(f"Markdown table: {args.markdown}")
    failed = [budget for budget in results["budgets"] if budget["status"] == "FAIL"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
