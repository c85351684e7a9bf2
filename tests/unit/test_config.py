"""commons.config: one loader reads a settings file and checks every setting Commons
reads at once, with typed results; options declare their environment variables and
their deprecated keys; plugins take loaded settings as they are; the settings
reference in docs/settings.md is the schemas'."""

from __future__ import annotations

from pathlib import Path

import pytest
from pelican.settings import read_settings

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.config import load, site_schema
from commons.settings import (
    LOADED,
    Choice,
    Deprecated,
    Integer,
    Nested,
    Problem,
    Schema,
    SettingsError,
    install,
)
from commons.settings_reference import cell, page_with_reference, reference
from plugins.discussion import SCHEMA as DISCUSSION
from plugins.redirects import SCHEMA as REDIRECTS
from plugins.security_headers.security_headers import headers_cannot_be_set

SETTINGS_PAGE = REPO_ROOT / "docs" / "settings.md"


def settings_file(folder: Path, text: str) -> Path:
    path = folder / "siteconf.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bad_setting_is_reported_at_once_naming_the_file_key_value_and_fix(tmp_path):
    path = settings_file(
        tmp_path,
        'PLUGINS = ["plugins.redirects"]\n'
        'PUBLISH = {"method": "ftp", "ssh_port": 0}\n'
        'LOCAL_SERVER = {"site_port": "8000"}\n'
        'OUTPUT_RETENTION = "CNAME"\n'
        'COMMENTS_SERVER = {"workers": 0}\n'
        'REDIRECTS = {"redirect_file": "_redirects"}\n',
    )
    with pytest.raises(SettingsError) as failure:
        load(path, environ={})
    lines = str(failure.value).splitlines()
    assert lines[0] == f"{path}: Commons cannot use these settings:"
    problems = [p for p in failure.value.problems if isinstance(p, Problem)]
    assert sorted(p.where for p in problems) == [
        "COMMENTS_SERVER['workers']",
        "LOCAL_SERVER['site_port']",
        "OUTPUT_RETENTION",
        "PUBLISH['method']",
        "PUBLISH['ssh_port']",
    ]
    assert "PUBLISH['method'] is 'ftp'; it must be one of: rsync, gh-pages" in str(failure.value)
    assert any(line.startswith("REDIRECTS: unknown key(s) ['redirect_file']") for line in lines)
    assert all("Fix: " in line for line in lines[1:])


def test_the_sites_settings_load_typed_with_defaults_and_every_plugins_setting():
    settings = load(PUBLISH_SETTINGS, environ={}).settings
    assert settings["PUBLISH"] == {
        "method": None,
        "rsync_target": "",
        "ssh_port": 22,
        "gh_pages_remote": "origin",
        "gh_pages_branch": "gh-pages",
    }
    assert settings["OUTPUT_RETENTION"] == [".git", ".nojekyll", "CNAME", ".well-known"]
    assert settings["COMMENTS_SERVER"]["workers"] == 2  # a default filled in
    assert settings["DISCUSSION"]["snapshot"]["offline"] is False
    # Pelican's own settings pass through; every Commons setting is listed as checked.
    assert settings["SITEURL"] == read_settings(str(PUBLISH_SETTINGS))["SITEURL"]
    for name in ("PUBLISH", "LOCAL_SERVER", "OUTPUT_RETENTION", "COMMENTS_SERVER", "FEEDS"):
        assert name in settings[LOADED]


