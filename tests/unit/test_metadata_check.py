"""GUARD['metadata']: the setting is validated with messages that name the key."""

from __future__ import annotations

import pytest

from commons.settings import SettingsError
from plugins.guard.metadata import SCHEMA, CheckedMetadataMixin, field_problem
from plugins.guard.plugin import wrap_readers


def test_defaults_apply_when_the_setting_is_absent():
    assert SCHEMA.validate(None) == SCHEMA.defaults()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("title", "must be a dict"),
        ({"requird": ["title"]}, "unknown key(s) ['requird']; accepted keys are"),
        (
            {"required": "title"},
            "GUARD['metadata']['required'] is 'title'; it must be a list of metadata field names",
        ),
        (
            {"statuses": ["published", "live"]},
            "item 1, 'live': not one of: published, draft, hidden, skip",
        ),
    ],
)
def test_bad_settings_name_the_key_and_the_accepted_values(value, expected):
    with pytest.raises(SettingsError) as failure:
        SCHEMA.validate(value)
    assert expected in str(failure.value)


def test_metadata_error_names_file_field_and_fix():
    error = field_problem("posts/a.md", "date", "has the value 'yesterday'", "write 2011-03-07")
    assert str(error) == (
        "posts/a.md: metadata field 'date' has the value 'yesterday'. Fix: write 2011-03-07."
    )


def test_readers_turned_off_with_none_stay_off():
    # Pelican documents READERS = {"html": None} to stop reading .html files.
    from pelican.readers import Readers
    from pelican.settings import DEFAULT_CONFIG

    readers = Readers({**DEFAULT_CONFIG, "READERS": {"html": None, "htm": None}})
    wrap_readers(readers)
    assert readers.reader_classes["html"] is None and readers.reader_classes["htm"] is None
    assert issubclass(readers.reader_classes["md"], CheckedMetadataMixin)
    wrap_readers(readers)  # a second call (a second Readers) wraps nothing twice
    assert readers.reader_classes["md"].__mro__.count(CheckedMetadataMixin) == 1
