"""GUARD['html']: settings validation, and what each policy does to a fragment."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import nh3
import pytest
from lxml import html

from commons.html_policy import SCHEMA, post_attributes, post_tags, validate_settings
from commons.settings import SettingsError
from plugins.guard.html import sanitizer
from plugins.guard.user_content import attribute_filter, ids_in, names_as_ids

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


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"policy": "keep"},
        {"extra_tags": ["video"]},
        {"extra_tags": ["video", "audio"], "extra_attributes": {"video": ["src"]}},
        {"extra_tags": ["audio"], "extra_attributes": {"*": ["src"]}},
        {"extra_attributes": {"audio": ["src"]}},
    ],
)
def test_the_importer_keeps_the_players_the_posts_sanitiser_keeps(raw):
    """One policy (commons/html_policy.py): the WordPress importer writes a player
    as a player only where the site's sanitiser will keep it and its src."""
    from commons.importers.wordpress import media_elements

    options = validate_settings(raw)
    clean = sanitizer(options) if options["policy"] == "sanitize" else (lambda fragment: fragment)
    kept = set()
    for tag in ("audio", "video"):
        cleaned = html.fragment_fromstring(clean(f'<{tag} src="a.mp4"></{tag}>'), "div")
        if cleaned.xpath(f"//{tag}[@src='a.mp4']"):
            kept.add(tag)
    assert media_elements({"GUARD": {"html": raw}}) == kept


# Fragments that exercise every branch of the attribute filter: ids, names,
# id references, same-post and other-post links, the theme's anchors, widget classes.
NAMESPACED = [
    FRAGMENT,
    '<a name="faq">F</a><a href="#faq">to</a><a href="#setup">there</a><a href="#discussion">d</a>',
    '<p aria-describedby="n x" class="isso-thread keep giscus">t</p><span class="k">x</span>',
    '<a href="{filename}/other.md#setup">o</a><a href="{filename}/other.md#main">m</a>',
    '<a id="kept" name="dropped">both</a><table><tr><td headers="a b">1</td></tr></table>',
    "",
]


def reference_clean(options: dict, fragment: str, targets=frozenset()) -> str:
    """The posts' cleaning as one `nh3.clean` call per fragment."""
    fragment = names_as_ids(fragment)
    return nh3.clean(
        fragment,
        tags=post_tags(options),
        attributes=post_attributes(options),
        link_rel=None,
        attribute_filter=attribute_filter(ids_in(fragment) | targets),
    )


@pytest.mark.parametrize(
    "raw", [{}, {"extra_tags": ["video"], "extra_attributes": {"video": ["src"], "*": ["lang"]}}]
)
def test_one_cleaner_per_policy_cleans_as_a_call_per_fragment_did(raw, monkeypatch):
    options = SCHEMA.validate(raw)
    cases = [(fragment, targets) for fragment in NAMESPACED for targets in (set(), {"setup"})]
    expected = [reference_clean(options, fragment, targets) for fragment, targets in cases]
    clean = sanitizer(options)

    def per_call(*_args, **_kwargs):
        raise AssertionError("nh3.clean converts the policy's sets on every call")

    monkeypatch.setattr(nh3, "clean", per_call)
    assert [clean(fragment, targets) for fragment, targets in cases] == expected


def test_fragments_cleaned_at_once_in_threads_keep_their_own_targets():
    clean = sanitizer(SCHEMA.validate({}))
    # Long enough that cleaning one fragment takes a while: the threads overlap.
    filler = "<p>" + "words " * 2000 + "</p>"

    def work(number: int) -> set[str]:
        target = f"t{number}"
        return {
            clean(f'{filler}<a href="#{target}">x</a><a href="#other">y</a>', {target})
            for _ in range(40)
        }

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(8)))
    for number, cleaned in enumerate(results):
        assert cleaned == {f'{filler}<a href="#user-content-t{number}">x</a><a href="#other">y</a>'}
