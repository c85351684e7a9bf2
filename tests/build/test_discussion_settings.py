"""DISCUSSION and the comment front matter, through real builds: the local and
production comment services, and builds that fail with the key or file named."""

from __future__ import annotations

import json

import pytest

from commons import PUBLISH_SETTINGS
from commons.build import BuildError
from tests.conftest import SAMPLE_ARTICLE, copy_content, parse_html

SAMPLE_PATH = SAMPLE_ARTICLE.removesuffix("index.html")


def page_config(doc) -> dict:
    """The discussion settings of a post's page, where theme.js finds them."""
    (config,) = doc.xpath("//main/section/script[@data-discussion-config]")
    return json.loads(config.text)


def isso_count_url(doc) -> str:
    """The Isso endpoint in the page's settings; discussion/isso.js loads Isso
    from its folder (tests/browser/test_discussion_embeds.py)."""
    return page_config(doc)["countUrl"]


def test_local_builds_use_the_local_isso_from_local_server(built_site):
    from pelican.settings import get_settings_from_file

    from commons import DEV_SETTINGS

    port = get_settings_from_file(str(DEV_SETTINGS))["LOCAL_SERVER"]["isso_port"]
    doc = parse_html(built_site / SAMPLE_ARTICLE)
    assert isso_count_url(doc) == f"http://127.0.0.1:{port}/count"
    (section,) = doc.xpath("//section[@id='discussion']")
    assert section.get("data-discussion-url") == "/" + SAMPLE_PATH
    assert page_config(doc)["mode"] == "consent"


def test_production_uses_the_comment_service_and_absolute_urls(published_site):
    doc = parse_html(published_site / SAMPLE_ARTICLE)
    (section,) = doc.xpath("//section[@id='discussion']")
    # The thread's URL is the canonical link's: the section does not repeat it.
    assert section.get("data-discussion-url") is None
    (canonical,) = doc.xpath("/html/head/link[@rel='canonical']/@href")
    assert canonical == "https://commons.example.org/" + SAMPLE_PATH
    assert isso_count_url(doc) == "https://comments.commons.example.org/count"


def test_the_production_comment_service_comes_from_the_environment(build):
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_ISSO_URL": "https://talk.cohere.example/isso"},
    )
    assert isso_count_url(parse_html(output / SAMPLE_ARTICLE)) == (
        "https://talk.cohere.example/isso/count"
    )


def test_lazy_and_eager_modes_reach_the_page(build):
    for mode in ("lazy", "eager"):
        output = build(overrides={"DISCUSSION": {"mode": mode, "isso": {"url": "http://c.test/"}}})
        doc = parse_html(output / SAMPLE_ARTICLE)
        assert page_config(doc)["mode"] == mode


@pytest.mark.parametrize(
    ("discussion", "expected"),
    [
        (
            {"provider": "giscus", "giscus": {"repo": "a/b", "repo_id": "R", "category": "C",
                                              "category_id": "D", "lang": " en"}},
            "DISCUSSION['giscus']['lang'] is ' en'; giscus accepts one of: ar, be, bg",
        ),
        ({"mode": "often", "isso": {"url": "http://c.test/"}}, "DISCUSSION['mode'] is 'often'"),
        ({"provider": "isso", "isso": {}}, "DISCUSSION['isso']['url'] is missing"),
        (
            {"provider": "custom", "custom": {"template": "partials/nowhere.html", "name": "T"}},
            "DISCUSSION['custom']['template'] is 'partials/nowhere.html', which is in none of",
        ),
    ],
)  # fmt: skip
def test_a_bad_setting_fails_the_build_naming_the_key(build, discussion, expected):
    with pytest.raises(BuildError) as failure:
        build(overrides={"DISCUSSION": discussion})
    assert expected in failure.value.log


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("Comments: maybe", "metadata field 'comments' has the value 'maybe'. Fix: write one of"),
        # Another plugin (feeds) may report the shared id first; either way
        # both files and the id are named.
        ("Comments_id: sharing-your-work-and-coworking-to-share",
         "sharing-your-work-and-coworking-to-share"),
    ],
)  # fmt: skip
def test_bad_comment_metadata_fails_the_build_naming_the_file(build, tmp_path, metadata, expected):
    content = copy_content(tmp_path / "content")
    (content / "second.md").write_text(
        f"Title: Second\nDate: 2026-01-01\nCategory: Community\n{metadata}\n\nText.\n",
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as failure:
        build(content=content)
    assert "second.md" in failure.value.log
    assert expected in failure.value.log


def test_a_rebuild_from_the_content_cache_follows_a_changed_setting(build):
    # Local builds reuse Pelican's content cache; cached posts must not keep
    # the thread settings of the build that cached them.
    first = build(overrides={"DISCUSSION": {"isso": {"url": "http://one.test/"}}})
    assert isso_count_url(parse_html(first / SAMPLE_ARTICLE)) == "http://one.test/count"
    second = build(overrides={"DISCUSSION": {"isso": {"url": "http://two.test/"}, "mode": "lazy"}})
    doc = parse_html(second / SAMPLE_ARTICLE)
    assert isso_count_url(doc) == "http://two.test/count"
    assert page_config(doc)["mode"] == "lazy"


def test_several_bad_settings_are_reported_together_each_with_value_accepted_and_fix(build):
    discussion = {
        "mode": "often",
        "articles": "yes",
        "consent_text": "Hosted by {host}",
        "isso": {"url": "comments.example.org", "css": "no"},
    }
    with pytest.raises(BuildError) as failure:
        build(overrides={"DISCUSSION": discussion})
    # What the build says first (Pelican's messages, without the traceback).
    log = " ".join(str(failure.value).split("Traceback")[0].split())
    expected = [
        ("DISCUSSION['mode'] is 'often'", "it must be one of: consent, lazy, eager"),
        ("DISCUSSION['articles'] is 'yes'", "it must be True or False"),
        ("DISCUSSION['consent_text'] is 'Hosted by {host}'", "the placeholders it may use"),
        ("DISCUSSION['isso']['url'] is 'comments.example.org'", "isso accepts an absolute"),
        ("DISCUSSION['isso']['css'] is 'no'", "isso accepts True or False"),
    ]
    for said, accepted in expected:
        assert said in log, said
        after = log[log.index(said) :]
        assert accepted in after.split("Fix: ")[0], said
        assert "Fix: " in after
