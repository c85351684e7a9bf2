"""This repository's commands: `invoke --list` shows them.

A site's commands (build, serve, check, publish, comments-…, import-…) are
Commons' own, in commons/tasks.py, which the `commons` command runs too; the
maintainers' commands (lint, test, screenshots, bench) are this repository's.
Every path is relative to this file, so `invoke -r /path/to/commons build` works
from any directory.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from invoke import Exit, task

# Invoke puts this file's folder, the repository's root, on Python's path.
from commons import REPO_ROOT
from commons.browser import CHROMIUM, launch_chromium
from commons.servers import StaticSiteServer
from commons.tasks import *  # noqa: F403
from commons.tasks import (
    _build,  # the tests build through it, as the tasks do
    _settings,
)


@task
def settings_reference(c):
    """Write the settings reference at the end of docs/settings.md from the schemas."""
    from commons import DEV_SETTINGS
    from commons.config import site_schema
    from commons.settings_reference import write_reference

    page = REPO_ROOT / "docs" / "settings.md"
    site = site_schema(_settings(DEV_SETTINGS)["PLUGINS"])
    print(f"{'Wrote' if write_reference(page, site) else 'Unchanged:'} {page}")


@task
def lint(c):
    """Check style with ruff (lint and format)."""
    c.run(f"{sys.executable} -m ruff check {REPO_ROOT}", pty=False)
    c.run(f"{sys.executable} -m ruff format --check {REPO_ROOT}", pty=False)


@task
def test(c):
    """Run the test suite in the current environment (bin/test also installs what it needs)."""
    result = subprocess.run([sys.executable, "-m", "pytest", str(REPO_ROOT / "tests")], check=False)
    raise Exit(code=result.returncode)


SCREENSHOTS_DIR = REPO_ROOT / "docs" / "screenshots"
SCREENSHOT_VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


@task(help={"page": "Site-relative path of the page to photograph (default: the sample post)."})
def screenshots(c, page="2011/03/sharing-your-work-and-coworking-to-share/"):
    """Build, serve on 127.0.0.1 and photograph a page (phone and desktop, light and dark)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise Exit(f"Chromium is missing ({CHROMIUM}): apt-get install chromium", code=1)
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="commons-screenshots-") as staging:
        site = Path(staging) / "site"
        _build(site)
        with StaticSiteServer(site) as server, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for device, (width, height) in SCREENSHOT_VIEWPORTS.items():
                    for scheme in ("light", "dark"):
                        context = browser.new_context(
                            viewport={"width": width, "height": height},
                            device_scale_factor=2 if device == "phone" else 1,
                            color_scheme=scheme,
                        )
                        tab = context.new_page()
                        tab.goto(server.url + page.lstrip("/"), wait_until="networkidle")
                        path = SCREENSHOTS_DIR / f"article-{device}-{scheme}.png"
                        tab.screenshot(path=str(path))
                        context.close()
                        print(path.relative_to(REPO_ROOT))
            finally:
                browser.close()


@task(
    help={
        "sizes": "Comma-separated post counts (default 100,1000,5000).",
        "runs": "Timed runs per build (default 5).",
        "quick": "N=100, 3 runs: a smoke test, not figures.",
        "markdown": "Also write the full-build table as Markdown to this file.",
        "work_dir": "Where the corpus and builds go, such as /dev/shm (default: the system's).",
        "edits": "Edit-to-visible: edits per server (default 5; -1 skips it).",
    }
)
def bench(c, sizes="", runs=0, quick=False, markdown="", work_dir="", edits=0):
    """Benchmark the build against plain Pelican and Hugo; print the table and budgets."""
    from bench.run import main as run_benchmarks

    argv = ["--quick"] if quick else []
    argv += ["--sizes", sizes] if sizes else []
    argv += ["--runs", str(runs)] if runs else []
    argv += ["--markdown", markdown] if markdown else []
    argv += ["--work-dir", work_dir] if work_dir else []
    argv += ["--edits", str(max(edits, 0))] if edits else []
    raise Exit(code=run_benchmarks(argv))
