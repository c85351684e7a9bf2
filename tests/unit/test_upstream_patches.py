"""The fixes Commons offers Pelican (docs/upstream/), checked against the installed Pelican.

Each patch must apply to the installed Pelican and make its own new Pelican
tests pass; and those tests must fail on the Pelican as installed, which is
why Commons still carries its workaround (named below). When a Pelican
release changes the patched code or fixes the bug, this test fails and says
which workaround to review.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pelican
import pytest

from commons import REPO_ROOT

UPSTREAM = REPO_ROOT / "docs" / "upstream"
# patch file -> (the Pelican tests it adds, Commons' workaround while Pelican lacks it)
PATCHES = {
    "pelican-linear-label-pages.patch": (
        [
            "pelican/tests/test_generators.py::TestArticlesGenerator"
            "::test_label_pages_do_not_scan_their_lists"
        ],
        "plugins/taxonomy_index",
    ),
    "pelican-draft-save-as.patch": (
        [
            "pelican/tests/test_contents.py::TestArticle"
            "::test_draft_save_as_metadata_honours_empty_draft_save_as"
        ],
        "plugins/guard/paths.py (unpublish_drafts)",
    ),
}


def pelican_copy(where: Path) -> Path:
    """The installed Pelican package, tests included, copied under `where`."""
    shutil.copytree(Path(pelican.__file__).parent, where / "pelican")
    return where


def apply(patch: Path, tree: Path, *only: str) -> subprocess.CompletedProcess:
    includes = [f"--include={pattern}" for pattern in only]
    return subprocess.run(
        ["git", "apply", "-p1", *includes, str(patch)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )


def run_pelican_tests(tree: Path, tests: list[str]) -> subprocess.CompletedProcess:
    # From the copy's own folder, with no ini file of Commons' and the copy
    # first on the path: Pelican's tests as Pelican runs them.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *tests],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_every_patch_is_listed():
    assert sorted(path.name for path in UPSTREAM.glob("*.patch")) == sorted(PATCHES)


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_the_patch_applies_and_its_tests_pass(name, tmp_path):
    tests, workaround = PATCHES[name]
    tree = pelican_copy(tmp_path)
    applied = apply(UPSTREAM / name, tree)
    assert applied.returncode == 0, (
        f"{name} no longer applies to Pelican {pelican.__version__}: {applied.stderr.strip()}. "
        f"Fix: see whether Pelican changed or fixed this code; if it fixed it, drop "
        f"{workaround} and the patch, else update the patch."
    )
    result = run_pelican_tests(tree, tests)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"{len(tests)} passed" in result.stdout


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_the_installed_pelican_still_needs_the_workaround(name, tmp_path):
    tests, workaround = PATCHES[name]
    tree = pelican_copy(tmp_path)
    # Only the tests: the Pelican code stays as installed.
    applied = apply(UPSTREAM / name, tree, "pelican/tests/*")
    assert applied.returncode == 0, applied.stderr
    result = run_pelican_tests(tree, tests)
    assert f"{len(tests)} failed" in result.stdout, (
        f"Pelican {pelican.__version__} passes the tests of {name} without it: "
        f"it has the fix. Fix: drop {workaround} and docs/upstream/{name}.\n"
        + result.stdout[-3000:]
    )
