"""GUARD['sources'], ['paths'] and ['media']: defaults, and bad values named with the key."""

from __future__ import annotations

import pytest

from commons.settings import SettingsError
from plugins.guard import media as media_check
from plugins.guard import paths as output_paths
from plugins.guard import sources as source_guard

MODULES = [source_guard, output_paths, media_check]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.SETTING)
def test_defaults_apply_when_the_setting_is_absent(module):
    assert module.SCHEMA.validate(None) == module.DEFAULTS


@pytest.mark.parametrize(
    ("module", "value", "expected"),
    [
        (source_guard, {"max_bytes": 0}, "GUARD['sources']['max_bytes'] is 0; it must be a whole"),
        (
            source_guard,
            {"max_seconds": "10"},
            "GUARD['sources']['max_seconds'] is '10'; it must be",
        ),
        (
            source_guard,
            {"max_seconds": True},
            "GUARD['sources']['max_seconds'] is True; it must be",
        ),
        (source_guard, {"max_size": 1}, "unknown key(s) ['max_size']"),
        (output_paths, {"reserved": "downloads/"}, "GUARD['paths']['reserved'] is 'downloads/'"),
        (output_paths, {"reserved": ["../x"]}, "'../x': contains a . or .. segment"),
        (media_check, {"trusted_files": ["/etc/x.js"]}, "'/etc/x.js': a leading / or a .."),
        (media_check, {"trusted_files": ["../x.js"]}, "'../x.js': a leading / or a .."),
    ],
)
def test_bad_values_are_refused_with_the_key(module, value, expected):
    with pytest.raises(SettingsError) as error:
        module.SCHEMA.validate(value)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("javascript:alert(1)", "has a scheme"),
        ("JaVaScRiPt:x", "has a scheme"),
        ("data:text/html,x", "has a scheme"),
        ("/abs/", "is absolute"),
        ("//other.example/", "is absolute"),
        ("a/../../b/", ".. segment"),
        ("a/%2e%2e/b/", ".. segment"),
        ("a\\b", "backslash"),
        ("a%5cb", "backslash"),
        ("a\u2028b", "control character"),
        (" a/", "space"),
        (".git/config", "hidden file"),
    ],
)
def test_relative_problem_refuses_what_is_not_a_plain_path(value, problem):
    assert problem in output_paths.relative_problem(value)


@pytest.mark.parametrize("value", ["2024/05/my-post/", "notes/x.html", "", "a-b_c/d.htm"])
def test_relative_problem_accepts_plain_paths(value):
    assert output_paths.relative_problem(value) is None


@pytest.mark.parametrize(
    ("source", "url", "allowed"),
    [
        ("https://images.example", "https://images.example/x.png", True),
        ("https://images.example", "http://images.example/x.png", False),
        ("https://images.example", "https://images.example.evil/x.png", False),
        ("*.example.org", "https://cdn.example.org/x.png", True),
        ("*.example.org", "https://example.org.evil/x.png", False),
        ("https:", "https://anything.example/x.png", True),
    ],
)
def test_csp_sources_are_matched_as_the_browser_does(source, url, allowed):
    from urllib.parse import urlsplit

    assert media_check.source_allows(source, urlsplit(url)) is allowed
