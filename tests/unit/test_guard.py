"""The guard as one plugin: one setting, one reader wrapper, one problem channel."""

from __future__ import annotations

import json
import logging

import pytest
from pelican import Pelican
from pelican.readers import MarkdownReader, Readers
from pelican.settings import DEFAULT_CONFIG, read_settings

from commons import DEV_SETTINGS
from commons.problems import Problem, read_problems, write_problems
from plugins.guard import SCHEMA, html, metadata, sources
from plugins.guard.plugin import (
    Guard,
    GuardedReader,
    pelican_fix,
    renamed_settings,
    wrap_readers,
)
from plugins.guard.problems import GuardError, LoggedProblems, ProblemLog


def test_one_setting_holds_every_checks_defaults():
    options = SCHEMA.validate(None)
    assert options["stop"] is True and options["problems_file"] is None
    assert options["sources"]["max_bytes"] == 2_000_000
    assert options["metadata"]["categories"] is None
    assert options["html"]["policy"] == "sanitize"
    assert set(options) == {
        "stop",
        "problems_file",
        "sources",
        "metadata",
        "paths",
        "links",
        "media",
        "html",
    }


def test_a_bad_value_is_named_by_its_full_key():
    with pytest.raises(ValueError, match=r"GUARD\['media'\]\['trusted_files'\]"):
        SCHEMA.validate({"media": {"trusted_files": "widget.js"}})


def test_renamed_settings_are_applied_and_named_with_their_new_key():
    settings = {
        "GUARD": {"html": {"policy": "sanitize", "extra_tags": ["mark"]}},
        "CONTENT_CHECK": {"categories": ["Community"], "site_urls": ["https://a.example"]},
        "METADATA_CHECK": {"stop": False},
        "BODY_HTML": {"policy": "keep", "extra_tags": ["u"]},
        "SOURCE_GUARD": {"max_bytes": 10},
    }
    problems = renamed_settings(settings)

    guard = SCHEMA.validate(settings["GUARD"])
    assert guard["metadata"]["categories"] == ["Community"]
    assert guard["links"]["site_urls"] == ["https://a.example"]
    assert guard["stop"] is False
    assert guard["sources"]["max_bytes"] == 10
    # What GUARD sets itself wins over the old setting; where GUARD keeps its
    # default (as commons.defaults writes every key), the old value applies.
    assert guard["html"]["extra_tags"] == ["mark"]
    assert guard["html"]["policy"] == "keep"
    by_field = {problem.field: str(problem) for problem in problems}
    assert set(by_field) == {"CONTENT_CHECK", "METADATA_CHECK", "BODY_HTML", "SOURCE_GUARD"}
    assert (
        "CONTENT_CHECK['categories'] -> GUARD['metadata']['categories']"
        in by_field["CONTENT_CHECK"]
    )
    assert "METADATA_CHECK['stop'] -> GUARD['stop']" in by_field["METADATA_CHECK"]
    assert "Fix: move them into GUARD" in by_field["BODY_HTML"]
    assert "remove BODY_HTML" in by_field["BODY_HTML"]


def test_no_renamed_setting_no_problem():
    settings = {"GUARD": {"stop": True}}
    assert renamed_settings(settings) == []
    assert settings == {"GUARD": {"stop": True}}


def test_every_reader_is_wrapped_once_limits_innermost():
    readers = Readers({**DEFAULT_CONFIG, "READERS": {"html": None, "htm": None}})
    wrap_readers(readers)
    wrap_readers(readers)  # a second Readers, or a second call, wraps nothing twice
    assert readers.reader_classes["html"] is None and readers.reader_classes["htm"] is None
    markdown = readers.reader_classes["md"]
    order = markdown.__mro__
    assert order.count(GuardedReader) == 1
    # Cleaning sees what the metadata check let through, which the limits let be read.
    assert (
        order.index(html.SanitizingReaderMixin)
        < order.index(metadata.CheckedMetadataMixin)
        < order.index(sources.LimitedReaderMixin)
        < order.index(MarkdownReader)
    )


def test_the_problem_file_round_trips_and_a_missing_one_is_none(tmp_path):
    path = tmp_path / "problems.json"
    assert read_problems(path) is None
    problems = [
        Problem("a.md", "date", "metadata field 'date' is missing", "add the line."),
        Problem("", "", "a site-wide message", "", stops=False),
    ]
    write_problems(path, problems)
    assert json.loads(path.read_text(encoding="utf-8"))[0] == {
        "file": "a.md",
        "field": "date",
        "problem": "metadata field 'date' is missing",
        "fix": "add the line.",
        "stops": True,
    }
    assert read_problems(path) == problems
    assert str(problems[0]) == "a.md: metadata field 'date' is missing. Fix: add the line."
    assert str(problems[1]) == "a site-wide message"


def test_what_pelican_logs_becomes_a_problem_of_the_file_its_arguments_name(tmp_path):
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    (content / "images" / "desk.svg").write_text("<svg/>")
    (content / "post.md").write_text("Title: P\n")
    problems_file = tmp_path / "problems.json"
    log = ProblemLog(str(problems_file), logging.getLogger("test.guard"))
    handler = LoggedProblems(log, str(content), pelican_fix)
    logger = logging.getLogger("test.guard.pelican")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "{filename} used for linking to static content %s in %s. Use {static} instead",
            "images/desk.svg",
            "post.md",
        )
        try:
            raise GuardError([Problem("", "date", "metadata field 'date' is bad", "write it.")])
        except GuardError:
            logger.error("Could not process %s", "post.md")
    finally:
        logger.removeHandler(handler)
    [static, date] = read_problems(problems_file)
    assert static.file == "post.md"  # the post, not the image it links to
    assert static.fix.startswith("write {static} instead of {filename}")
    assert date == Problem("post.md", "date", "metadata field 'date' is bad", "write it.")


def test_a_guard_lets_go_when_another_pelican_starts(tmp_path):
    content = tmp_path / "content"
    content.mkdir()

    def pelican(name: str) -> Pelican:
        settings = read_settings(
            str(DEV_SETTINGS),
            override={
                "PATH": str(content),
                "OUTPUT_PATH": str(tmp_path / name),
                "GUARD": {"problems_file": str(tmp_path / f"{name}.json")},
            },
        )
        return Pelican(settings)

    root = logging.getLogger()
    first = pelican("first")
    guards = [h for h in root.handlers if isinstance(h, LoggedProblems)]
    assert len(guards) == 1
    assert read_problems(tmp_path / "first.json") == []
    second = pelican("second")
    now = [h for h in root.handlers if isinstance(h, LoggedProblems)]
    try:
        assert len(now) == 1 and now[0] is not guards[0]
        assert read_problems(tmp_path / "second.json") == []
        # The first Pelican's guard receives nothing more.
        from pelican import signals

        held = [
            receiver
            for receiver in signals.content_object_init.receivers.values()
            if isinstance(getattr(receiver, "__self__", None), Guard)
        ]
        assert len(held) == 1
        assert held[0].__self__.settings is second.settings
        assert first.settings is not second.settings
    finally:
        from pelican import signals

        for receiver in list(signals.initialized.receivers.values()):
            if isinstance(getattr(receiver, "__self__", None), Guard):
                receiver.__self__.disconnect()
        assert not [h for h in root.handlers if isinstance(h, LoggedProblems)]
