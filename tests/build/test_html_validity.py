"""The Nu HTML Checker finds no error on any generated page."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.conftest import VNU_JAR, require

# One short run: Java's quick compiler alone and one garbage collector thread
# cost about half the CPU of its defaults (the same checks, compiled less
# hard). The quick compiler's frames are larger: the schema's deep recursion
# needs a bigger stack than vnu's 512k minimum.
JAVA_OPTIONS = ("-Xss16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def run_vnu(*folders):
    """vnu's parsed JSON report for every .html file under `folders`, in one run."""
    require(shutil.which("java") is not None, "Java", "apt-get install default-jre-headless")
    require(VNU_JAR.exists(), "vnu.jar", "npm ci --prefix tests/tools")
    pages = sorted(str(path) for folder in folders for path in folder.rglob("*.html"))
    assert pages, f"no HTML page under {folders}"
    command = ["java", *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--format", "json"]
    completed = subprocess.run(
        [*command, "--exit-zero-always", *pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    # vnu writes its JSON report to stderr.
    return pages, json.loads(completed.stderr)["messages"]


def test_every_generated_page_is_valid_html(built_site, theme_site, published_site):
    pages, messages = run_vnu(built_site, theme_site, published_site)
    assert len(pages) > 50
    errors = [
        f"{m['url'].rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == []


def test_the_checker_reports_an_invalid_page(tmp_path):
    # The test above is only as good as the checker's ability to fail.
    (tmp_path / "bad.html").write_text(
        "<!DOCTYPE html><html lang=en><title>x</title><p><div>nested</div></p><svg hidden></svg>"
    )
    _pages, messages = run_vnu(tmp_path)
    assert any(m["type"] == "error" for m in messages)
