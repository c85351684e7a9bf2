"""commons.settings: each option type accepts what it says and refuses the rest, and a
schema reports every problem at once, each with its key, value, what is accepted and
the fix."""

from __future__ import annotations

import logging
from types import ModuleType

import pytest

from commons.settings import (
    ABSENT,
    URL,
    Boolean,
    Check,
    Choice,
    DictOf,
    Float,
    Integer,
    ListOf,
    Nested,
    Option,
    Optional,
    Pattern,
    Schema,
    SettingsError,
    String,
    install,
)


def one(option: Option, value):
    """Validate `value` as the only key of a one-option schema."""
    return Schema("X", {"key": option}).validate({"key": value})["key"]


TYPES = [
    # (option, accepted values -> cleaned, refused values)
    (Boolean(), [(True, True), (False, False)], ["yes", 1, 0, None]),
    (String(), [("a b", "a b")], ["", "  ", 3, None, "two\nlines"]),
    (String(multiline=True), [("two\nlines", "two\nlines")], ["", ["a"]]),
    (Integer(minimum=1), [(1, 1), (1000, 1000)], [0, -5, 2.5, "10", True, None]),
    (Integer(minimum=0, maximum=12), [(0, 0), (12, 12)], [13, -1, False]),
    (Float(minimum=0), [(1, 1.0), (2.5, 2.5)], [-0.1, "1", True]),
    (Choice(("a", "b")), [("a", "a")], ["c", "A", None]),
    (Pattern(r"[a-z]+", "lower-case letters"), [("abc", "abc")], ["ab1", "", 5]),
    (
        URL(),
        [("https://c.example.org", "https://c.example.org/"), ("http://h/x//", "http://h/x/")],
        ["c.example.org", "ftp://c.example.org/", " https://c.example.org/", "https://c/?q=1"],
    ),
    (URL(trailing_slash=False), [("https://c.example.org/", "https://c.example.org")], ["x"]),
    (ListOf(String()), [(("a", "b"), ["a", "b"]), ([], [])], ["a", [""], [1], None]),
    (
        DictOf(ListOf(String()), keys=Choice(("img", "frame"))),
        [({"img": ("a",)}, {"img": ["a"]})],
        [{"script": []}, {"img": "a"}, ["img"]],
    ),
    (Optional(Integer(minimum=1)), [(None, None), (3, 3)], [0, "3"]),
    (Option(check=lambda v: None if v % 2 else "it is even"), [(3, 3)], [4]),
]


@pytest.mark.parametrize(("option", "good", "bad"), TYPES)
def test_each_type_accepts_its_values_and_refuses_others(option, good, bad):
    for value, cleaned in good:
        assert one(option, value) == cleaned
    for value in bad:
        with pytest.raises(SettingsError) as failure:
            one(option, value)
        message = str(failure.value)
        assert message.startswith(f"X['key'] is {value!r}"), message
        assert f"it must be {option.accepted}. Fix: " in message


def test_a_custom_check_says_why():
    option = String(check=lambda v: "it has surrounding spaces" if v != v.strip() else None)
    with pytest.raises(SettingsError) as failure:
        one(option, " a")
    assert "X['key'] is ' a' (it has surrounding spaces)" in str(failure.value)


def test_defaults_fill_in_and_are_not_shared_between_results():
    schema = Schema("X", {"names": ListOf(String(), ["a"]), "on": Boolean(True)})
    assert schema.defaults() == {"names": ["a"], "on": True}
    first = schema.validate(None)
    first["names"].append("b")
    assert schema.validate({}) == {"names": ["a"], "on": True}


def test_every_problem_is_reported_at_once_with_key_value_accepted_and_fix():
    schema = Schema(
        "PLUGIN",
        {
            "on": Boolean(True),
            "size": Integer(10, minimum=1),
            "mode": Choice(("a", "b"), "a"),
            "name": String(),
        },
    )
    with pytest.raises(SettingsError) as failure:
        schema.validate({"on": "yes", "size": 0, "mode": "c", "colour": "red"})
    lines = str(failure.value).splitlines()
    assert lines == [str(problem) for problem in failure.value.problems]
    assert len(lines) == 5
    assert lines[0] == (
        "PLUGIN: unknown key(s) ['colour']; accepted keys are on, size, mode, name. "
        "Fix: correct the spelling or remove the key"
    )
    assert lines[1] == (
        "PLUGIN['on'] is 'yes'; it must be True or False. "
        "Fix: correct the value, or remove the key to use the default True"
    )
    assert lines[2].startswith("PLUGIN['size'] is 0; it must be a whole number, 1 or more. Fix:")
    assert lines[3].startswith("PLUGIN['mode'] is 'c'; it must be one of: a, b. Fix:")
    assert lines[4] == (
        "PLUGIN['name'] is missing; Commons needs it; it must be a non-empty string on one "
        "line. Fix: add PLUGIN['name']"
    )


