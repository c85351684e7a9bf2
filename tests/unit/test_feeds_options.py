"""FEEDS validation: every bad value stops the build with the key and the fix."""

from __future__ import annotations

import pytest

from commons.settings import SettingsError
from plugins.feeds.options import DEFAULTS, SCHEMA

LOCAL = {
    "SITEURL": "",
    "FEED_DOMAIN": "http://127.0.0.1:8000",
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "PLUGINS": ["plugins.discussion", "plugins.feeds"],
}
GOOD = {"id_authority": "commons.example.org", "id_date": "2011-03"}


def test_defaults_are_filled_in():
    options = SCHEMA.validate(GOOD, LOCAL)
    assert options == {**DEFAULTS, **GOOD}


@pytest.mark.parametrize("authority", ["commons.example.org", "editors@cohere.example.org"])
def test_a_domain_or_an_email_is_an_authority(authority):
    assert SCHEMA.validate({**GOOD, "id_authority": authority}, LOCAL)["id_authority"] == authority


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"id_authority": None}, "id_authority"),
        ({"id_authority": "https://commons.example.org"}, "id_authority"),
        ({"id_authority": "localhost"}, "id_authority"),
        ({"id_date": None}, "id_date"),
        ({"id_date": "2011-13"}, "id_date"),
        ({"id_date": "March 2011"}, "id_date"),
        ({"author": ""}, "author"),
        ({"stylesheet": "/theme/feeds/feed.xsl"}, "stylesheet"),
        ({"stylesheet": "../feed.xsl"}, "stylesheet"),
        ({"sitemap": "sitemap.txt"}, "sitemap"),
        ({"robots_txt": "yes"}, "robots_txt"),
        ({"robots_txt": True, "sitemap": None}, "robots_txt"),
        ({"colour": "blue"}, "unknown key"),
    ],
)
def test_bad_values_name_the_key(change, names):
    with pytest.raises(SettingsError, match=names):
        SCHEMA.validate({**GOOD, **change}, LOCAL)


def test_feeds_need_an_absolute_address():
    with pytest.raises(SettingsError, match="FEED_DOMAIN"):
        SCHEMA.validate(GOOD, {**LOCAL, "FEED_DOMAIN": ""})
