"""GUARD['html']: settings validation, and what each policy does to a fragment."""

from __future__ import annotations

import pytest
from lxml import html

from commons.settings import SettingsError
from plugins.guard.html import SCHEMA, sanitizer

FRAGMENT = (
    '<h2 id="plan">Plan</h2><p class="lead" onclick="steal()">Hi <a href="{filename}/x.md">'
    'there</a><script>steal()</script><img src="a.png" alt="A" onerror="steal()"></p>'
    '<iframe src="https://video.example/"></iframe><style>body{display:none}</style>'
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sanitize", "GUARD['html'] must be a dict"),
        ({"mode": "keep"}, "unknown key(s) ['mode']"),
        (
            {"policy": "strip"},
            "GUARD['html']['policy'] is 'strip'; it must be one of: sanitize, keep. Fix: ",
        ),
        ({"extra_tags": ["script"]}, "may not contain ['script']"),
        ({"extra_tags": ["iframe"]}, "may not contain ['iframe']"),
        ({"extra_attributes": {"a": ["onclick"]}}, "may not allow event handlers"),
        ({"extra_attributes": {"a": "target"}}, "maps a tag name (or '*') to a list of attributes"),
    ],
)
def test_bad_settings_name_the_key_and_the_accepted_values(value, expected):
    with pytest.raises(SettingsError) as failure:
        SCHEMA.validate(value)
    assert expected in str(failure.value)


def test_sanitize_keeps_markdown_output_and_drops_code_and_styles():
    cleaned = html.fragment_fromstring(
        sanitizer(SCHEMA.validate({}))(FRAGMENT), create_parent="div"
    )
    assert cleaned.xpath("//h2[@id='user-content-plan']/text()") == ["Plan"]
    assert cleaned.xpath("//p[@class='lead']")
    assert cleaned.xpath("//a/@href") == ["{filename}/x.md"]
    assert cleaned.xpath("//img/@alt") == ["A"]
    assert not cleaned.xpath("//script | //iframe | //style | //*[@onclick or @onerror]")


def test_extra_tags_and_attributes_are_allowed_when_configured():
    options = SCHEMA.validate(
        {"extra_tags": ["video"], "extra_attributes": {"video": ["src", "controls"]}}
    )
    fragment = FRAGMENT + '<video src="/media/tour.webm" controls onplay="steal()"></video>'
    cleaned = html.fragment_fromstring(sanitizer(options)(fragment), create_parent="div")
    assert cleaned.xpath("//video/@src") == ["/media/tour.webm"]
    assert cleaned.xpath("//video/@controls") == [""]
    assert not cleaned.xpath("//script | //style | //iframe | //*[@onplay]")


def test_ids_names_and_references_are_namespaced_and_same_post_links_follow():
    options = SCHEMA.validate({"extra_attributes": {"img": ["name"], "label": ["for"]}})
    options["extra_tags"] = ["label"]
    cleaned = html.fragment_fromstring(
        sanitizer(options)(
            '<h2 id="plan">Plan</h2><a href="#plan">to plan</a><a href="#discussion">talk</a>'
            '<img name="currentScript" src="a.png" alt="A"><label for="plan">L</label>'
            '<table><tr><th id="h">H</th></tr><tr><td headers="h x">1</td></tr></table>'
        ),
        create_parent="div",
    )
    assert cleaned.xpath("//@id") == ["user-content-plan", "user-content-h"]
    assert cleaned.xpath("//img/@name") == ["user-content-currentScript"]
    assert cleaned.xpath("//a/@href") == ["#user-content-plan", "#discussion"]
    assert cleaned.xpath("//label/@for") == ["user-content-plan"]
    assert cleaned.xpath("//td/@headers") == ["user-content-h user-content-x"]


def test_classes_comment_widgets_look_for_are_dropped():
    cleaned = sanitizer(SCHEMA.validate({}))(
        '<div class="giscus lead">a</div><p class="isso-postbox discussion-gate note">b</p>'
    )
    document = html.fragment_fromstring(cleaned, create_parent="div")
    assert document.xpath("//@class") == ["lead", "note"]
    assert sanitizer(SCHEMA.validate({}))('<i class="giscus">c</i>') == "<i>c</i>"


def test_data_attributes_cannot_be_allowed():
    with pytest.raises(SettingsError) as failure:
        SCHEMA.validate({"extra_attributes": {"*": ["data-discussion-mode"]}})
    assert "data-discussion-mode" in str(failure.value) and "policy 'keep'" in str(failure.value)
