"""BODY_HTML: settings validation, and what each policy does to a fragment."""

from __future__ import annotations

import sys

import pytest
from lxml import html

from commons.settings import SettingsError
from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "plugins"))

from body_html.body_html import sanitizer, validate_settings

FRAGMENT = (
    '<h2 id="plan">Plan</h2><p class="lead" onclick="steal()">Hi <a href="{filename}/x.md">'
    'there</a><script>steal()</script><img src="a.png" alt="A" onerror="steal()"></p>'
    '<iframe src="https://video.example/"></iframe><style>body{display:none}</style>'
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sanitize", "BODY_HTML must be a dict"),
        ({"mode": "keep"}, "unknown key(s) ['mode']"),
        (
            {"policy": "strip"},
            "BODY_HTML['policy'] is 'strip'; it must be one of: sanitize, keep. Fix: ",
        ),
        ({"extra_tags": ["script"]}, "may not contain ['script']"),
        ({"extra_tags": ["iframe"]}, "may not contain ['iframe']"),
        ({"extra_attributes": {"a": ["onclick"]}}, "may not allow event handlers"),
        ({"extra_attributes": {"a": "target"}}, "maps a tag name (or '*') to a list of attributes"),
    ],
)
def test_bad_settings_name_the_key_and_the_accepted_values(value, expected):
    with pytest.raises(SettingsError) as failure:
        validate_settings(value)
    assert expected in str(failure.value)


def test_sanitize_keeps_markdown_output_and_drops_code_and_styles():
    cleaned = html.fragment_fromstring(
        sanitizer(validate_settings({}))(FRAGMENT), create_parent="div"
    )
    assert cleaned.xpath("//h2[@id='user-content-plan']/text()") == ["Plan"]
    assert cleaned.xpath("//p[@class='lead']")
    assert cleaned.xpath("//a/@href") == ["{filename}/x.md"]
    assert cleaned.xpath("//img/@alt") == ["A"]
    assert not cleaned.xpath("//script | //iframe | //style | //*[@onclick or @onerror]")


def test_extra_tags_and_attributes_are_allowed_when_configured():
    options = validate_settings(
        {"extra_tags": ["video"], "extra_attributes": {"video": ["src", "controls"]}}
    )
    fragment = FRAGMENT + '<video src="/media/tour.webm" controls onplay="steal()"></video>'
    cleaned = html.fragment_fromstring(sanitizer(options)(fragment), create_parent="div")
    assert cleaned.xpath("//video/@src") == ["/media/tour.webm"]
    assert cleaned.xpath("//video/@controls") == [""]
    assert not cleaned.xpath("//script | //style | //iframe | //*[@onplay]")
