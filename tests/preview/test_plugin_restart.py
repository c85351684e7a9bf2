"""A change to plugin code restarts the preview in place: same process id (it
re-executes itself), same port, and the output follows the new code."""

from __future__ import annotations

import time

from tests.preview.helpers import PreviewProcess, Site, differences

PLUGIN = """\
from pathlib import Path

from pelican import signals

STAMP = {stamp!r}


def write_stamp(pelican):
    Path(pelican.output_path, "stamp.txt").write_text(STAMP, encoding="utf-8")


def register():
    signals.finalized.connect(write_stamp)
"""


def test_plugin_change_restarts_the_preview_on_the_same_port(tmp_path):
    plugins = tmp_path / "extra-plugins"
    (plugins / "stamp").mkdir(parents=True)
    source = plugins / "stamp" / "__init__.py"
    source.write_text(PLUGIN.format(stamp="first"), encoding="utf-8")
    site = Site(
        tmp_path / "site",
        extra_settings=f'PLUGIN_PATHS = [{str(plugins)!r}]\nPLUGINS = [*PLUGINS, "stamp"]\n',
    )
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:
        assert preview.get("stamp.txt") == b"first"
        pid = preview.process.pid
        source.write_text(PLUGIN.format(stamp="second"), encoding="utf-8")
        state = _wait_for_restart(preview)
        assert preview.get("stamp.txt") == b"second", preview.log.read_text()
        assert preview.process.pid == pid and preview.process.poll() is None
        assert "restarting the preview" in preview.log.read_text()
        assert state["error"] is None
        assert differences(site.fresh_build(tmp_path / "fresh"), preview.output) == []


def _wait_for_restart(preview: PreviewProcess) -> dict:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if "restarting the preview" in preview.log.read_text():
            break
        time.sleep(0.1)
    # A new process counts its rests from zero: wait until it serves its first build.
    while time.monotonic() < deadline:
        try:
            if preview.get("stamp.txt") == b"second":
                return preview.status()
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(preview.log.read_text())
