"""CONTENT_CHECK settings: validated, with messages naming the key."""

from __future__ import annotations

import pytest

from commons.settings import SettingsError
from plugins.content_check.content_check import DEFAULTS, validate_settings


def test_defaults():
    assert validate_settings(None) == DEFAULTS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([], "CONTENT_CHECK must be a dict"),
        ({"category": ["A"]}, "unknown key(s) ['category']"),
        (
            {"categories": "Community"},
            "CONTENT_CHECK['categories'] is 'Community'; it must be None (any category)",
        ),
        ({"categories": [" Community"]}, "without surrounding spaces"),
        (
            {"check_references": "yes"},
            "CONTENT_CHECK['check_references'] is 'yes'; it must be True or False",
        ),
    ],
)
def test_bad_settings_are_named(value, expected):
    with pytest.raises(SettingsError) as failure:
        validate_settings(value)
    assert expected in str(failure.value)
