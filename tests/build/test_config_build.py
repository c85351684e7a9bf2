"""A build keeps what OUTPUT_RETENTION names as its caller loaded it (commons.config),
so a task reads its settings file once; and it reports every bad setting at once."""

from __future__ import annotations

import pytest

from commons import DEV_SETTINGS
from commons.build import BuildError, build_site
from commons.config import load
from tests.conftest import SAMPLE_CONTENT, copy_content


def test_a_build_keeps_the_retention_its_caller_loaded(tmp_path):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    build_site(output, content=content)
    (output / "status.txt").write_text("kept by the host\n", encoding="utf-8")
    (output / "CNAME").write_text("commons.example.org\n", encoding="utf-8")

    retention = load(DEV_SETTINGS).settings["OUTPUT_RETENTION"]
    build_site(output, content=content, retention=[*retention, "status.txt"])
    assert (output / "status.txt").read_text(encoding="utf-8") == "kept by the host\n"
    assert (output / "CNAME").is_file()

    # Without it, the settings file's list, which does not name status.txt.
    build_site(output, content=content)
    assert not (output / "status.txt").exists()
    assert (output / "CNAME").is_file()


def test_a_build_reports_commons_own_and_the_plugins_bad_settings_at_once(tmp_path):
    overrides = {
        "PUBLISH": {"method": "ftp"},
        "OUTPUT_RETENTION": "CNAME",
        "CSS_MINIFY": {"enabled": "no"},
    }
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=SAMPLE_CONTENT, overrides=overrides)
    message = str(failure.value)
    for said in (
        "PUBLISH['method'] is 'ftp'; it must be one of: rsync, gh-pages",
        "OUTPUT_RETENTION is 'CNAME'; it must be a list",
        "CSS_MINIFY['enabled'] is 'no'; it must be True or False",
    ):
        assert said in message, message
    assert not (tmp_path / "output").exists()