def test_environment_variables_declared_on_options_win_over_the_file(tmp_path):
    environ = {
        "COMMONS_PUBLISH_METHOD": "rsync",
        "COMMONS_RSYNC_TARGET": "deploy@web.example.org:/srv/www/",
        "COMMONS_SSH_PORT": "2222",
        "COMMONS_GH_PAGES_BRANCH": "",  # empty: not set
        "COMMONS_COMMENTS_CACHE": str(tmp_path / "cache"),
        "COMMONS_COMMENTS_OFFLINE": "1",
        "COMMONS_SITE_PORT": "9123",
    }
    settings = load(PUBLISH_SETTINGS, environ=environ).settings
    assert settings["PUBLISH"]["method"] == "rsync"
    assert settings["PUBLISH"]["rsync_target"] == "deploy@web.example.org:/srv/www/"
    assert settings["PUBLISH"]["ssh_port"] == 2222
    assert settings["PUBLISH"]["gh_pages_branch"] == "gh-pages"
    assert settings["DISCUSSION"]["snapshot"]["cache_dir"] == str(tmp_path / "cache")
    assert settings["DISCUSSION"]["snapshot"]["offline"] is True
    assert settings["LOCAL_SERVER"]["site_port"] == 9123
    environ = {"COMMONS_COMMENTS_OFFLINE": "0"}
    assert (
        load(PUBLISH_SETTINGS, environ=environ).settings["DISCUSSION"]["snapshot"]["offline"]
        is False
    )


def test_a_bad_environment_value_names_the_variable():
    environ = {"COMMONS_SSH_PORT": "twenty-two", "COMMONS_COMMENTS_OFFLINE": "maybe"}
    with pytest.raises(SettingsError) as failure:
        load(PUBLISH_SETTINGS, environ=environ)
    wheres = [p.where for p in failure.value.problems if isinstance(p, Problem)]
    assert sorted(wheres) == [
        "DISCUSSION['snapshot']['offline'] (from $COMMONS_COMMENTS_OFFLINE)",
        "PUBLISH['ssh_port'] (from $COMMONS_SSH_PORT)",
    ]
    assert "is 'twenty-two'; it must be a whole number from 1 to 65535" in str(failure.value)
    assert "Fix: set $COMMONS_SSH_PORT to a whole number from 1 to 65535, or unset it" in str(
        failure.value
    )


def test_check_reports_bad_settings_as_the_sites_problems_without_building(tmp_path):
    from commons.check import SITE_WIDE, check_site

    path = settings_file(tmp_path, 'PUBLISH = {"ssh_port": 0}\nOUTPUT_RETENTION = [""]\n')
    report = check_site(settings_file=path, content=tmp_path / "no-content-needed")
    assert list(report.problems) == [SITE_WIDE]
    assert [line.split(";")[0] for line in report.problems[SITE_WIDE]] == [
        "siteconf.py: OUTPUT_RETENTION is [''] (item 0, '': not a non-empty string on one line)",
        "siteconf.py: PUBLISH['ssh_port'] is 0",
    ]


def renamed(removed: bool) -> Schema:
    return Schema("PLUGIN", {"size": Integer(1), "max_size": Deprecated("size", removed=removed)})


def test_a_renamed_key_warns_with_its_new_name_and_the_fix_and_its_value_is_used():
    warnings: list = []
    assert renamed(False).validate({"max_size": 3}, warnings=warnings) == {"size": 3}
    assert [str(w) for w in warnings] == [
        "PLUGIN['max_size'] was renamed to PLUGIN['size']; it will stop working in a later "
        "version. Fix: rename PLUGIN['max_size'] to PLUGIN['size'], keeping its value"
    ]
    # Both given: the new key wins; the old one is still said.
    warnings.clear()
    assert renamed(False).validate({"max_size": 3, "size": 5}, warnings=warnings) == {"size": 5}
    assert len(warnings) == 1
    # Not a key to write: the messages list the current keys only.
    with pytest.raises(SettingsError, match=r"accepted keys are size\. Fix"):
        renamed(False).validate({"sise": 3})


def test_a_removed_key_fails_with_its_new_name_and_the_fix():
    with pytest.raises(SettingsError) as failure:
        renamed(True).validate({"max_size": 3, "size": 2})
    assert str(failure.value) == (
        "PLUGIN['max_size'] was renamed to PLUGIN['size']; it is no longer read. "
        "Fix: rename PLUGIN['max_size'] to PLUGIN['size'], keeping its value"
    )


