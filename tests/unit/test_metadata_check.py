"""GUARD['metadata']: the setting is validated with messages that name the key."""

from __future__ import annotations

import pytest

from commons.settings import SettingsError
from plugins.guard.metadata import (
    PROBLEMS_KEY,
    SCHEMA,
    CheckedMetadataMixin,
    field_problem,
    file_date,
    plain_date,
)
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


def guarded_markdown_reader(settings: dict):
    from pelican.readers import Readers

    readers = Readers(settings)
    wrap_readers(readers)
    return readers.reader_classes["md"](settings)


@pytest.mark.parametrize(
    "written",
    [
        "2019-04-09",
        "2019-04-09 20:45",
        "2019-04-09T20:45:07",
        "2020-02-29 23:59:59",
        "0001-01-01 00:00",
        "2019-04-09 20:45+02:00",
        "2019-04-09T20:45:07.25Z",
    ],
)
def test_a_date_reads_as_pelican_reads_it(tmp_path, written):
    from pelican.readers import MarkdownReader
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "PATH": str(tmp_path)}
    source = tmp_path / "post.md"
    source.write_text(f"Title: T\nDate: {written}\nModified: {written}\n\nBody.\n")
    _, guarded = guarded_markdown_reader(settings).read(str(source))
    _, plain = MarkdownReader(settings).read(str(source))
    assert PROBLEMS_KEY not in guarded
    for field in ("date", "modified"):
        assert (guarded[field], type(guarded[field])) == (plain[field], type(plain[field]))
        assert guarded[field].tzinfo == plain[field].tzinfo
        assert guarded[field].isoformat() == plain[field].isoformat()


def test_plain_dates_are_the_datetimes_pelicans_parser_makes():
    from pelican.utils import get_date

    checked = 0
    for year in ("0000", "0001", "1999", "2020", "9999"):
        for month in ("00", "01", "02", "12", "13"):
            for day in ("00", "01", "28", "29", "30", "31", "32"):
                for time in ("", " 00:00", "T23:59", " 24:00", " 12:60", "T12:30:59", " 12:30:60"):
                    value = f"{year}-{month}-{day}{time}"
                    try:
                        expected = get_date(value)
                    except ValueError:
                        expected = None  # Pelican's own parsing words the error
                    assert plain_date(value) == expected, value
                    if expected is not None:
                        assert type(plain_date(value)) is type(expected)
                        checked += 1
    assert checked > 100
    # Unicode digits, fractions and offsets are left to Pelican's parser.
    assert plain_date("٢٠١٩-04-09") is None
    assert plain_date("2019-04-09 20:45:07.5") is None
    assert plain_date("2019-04-09 20:45Z") is None


def test_an_impossible_date_is_named_with_pelicans_reason(tmp_path):
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "PATH": str(tmp_path)}
    source = tmp_path / "post.md"
    source.write_text("Title: T\nDate: 2019-02-30 10:00\n\nBody.\n")
    _, metadata = guarded_markdown_reader(settings).read(str(source))
    assert [str(problem) for problem in metadata[PROBLEMS_KEY]] == [
        "post.md: metadata field 'date' has the value '2019-02-30 10:00' "
        "('2019-02-30 10:00' is not a valid date). Fix: write it as YYYY-MM-DD or "
        "YYYY-MM-DD HH:MM (ISO 8601 with an offset, such as 2011-03-07T09:00+01:00, works "
        "too), for example " + file_date(source) + "."
    ]
