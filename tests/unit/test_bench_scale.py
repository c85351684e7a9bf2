"""bench/scale.py and bench/phases.py: the growth of each phase, and the phase clock."""

from __future__ import annotations

import subprocess
import sys

from bench.phases import PhaseClock
from bench.scale import growth, phases_in
from commons import REPO_ROOT


def entry(wall: float, phases: dict[str, float]) -> dict:
    return {
        "wall": wall,
        "cpu": wall,
        "max_rss": 0,
        "phases": {name: {"wall": value, "cpu": value} for name, value in phases.items()},
    }


def test_a_phase_that_grows_with_the_square_of_the_site_is_named():
    results = {
        1000: {"commons": entry(10, {"read posts": 4.0, "whole site": 1.0})},
        5000: {"commons": entry(60, {"read posts": 20.0, "whole site": 25.0})},
    }
    steps = {step["phase"]: step for step in growth(results, "commons")}
    assert steps["read posts"]["growth"] == 1.0
    assert not steps["read posts"]["superlinear"]
    assert steps["whole site"]["growth"] == 5.0
    assert steps["whole site"]["superlinear"]
    assert steps["total"]["growth"] == 1.2


def test_the_phase_clock_cuts_phases_at_signals():
    clock = PhaseClock()
    clock.marks = {
        "initialized": (1.0, 1.0),
        "article_generator_init": (1.5, 1.4),
        "article_generator_finalized": (4.5, 2.0),
        "exit": (9.0, 5.0),
    }
    phases = clock.phases()
    assert phases["start"] == {"wall": 1.0, "cpu": 1.0}
    assert phases["read posts"] == {"wall": 3.0, "cpu": 0.6}
    assert "write" not in phases  # its signals never came


def test_a_real_build_prints_its_phases(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "post.md").write_text("Title: One\nDate: 2024-01-01\n\nHello.\n", encoding="utf-8")
    log = tmp_path / "log"
    with open(log, "wb") as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.phases",
                str(content),
                "--settings",
                str(REPO_ROOT / "bench" / "pelican_baseline.py"),
                "--output",
                str(tmp_path / "out"),
                "--extra-settings",
                f'CACHE_PATH="{tmp_path / "cache"}"',
            ],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    phases = phases_in(log)
    assert set(phases) == {
        "start",
        "read posts",
        "read pages and files",
        "whole site",
        "write",
        "finish",
    }
    assert (tmp_path / "out" / "index.html").is_file()
