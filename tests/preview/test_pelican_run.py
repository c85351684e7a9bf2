"""The preview's full pass is Pelican's own build: `Pelican.run`, split at the fork.

commons/preview/run_split.py: the preview's process runs `Pelican.run` until
the site's model is complete and keeps the model; a forked child goes on with
the same `Pelican.run` and writes the site. The receivers that split it live
for one pass, whether it succeeds or fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT
from tests.preview.helpers import Site

# In a process of its own: the full pass forks, and its child leaves by
# os._exit after running the exit handlers, which must not be pytest's.
PASSES = """
import json, os, sys
from pathlib import Path

from pelican import Pelican, signals
from pelican.generators import ArticlesGenerator

from commons.preview.engine import PreviewError, WarmSite, install_fatal_logging

settings_file, content, output, marks = map(Path, sys.argv[1:5])

# A spy on Pelican's own run: it records who calls it, then runs it.
runs = []
pelican_run = Pelican.run


def run_and_record(self):
    runs.append(os.getpid())
    return pelican_run(self)


Pelican.run = run_and_record
# A plugin's receiver of the end of Pelican.run: it notes which process got there.
signals.finalized.connect(
    lambda pelican: (marks / f"finalized-{os.getpid()}").write_text(pelican.output_path),
    weak=False,
)


def split_receivers():
    return {name: len(getattr(signals, name).receivers)
            for name in ("all_generators_finalized", "get_writer")}


site = WarmSite(settings_file, content, output, install_fatal_logging(None))
site.load_settings()
found = {"preview": os.getpid(), "connected_before": split_receivers()}
site.start_full_pass()
found["changed"] = len(site.wait_full_pass())
found["connected_after_pass"] = split_receivers()
articles = next(g for g in site.model.generators if isinstance(g, ArticlesGenerator))
found["model_articles"] = len(articles.articles)
site.start_full_pass()
site.wait_full_pass()
found["second_summary"] = site.last_summary
(content / "untitled.md").write_text("Date: 2024-05-01\\n\\nNo title.\\n", encoding="utf-8")
try:
    site.start_full_pass()
    site.wait_full_pass()
except PreviewError as error:
    found["failure"] = str(error)
found["connected_after_failure"] = split_receivers()
found["runs"] = runs
found["finalized"] = sorted(path.name for path in marks.iterdir())
print(json.dumps(found))
"""


def test_the_full_pass_is_pelican_s_own_run_written_by_a_child(tmp_path):
    site = Site(tmp_path / "site", posts=4)
    output = tmp_path / "output"
    marks = tmp_path / "marks"
    marks.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", PASSES, str(site.settings), str(site.content), str(output), marks],
        cwd=REPO_ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    preview = found["preview"]
    # Each pass, the failed one included, is one call of Pelican.run, in the preview's process.
    assert found["runs"] == [preview, preview, preview]
    # It kept the model Pelican.run made, and wrote nothing itself: each good
    # pass ended (finalized) in a child of its own.
    assert found["model_articles"] == 4
    children = [name.removeprefix("finalized-") for name in found["finalized"]]
    assert len(children) == 2 and str(preview) not in children
    assert found["changed"] > 0 and (output / "index.html").is_file()
    # The second pass, with nothing changed, followed the plan in the child's
    # writer: every page and feed kept its bytes.
    kept = re.fullmatch(r"Pass: 0 pages and feeds rendered, (\d+) kept\.", found["second_summary"])
    assert kept and int(kept[1]) > 10, found["second_summary"]
    # A pass that failed in the preview's process says which file.
    assert "untitled.md" in found["failure"]
    # The receivers that split a pass are connected for that pass only.
    assert found["connected_after_pass"] == found["connected_before"]
    assert found["connected_after_failure"] == found["connected_before"]