def test_a_setting_that_is_not_a_dict_is_named():
    with pytest.raises(SettingsError) as failure:
        Schema("PLUGIN", {"on": Boolean(True)}).validate(["on"])
    assert str(failure.value) == (
        "PLUGIN must be a dict with the keys on, got ['on']. "
        "Fix: write PLUGIN as a dict, such as {'on': True}"
    )


def test_nested_schemas_report_at_the_full_path_in_their_labels_words():
    inner = Schema("X['isso']", {"url": URL(), "css": Boolean(True)}, label="isso")
    schema = Schema("X", {"isso": Nested(inner), "other": Nested(inner, ABSENT)})
    assert schema.validate({"isso": {"url": "https://c.example.org"}}) == {
        "isso": {"url": "https://c.example.org/", "css": True}
    }
    with pytest.raises(SettingsError) as failure:
        schema.validate({"isso": {"css": "no", "theme": 1}, "other": {"url": "x"}})
    message = str(failure.value)
    assert "X['isso']: unknown key(s) ['theme']; isso accepts the keys url, css." in message
    assert "X['isso']['url'] is missing; isso needs it; isso accepts an absolute" in message
    assert "X['isso']['css'] is 'no'; isso accepts True or False. Fix:" in message
    assert "X['other']['url'] is 'x'; isso accepts an absolute http(s) URL" in message
    assert len(failure.value.problems) == 4


def test_a_rule_across_keys_runs_once_its_keys_are_valid_and_may_derive_values():
    def need_b(options, context):
        if options["a"] and not options["b"]:
            return ("is True but X['b'] is False", "", "set b to True, or a to False")
        options["derived"] = context["BASE"]
        return None

    schema = Schema(
        "X", {"a": Boolean(False), "b": Boolean(False)}, checks=[Check(("a", "b"), need_b)]
    )
    assert schema.validate({"b": True}, {"BASE": "z"})["derived"] == "z"
    with pytest.raises(SettingsError) as failure:
        schema.validate({"a": True}, {"BASE": "z"})
    assert str(failure.value) == (
        "X['a'] is True but X['b'] is False. Fix: set b to True, or a to False"
    )
    with pytest.raises(SettingsError) as failure:
        schema.validate({"a": True, "b": "no"}, {"BASE": "z"})
    assert [p.where for p in failure.value.problems] == ["X['b']"]  # the rule waits


def test_install_logs_every_problem_in_one_record_then_raises(caplog):
    schema = Schema("PLUGIN", {"on": Boolean(True), "size": Integer(1, minimum=1)})
    settings = {"PLUGIN": {"on": 1, "size": -1}}
    with caplog.at_level(logging.ERROR, logger="commons.settings"), pytest.raises(SettingsError):
        install(settings, schema)
    # One record: Pelican's `--fatal errors` stops at the first one.
    (record,) = caplog.records
    assert [line.split(" is ")[0] for line in record.getMessage().splitlines()] == [
        "PLUGIN['on']",
        "PLUGIN['size']",
    ]
    assert settings["PLUGIN"] == {"on": 1, "size": -1}  # nothing stored
    settings = {"PLUGIN": {"size": 3}}
    assert install(settings, schema) == {"on": True, "size": 3}
    assert settings["PLUGIN"] == {"on": True, "size": 3}


def test_install_reports_the_other_plugins_bad_settings_with_its_own():
    first = Schema("FIRST", {"on": Boolean(True)})
    other = ModuleType("other_plugin")
    other.SCHEMA = Schema("OTHER", {"size": Integer(1, minimum=1)})
    fine = ModuleType("fine_plugin")
    fine.SCHEMA = Schema("FINE", {"on": Boolean(True)})
    settings = {
        "PLUGINS": [fine, other, "not_loaded_plugin"],
        "FIRST": {"on": "yes"},
        "OTHER": {"size": 0},
    }
    with pytest.raises(SettingsError) as failure:
        install(settings, first)
    assert [p.where for p in failure.value.problems] == ["FIRST['on']", "OTHER['size']"]
    # A good setting does not look at the others.
    assert install({**settings, "FIRST": {}}, first) == {"on": True}
