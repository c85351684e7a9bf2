"""The guard's problem file is what `build` and `check` report; renamed settings still apply."""

from __future__ import annotations

import pytest

from commons.build import BuildError, build_site
from commons.check import SITE_WIDE, check_site
from tests.conftest import SAMPLE_CONTENT, copy_content

OLD_SETTINGS = """\
from pelicanconf import *  # noqa: F403

# A site that upgraded its code and kept its settings.
del GUARD  # noqa: F821
CONTENT_CHECK = {"categories": ["Community"]}
"""


def test_a_failed_build_reports_the_problems_the_guard_wrote(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "bad-date.md").write_text("Title: A\nDate: 01/02/2026\n\nA.\n", encoding="utf-8")
    (content / "away.md").write_text(
        "Title: B\nDate: 2020-01-01\n\n![x](https://pictures.example/x.png)\n", encoding="utf-8"
    )
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=content)
    problems = failure.value.problems
    dates = [problem for problem in problems if problem.file == "bad-date.md"]
    assert dates and dates[0].field == "date"
    assert "01/02/2026" in dates[0].problem and dates[0].fix
    # The message is the problems, each once, with its fix: not Pelican's log.
    message = str(failure.value)
    assert str(dates[0]) in message
    assert message.count(str(dates[0])) == 1
    assert "Traceback" not in message and "CRITICAL" not in message


def test_a_warning_pelican_logs_is_a_problem_of_its_file(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    (content / "images" / "desk.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (content / "desk.md").write_text(
        "Title: Desk\nDate: 2020-01-01\n\n[desk]({filename}/images/desk.png)\n", encoding="utf-8"
    )
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=content)
    [static] = [p for p in failure.value.problems if "Use {static} instead" in p.problem]
    assert static.file == "desk.md"
    assert static.fix.startswith("write {static} instead of {filename}")


def test_a_renamed_setting_is_applied_and_named_with_its_new_key(tmp_path):
    settings = tmp_path / "oldconf.py"
    settings.write_text(OLD_SETTINGS, encoding="utf-8")
    content = copy_content(tmp_path / "content")

    # `check` goes on: the old list of categories is enforced, not ignored.
    report = check_site(settings_file=settings, content=content)
    [renamed] = report.problems[SITE_WIDE]
    assert "CONTENT_CHECK['categories'] -> GUARD['metadata']['categories']" in renamed
    assert "Fix: move them into GUARD in pelicanconf.py" in renamed
    categories = [m for ms in report.problems.values() for m in ms if "is not in GUARD" in m]
    assert categories and all("Community" in m for m in categories)

    # A strict build stops at the warning, saying where the setting goes.
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", settings_file=settings, content=content)
    assert "GUARD['metadata']['categories']" in str(failure.value)
    [problem] = [p for p in failure.value.problems if p.field == "CONTENT_CHECK"]
    assert problem.file == "" and problem.fix


def test_a_build_that_never_started_the_guard_shows_pelicans_output(tmp_path):
    settings = tmp_path / "broken.py"
    settings.write_text("from pelicanconf import *  # noqa: F403\nTHEME = (\n", encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=SAMPLE_CONTENT, settings_file=settings)
    assert failure.value.problems == []
    assert "broken.py" in str(failure.value)


def test_check_without_the_guard_says_nothing_was_checked(tmp_path):
    settings = tmp_path / "noguard.py"
    settings.write_text(
        "from pelicanconf import *  # noqa: F403\n"
        'PLUGINS = [p for p in PLUGINS if p != "plugins.guard"]  # noqa: F405\n',
        encoding="utf-8",
    )
    report = check_site(content=SAMPLE_CONTENT, settings_file=settings)
    [said] = report.problems[SITE_WIDE]
    assert "Fix: add 'plugins.guard' to PLUGINS" in said
    assert report.count == 1
