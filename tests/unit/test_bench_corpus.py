"""The benchmark's corpus and its runner's arithmetic (fast, nothing timed).

The corpus must be deterministic, realistic and clean under Commons' strict
build; the runner's medians, schedule, ratios and budget checks must be right
on made-up numbers, and its kernel measurements must see a real child's cost.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bench import corpus
from bench.comment_snapshot import instructions_in
from bench.measure import MeasureError, Measurement, run_measured
from bench.page_weight import summarize_requests
from bench.run import (
    BASELINE,
    COMMONS_DEV,
    COMMONS_PROD,
    MIB,
    check_budgets,
    cpu_floors,
    edit_one_post,
    format_text,
    parse_args,
    summarize,
)
from bench.stats import median, paired_ratio, paired_ratios, schedule
from commons import DEV_SETTINGS, PUBLISH_SETTINGS
from commons.build import build_site
from tests.conftest import parse_html, require


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("fmt", corpus.FORMATS)
def test_the_same_seed_writes_byte_identical_files(tmp_path, fmt):
    first = tree_of(tmp_path / "a", 30, 7, fmt)
    second = tree_of(tmp_path / "b", 30, 7, fmt)
    assert len([name for name in first if name.endswith(".md")]) == 31  # 30 posts + about
    assert first == second


def tree_of(folder: Path, posts: int, seed: int, fmt: str) -> dict[str, bytes]:
    corpus.write_corpus(posts, seed, folder, fmt)
    return tree(folder)


def test_a_different_seed_writes_different_posts(tmp_path):
    first = tree_of(tmp_path / "a", 30, 7, "pelican")
    other = tree_of(tmp_path / "b", 30, 8, "pelican")
    posts_first = {name: data for name, data in first.items() if name.endswith(".md")}
    posts_other = {name: data for name, data in other.items() if name.endswith(".md")}
    assert posts_first != posts_other
    assert set(posts_first) != set(posts_other), "the titles, hence the file names, differ"


def test_the_posts_look_like_a_real_community_blog():
    posts = corpus.make_posts(300, 1)
    words = [corpus.word_count(post) for post in posts]
    assert 420 <= median(words) <= 480
    assert min(words) >= 400 and max(words) <= 520
    assert len({post.slug for post in posts}) == len(posts)
    assert len({c for post in posts for c in post.categories}) >= 5
    assert any(len(post.categories) > 1 for post in posts)
    assert len({t for post in posts for t in post.tags}) >= 20
    authors = [post.author for post in posts]
    assert len(set(authors) - {None}) >= 3 and None in authors
    assert (posts[-1].date - posts[0].date).days >= 5 * 365
    assert all(post.comments_id and post.summary for post in posts)
    bodies = [corpus.render_body(post, "pelican") for post in posts]
    assert all("](https://" in body and "({static}/images/" in body for body in bodies)
    assert all("\n- " in body or "\n1. " in body for body in bodies)
    assert all("\n## " in body for body in bodies)
    assert sum("\n```" in body for body in bodies) >= len(bodies) // 4
    assert sum("({filename}/" in body for body in bodies) == len(bodies) - 1


def test_the_generator_refuses_to_empty_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"not written by bench\.corpus"):
        corpus.write_corpus(5, 1, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("settings_file", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["dev", "prod"])
def test_the_corpus_builds_cleanly_with_the_strict_build(tmp_path, settings_file):
    posts = corpus.make_posts(20, 3)
    corpus.write_corpus(20, 3, tmp_path / "content")
    # build_site runs Pelican with --fatal warnings and Commons' plugins,
    # the guard among them: any warning or bad field fails the build.
    result = build_site(
        tmp_path / "output",
        settings_file=settings_file,
        content=tmp_path / "content",
        overrides={"CACHE_PATH": str(tmp_path / "cache")},
    )
    assert "WARNING" not in result.log and "ERROR" not in result.log
    for post in posts:
        page = tmp_path / "output" / f"{post.date:%Y}" / f"{post.date:%m}" / post.slug
        document = parse_html(page / "index.html")
        assert post.title in [h1.text_content().strip() for h1 in document.xpath("//h1")]
        assert document.xpath("//img[contains(@src, 'images/photo-')]")
    images = sorted((tmp_path / "output" / "images").glob("photo-*.png"))
    assert len(images) == corpus.IMAGE_COUNT


def test_the_hugo_corpus_builds_with_the_minimal_theme(tmp_path):
    hugo = shutil.which("hugo")
    require(hugo is not None, "Hugo", "apt-get install hugo")
    import subprocess

    posts = corpus.make_posts(20, 3)
    corpus.write_corpus(20, 3, tmp_path / "site", "hugo")
    completed = subprocess.run(
        [hugo, "--quiet", "-s", str(tmp_path / "site"), "-d", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for post in posts:
        page = tmp_path / "out" / f"{post.date:%Y}" / f"{post.date:%m}" / post.slug / "index.html"
        assert post.title in [h1.text_content() for h1 in parse_html(page).xpath("//h1")]


def test_median_of_odd_and_even_counts():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_the_schedule_pairs_baseline_and_variants_back_and_forth_abba():
    assert schedule("A", ["B"], 3) == [(0, "A"), (0, "B"), (1, "B"), (1, "A"), (2, "A"), (2, "B")]
    order = schedule("A", ["B", "C"], 2)
    assert [name for _round, name in order] == ["A", "B", "C", "C", "B", "A"]
    with pytest.raises(ValueError):
        schedule("A", ["A"], 2)
    with pytest.raises(ValueError):
        schedule("A", ["B"], 0)


def test_the_ratio_is_the_median_of_paired_ratios_not_a_ratio_of_medians():
    # Round 0 ran during a slow spell that hit only the variant: pairing keeps
    # that outlier from moving the ratio (the ratio of medians would be 1.5).
    baseline = [1.0, 2.0, 3.0]
    variant = [3.0, 2.2, 3.3]
    assert paired_ratios(baseline, variant) == pytest.approx([3.0, 1.1, 1.1])
    assert paired_ratio(baseline, variant) == pytest.approx(1.1)
    with pytest.raises(ValueError):
        paired_ratio([1.0, 2.0], [1.0])


def resource(url, kind, size):
    return {"url": url, "kind": kind, "status": 200, "body_bytes": size, "transferred_bytes": size}


def test_page_weight_totals_count_html_css_js_fonts_and_images_against_the_budget():
    summary = summarize_requests(
        [
            resource("http://127.0.0.1/post/", "html", 12_000),
            resource("http://127.0.0.1/photo.png", "image", 50_000),
            resource("http://127.0.0.1/style.css", "css", 6_000),
            resource("http://127.0.0.1/consent.js", "js", 1_500),
        ]
    )
    assert summary["requests"] == 4
    assert summary["budgeted_bytes"] == 69_500
    assert summary["body_bytes"] == 69_500
    assert list(summary["bytes_by_type"]) == ["html", "css", "js", "image"]


def measurements(walls, rss_mib=100):
    return [Measurement(wall=w, cpu=w * 0.9, max_rss=rss_mib * MIB) for w in walls]


def synthetic_results(dev_walls, prod_rss_mib):
    page = [
        resource("http://127.0.0.1/post/", "html", 20_000),
        resource("http://127.0.0.1/style.css", "css", 8_000),
        resource("http://127.0.0.1/discussion.js", "js", 3_000),
        resource("http://127.0.0.1/photo.png", "image", 50_000),
    ]
    results = {
        "full_builds": {},
        "page_weight": {"url": "post", "before": summarize_requests(page)},
    }
    results["full_builds"]["1000"] = summarize(
        {
            BASELINE.key: measurements([2.0, 2.1, 1.9]),
            COMMONS_DEV.key: measurements(dev_walls),
            COMMONS_PROD.key: measurements([1.3, 1.4, 1.2]),
        },
        1000,
    )
    results["full_builds"]["5000"] = summarize(
        {
            BASELINE.key: measurements([10, 10, 10], 200),
            COMMONS_DEV.key: measurements([11, 11, 11], 250),
            COMMONS_PROD.key: measurements([6, 6, 6], prod_rss_mib),
        },
        5000,
    )
    return results


def test_summaries_give_medians_ms_per_post_and_paired_ratios():
    summary = synthetic_results([2.4, 2.52, 2.28], 250)["full_builds"]["1000"]
    dev = summary[COMMONS_DEV.key]
    assert dev["wall"] == pytest.approx(2.4)
    assert dev["cpu"] == pytest.approx(2.16)
    assert dev["ms_per_post"] == pytest.approx(2.4)
    assert dev["ratio_wall"] == pytest.approx(1.2)
    assert "ratio_wall" not in summary[BASELINE.key]


def synthetic_edits(commons_median: float, hugo_median: float) -> dict:
    def server(median: float) -> dict:
        return {
            "load_average": [1.0, 1.0, 1.0],
            "start_s": 3.0,
            "samples": [median] * 3,
            "median": median,
            "min": median,
            "max": median,
        }

    return {
        "posts": 1000,
        "edits": 3,
        "path": "2020/01/a-post/",
        "servers": {"hugo": server(hugo_median), "commons": server(commons_median)},
        "ratio": commons_median / hugo_median,
    }


def test_budgets_pass_fail_and_skip_on_synthetic_figures():
    results = synthetic_results([2.4, 2.52, 2.28], 320)
    results["edit_to_visible"] = synthetic_edits(0.65, 0.5)
    statuses = {budget["name"]: budget["status"] for budget in check_budgets(results)}

    def wall(settings: str, posts: str) -> str:
        return next(v for k, v in statuses.items() if settings in k and "wall" in k and posts in k)

    by_topic = {
        "dev wall": wall("pelicanconf", "1,000"),
        "prod wall": wall("publishconf", "1,000"),
        "dev wall 5000": wall("pelicanconf", "5,000"),
        "prod wall 5000": wall("publishconf", "5,000"),
        "dev memory": next(v for k, v in statuses.items() if "pelicanconf" in k and "memory" in k),
        "prod memory": next(v for k, v in statuses.items() if "publishconf" in k and "memory" in k),
        "weight": next(v for k, v in statuses.items() if "HTML+CSS+JS" in k),
        "edit": next(v for k, v in statuses.items() if "Edit-to-visible" in k),
    }
    assert by_topic == {
        "dev wall": "FAIL",  # 1.20× > 0.70×
        "prod wall": "PASS",  # 0.65×
        "dev wall 5000": "FAIL",  # 1.10×
        "prod wall 5000": "PASS",  # 0.60×
        "dev memory": "PASS",  # 250 MiB
        "prod memory": "FAIL",  # 320 MiB
        "weight": "FAIL",  # 81,000 B > 18 KB (18,432 B)
        "edit": "FAIL",  # 0.65 s > 0.5 s
    }
    del results["full_builds"]["5000"]
    results["page_weight"] = {"unavailable": "no Chromium"}
    results["edit_to_visible"] = None
    skipped = [
        b
        for b in check_budgets(results)
        if b["status"] == "SKIP" and "Pagefind" not in b["name"] and "Python" not in b["name"]
    ]
    # Both walls and both memories at 5,000, the page weight and the edit.
    assert len(skipped) == 6 and any("no Chromium" in b["detail"] for b in skipped)


def test_a_production_build_is_compared_with_pelican_plus_pagefind_alone_round_by_round():
    def runs(cpus, python_mib, helper_mib=0):
        return [
            Measurement(
                wall=cpu,
                cpu=cpu,
                max_rss=python_mib * MIB,
                python_peak=python_mib * MIB,
                helper_peak=helper_mib * MIB,
            )
            for cpu in cpus
        ]

    pagefind = runs([1.0, 1.5, 1.0], 0, 180)
    summary = summarize(
        {
            BASELINE.key: runs([5.0, 7.5, 5.0], 100),
            COMMONS_PROD.key: runs([6.3, 9.0, 6.6], 190, 180),
        },
        1000,
        {COMMONS_PROD.key: pagefind},
    )
    prod = summary[COMMONS_PROD.key]
    # Per round: 6.3 / 6.0, 9.0 / 9.0, 6.6 / 6.0; the median is 1.05.
    assert prod["ratio_cpu_with_search"] == pytest.approx(1.05)
    assert prod["ratio_cpu"] == pytest.approx(1.26)
    assert prod["ratio_python_memory"] == pytest.approx(1.9)
    assert prod["search_alone"]["cpu"] == pytest.approx(1.0)
    statuses = {b["name"]: b["status"] for b in check_budgets({"full_builds": {"1000": summary}})}
    cpu = next(v for k, v in statuses.items() if "Pagefind alone at N=1,000" in k)
    memory = next(v for k, v in statuses.items() if "Python processes" in k and "1,000" in k)
    assert (cpu, memory) == ("PASS", "PASS")
    summary = summarize(
        {BASELINE.key: runs([5.0], 100), COMMONS_PROD.key: runs([6.8], 210, 180)},
        1000,
        {COMMONS_PROD.key: runs([1.0], 0, 180)},
    )
    statuses = {b["name"]: b["status"] for b in check_budgets({"full_builds": {"1000": summary}})}
    cpu = next(v for k, v in statuses.items() if "Pagefind alone at N=1,000" in k)
    memory = next(v for k, v in statuses.items() if "Python processes" in k and "1,000" in k)
    assert (cpu, memory) == ("FAIL", "FAIL")  # 6.8 / 6.0 = 1.13×; 210 / 100 = 2.1×


def test_the_report_prints_every_budget_line():
    results = synthetic_results([2.0, 2.1, 1.9], 250)
    results.update(
        started="2026-11-23T21:00:00+00:00",
        machine={
            "cpus": 2,
            "python": "3.11",
            "pelican": "4.12.0",
            "hugo": None,
            "load_average_before": [1.0, 1.0, 1.0],
            "load_average_after": [1.0, 1.0, 1.0],
        },
        settings={"runs": 3, "seed": 1},
        rebuild=None,
        edit_to_visible=synthetic_edits(0.1, 0.5),
    )
    results["budgets"] = check_budgets(results)
    text = format_text(results)
    assert "Commons ÷ Hugo: 0.20" in text
    assert "CPU floor at N=1,000: Commons, pelicanconf.py does 1.8 s of CPU work" in text
    statuses = ("PASS", "FAIL", "SKIP")
    assert sum(text.count(status) for status in statuses) == len(results["budgets"])
    assert "smoke test" in text


def test_the_cpu_floor_is_the_cpu_work_spread_over_every_core_against_pelicans_wall():
    results = synthetic_results([2.4, 2.52, 2.28], 250)
    results["machine"] = {"cpus": 2}
    floors = {
        (posts, label): (cpu, floor, ratio)
        for posts, label, cpu, floor, ratio in cpu_floors(results)
    }
    # N=1,000, pelicanconf: CPU 0.9 × 2.4 s = 2.16 s; on 2 cores 1.08 s; Pelican's wall 2.0 s.
    assert floors[(1000, COMMONS_DEV.label)] == pytest.approx((2.16, 1.08, 0.54))
    # N=5,000, publishconf: CPU 5.4 s, 2.7 s on 2 cores, against Pelican's 10 s.
    assert floors[(5000, COMMONS_PROD.label)] == pytest.approx((5.4, 2.7, 0.27))
    assert len(floors) == 4
    results["machine"] = {"cpus": 4}
    assert cpu_floors(results)[0][3] == pytest.approx(0.54)


def test_the_peak_of_a_helper_process_is_told_apart_from_the_build_s_own(tmp_path):
    # A small build process that runs a big helper (as Commons runs Pagefind).
    helper = "y = bytearray(160 * 1024 * 1024); y[::4096] = b'1' * len(y[::4096])"
    child = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {helper!r}], check=True)\n"
        "time.sleep(0.3)\n"
    )
    measurement = run_measured([sys.executable, "-c", child], tmp_path / "log")
    assert measurement.max_rss >= 160 * MIB
    assert measurement.own_max_rss is not None and measurement.own_max_rss < 100 * MIB


def test_the_tree_peak_adds_up_processes_that_run_at_once(tmp_path):
    # A build that forks (as Commons' render children): each process holds
    # 64 MiB of its own at the same time; the largest alone is half the sum.
    child = (
        "import os, time\n"
        "pid = os.fork()\n"
        "x = bytearray(64 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])\n"
        "time.sleep(0.6)\n"
        "os._exit(0) if pid == 0 else os.waitpid(pid, 0)\n"
    )
    measurement = run_measured([sys.executable, "-c", child], tmp_path / "log")
    # The build process's own peak holds one of the two copies only.
    assert measurement.own_max_rss is not None and measurement.own_max_rss < 100 * MIB
    assert measurement.tree_peak is not None and measurement.tree_peak >= 128 * MIB
    # Both are Python processes: nothing is counted as a helper's.
    assert measurement.python_peak >= 128 * MIB
    assert measurement.helper_peak < 16 * MIB


def test_a_helper_program_s_memory_is_reported_apart_from_python_s(tmp_path):
    # As Pagefind beside Pelican: a program that is not Python (dd) holding a
    # 64 MiB buffer, blocked on a pipe whose reader waits, while Python holds little.
    pipeline = "dd if=/dev/zero bs=64M count=1 status=none | (sleep 1; cat > /dev/null)"
    child = f"import subprocess; subprocess.run({pipeline!r}, shell=True, check=True)"
    measurement = run_measured([sys.executable, "-c", child], tmp_path / "log")
    assert measurement.helper_peak is not None and measurement.helper_peak >= 32 * MIB
    assert measurement.python_peak < 32 * MIB


def test_the_kernel_sees_the_child_s_cpu_time_and_peak_memory(tmp_path):
    child = (
        "import time; x = bytearray(96 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); "
        "sum(range(10**6)); time.sleep(0.3)"
    )
    measurement = run_measured([sys.executable, "-c", child], tmp_path / "log")
    assert measurement.max_rss >= 96 * MIB
    assert measurement.own_max_rss >= 96 * MIB
    assert measurement.cpu > 0
    assert measurement.wall > 0
    with pytest.raises(MeasureError, match="exited with code 3"):
        run_measured([sys.executable, "-c", "print('bad'); raise SystemExit(3)"], tmp_path / "log")


def test_editing_one_post_changes_it_once_per_round(tmp_path):
    post = tmp_path / "post.md"
    post.write_text("Title: T\nDate: 2020-01-01\n\nBody.\n", encoding="utf-8")
    edit_one_post(post, 0)
    first = post.read_text(encoding="utf-8")
    edit_one_post(post, 1)
    second = post.read_text(encoding="utf-8")
    assert first != second
    assert second.startswith("Title: T\nDate: 2020-01-01\n\nBody.")
    assert second.count("Editor's note") == 1


def test_the_command_line_defaults_and_quick_mode():
    full = parse_args([])
    assert full.sizes == [100, 1000, 5000] and full.runs == 5
    quick = parse_args(["--quick"])
    assert quick.sizes == [100] and quick.runs == 3
    assert parse_args(["--sizes", "1000,100"]).sizes == [100, 1000]
    with pytest.raises(SystemExit):
        parse_args(["--variants", "wordpress"])


def test_instructions_are_summed_over_every_process_log(tmp_path):
    (tmp_path / "101.log").write_text(
        "==101== Cachegrind, a high-precision tracing profiler\n"
        "==101== I   refs:      43,994,138,841\n",
        encoding="utf-8",
    )
    (tmp_path / "102.log").write_text("==102== I refs: 4,909,810,277\n", encoding="utf-8")
    assert instructions_in(tmp_path) == 43_994_138_841 + 4_909_810_277


def test_a_process_without_a_count_is_an_error_not_a_zero(tmp_path):
    (tmp_path / "101.log").write_text("==101== I   refs:      10\n", encoding="utf-8")
    (tmp_path / "102.log").write_text("==102== killed\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"102\.log: no instruction count"):
        instructions_in(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError, match="no cachegrind log"):
        instructions_in(empty)
