"""GUARD['links'] and GUARD['metadata']['categories']: validated, with messages naming the key."""

from __future__ import annotations

import pytest

from commons.settings import SettingsError
from plugins.guard import links, metadata


def test_defaults():
    assert links.SCHEMA.validate(None) == links.DEFAULTS


@pytest.mark.parametrize(
    ("module", "value", "expected"),
    [
        (links, [], "GUARD['links'] must be a dict"),
        (links, {"category": ["A"]}, "unknown key(s) ['category']"),
        (
            metadata,
            {"categories": "Community"},
            "GUARD['metadata']['categories'] is 'Community'; it must be None (any category)",
        ),
        (metadata, {"categories": [" Community"]}, "without surrounding spaces"),
        (
            links,
            {"check_references": "yes"},
            "GUARD['links']['check_references'] is 'yes'; it must be True or False",
        ),
    ],
)
def test_bad_settings_are_named(module, value, expected):
    with pytest.raises(SettingsError) as failure:
        module.SCHEMA.validate(value)
    assert expected in str(failure.value)
