"""The lanes: each test carries its folder's marker, a test that drives
Chromium is `browser` wherever it is, and `-m` selects by them (docs/testing.md)."""

from __future__ import annotations

import subprocess
import sys

from commons import REPO_ROOT
from tests.conftest import lane_markers


def collected(*arguments: str) -> list[str]:
    """The node ids `pytest --collect-only` selects with these arguments."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            *arguments,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in (0, 5), completed.stdout + completed.stderr
    return [line for line in completed.stdout.splitlines() if "::" in line]


def test_each_folder_is_its_lane():
    assert lane_markers("tests/unit/test_x.py::test_a", {"tmp_path"}) == ["unit"]
    assert lane_markers("tests/build/test_x.py::test_a", set()) == ["build"]
    assert lane_markers("tests/browser/test_x.py::test_a", {"browser"}) == ["browser"]
    assert lane_markers("tests/preview/test_x.py::test_a[1]", set()) == ["preview"]
    assert lane_markers("tests/sample/test_x.py::test_a", set()) == ["sample"]


def test_a_test_that_drives_chromium_is_browser_wherever_it_is():
    assert lane_markers("tests/unit/test_x.py::test_a", {"chromium"}) == ["unit", "browser"]
    assert lane_markers("tests/preview/test_x.py::test_a", {"browser"}) == ["preview", "browser"]


def test_the_longest_tests_are_slow():
    slow = (
        "tests/build/test_build_faults.py::test_a_damaged_content_cache_is_dropped_with_a_x[empty]"
    )
    assert lane_markers(slow, set()) == ["build", "slow"]
    assert "slow" not in lane_markers("tests/build/test_build_faults.py::test_a_tree", set())


def test_the_fast_lane_has_one_build():
    assert "fast_build" in lane_markers("tests/build/test_site.py::test_a", {"built_site"})
    assert "fast_build" not in lane_markers("tests/build/test_site.py::test_b", {"published_site"})
    assert "fast_build" not in lane_markers("tests/build/test_feeds.py::test_a", {"built_site"})


def test_markers_select_by_lane():
    files = [
        "tests/unit/test_theme_plugins.py",
        "tests/build/test_site.py",
        "tests/preview/test_preview_browser.py",
    ]
    unit = collected("-m", "unit", *files)
    assert unit and all(test.startswith("tests/unit/") for test in unit)
    # Each of test_theme_plugins and test_preview_browser has one Chromium test.
    chromium_tests = {
        "tests/unit/test_theme_plugins.py::test_css_minify_output_of_the_theme_parses_to_the_same_rules",
        "tests/preview/test_preview_browser.py::"
        "test_save_reloads_page_and_bad_save_shows_escaped_error_then_recovers",
    }
    without_browser = collected("-m", "not browser", *files)
    assert not chromium_tests & set(without_browser)
    for file in files[0], files[2]:
        assert any(test.startswith(file) for test in without_browser)
    fast = collected("-m", "(unit and not slow) or fast_build", *files)
    builds = [test for test in fast if not test.startswith("tests/unit/")]
    assert builds and all(test.startswith("tests/build/test_site.py::") for test in builds)
    assert not any("production" in test for test in builds)