def test_the_tasks_say_a_deprecated_key_and_build_with_its_value(tmp_path, capsys):
    import tasks

    path = settings_file(
        tmp_path,
        "from types import ModuleType\n"
        "from commons.settings import Deprecated, Integer, Schema\n"
        'plugin = ModuleType("sized")\n'
        'plugin.SCHEMA = Schema("SIZED", {"size": Integer(1), "max_size": Deprecated("size")})\n'
        "PLUGINS = [plugin]\n"
        'SIZED = {"max_size": 4}\n',
    )
    settings = tasks._settings(path)
    assert settings["SIZED"] == {"size": 4}
    assert "WARNING  siteconf.py: SIZED['max_size'] was renamed to SIZED['size']" in (
        capsys.readouterr().err
    )


def test_the_tasks_stop_on_bad_settings_with_every_problem(tmp_path):
    from invoke import Exit

    import tasks

    path = settings_file(tmp_path, 'PUBLISH = {"ssh_port": 0}\nLOCAL_SERVER = {"isso_port": -1}\n')
    with pytest.raises(Exit) as stopped:
        tasks._settings(path)
    message = str(stopped.value.message)
    assert "PUBLISH['ssh_port'] is 0" in message
    assert "LOCAL_SERVER['isso_port'] is -1" in message


def test_a_plugin_takes_loaded_settings_as_they_are_and_checks_others_itself(monkeypatch):
    settings = load(DEV_SETTINGS, environ={}).settings
    loaded = settings["REDIRECTS"]
    assert install(settings, REDIRECTS) is loaded
    # Read by Pelican itself (a build): the plugin checks, and the environment applies.
    monkeypatch.setenv("COMMONS_COMMENTS_OFFLINE", "1")
    raw = read_settings(str(DEV_SETTINGS))
    assert install(raw, DISCUSSION)["snapshot"]["offline"] is True
    assert install(raw, REDIRECTS) is not loaded


def test_the_security_headers_read_publish_with_its_environment(monkeypatch):
    settings = {"PUBLISH": {"method": None}}
    monkeypatch.delenv("COMMONS_PUBLISH_METHOD", raising=False)
    assert headers_cannot_be_set(settings) is False
    monkeypatch.setenv("COMMONS_PUBLISH_METHOD", "gh-pages")
    assert headers_cannot_be_set(settings) is True


def test_the_committed_settings_reference_is_the_schemas():
    site = site_schema(load(DEV_SETTINGS, environ={}).settings["PLUGINS"])
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    assert page_with_reference(page, site) == page, (
        "docs/settings.md differs from the schemas: run `invoke settings-reference`"
    )
    # Every setting and key is in it, with its default and its variable.
    text = reference(site)
    assert "| `ssh_port` | a whole number from 1 to 65535 | `22` | `COMMONS_SSH_PORT` |" in text
    for name in site.options:
        assert f"### `{name}`" in text


def test_the_reference_keeps_each_value_in_its_cell():
    assert cell("a|b\nc") == "a\\|b c"
    odd = Schema("ODD", {"choice": Choice(("a|b", "c"), "c", help="one\nline")})
    text = reference(Schema("", {"ODD": Nested(odd)}, other_keys=True))
    assert "| `choice` | one of: a\\|b, c | `'c'` |  | one line |" in text


def test_a_settings_file_that_does_not_run_is_one_problem_naming_it(tmp_path):
    settings = tmp_path / "broken.py"
    settings.write_text("from pelicanconf import *  # noqa: F403\nTHEME = (\n", encoding="utf-8")
    with pytest.raises(SettingsError) as failure:
        load(settings)
    message = str(failure.value)
    assert message.startswith(f"{settings}: ")
    assert "SyntaxError" in message and "line 2" in message
    assert "Fix: correct it" in message
