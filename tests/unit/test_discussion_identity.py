"""Thread identity: state from front matter, the stable id, and the Discussion object."""

from __future__ import annotations

import pytest

from commons.discussion.settings import validate_settings
from commons.identity import ThreadError, default_thread_id, thread_id, thread_key, thread_state
from plugins.discussion.identity import discussion_for
from plugins.discussion.plugin import AssetsOncePerPage, DuplicateThreadError, _check_unique, attach

ISSO = {"isso": {"url": "https://comments.example.org/"}}


@pytest.mark.parametrize(
    ("value", "default_open", "expected"),
    [
        (None, True, "open"),
        (None, False, None),
        ("on", False, "open"),
        ("Open", False, "open"),
        ("yes", False, "open"),
        (" true ", False, "open"),
        ("off", True, None),
        ("No", True, None),
        ("false", True, None),
        ("closed", True, "closed"),
        ("CLOSED", False, "closed"),
    ],
)
def test_thread_state_from_the_comments_field(value, default_open, expected):
    assert thread_state(value, default_open) == expected


def test_an_unknown_comments_value_names_the_file_field_and_fix():
    with pytest.raises(ThreadError) as failure:
        thread_state("maybe", True, "posts/tools.md")
    assert str(failure.value) == (
        "posts/tools.md: metadata field 'comments' has the value 'maybe'. Fix: write one of: "
        "on, off, closed (on/open/yes/true and off/no/false are synonyms)."
    )


def test_the_default_id_is_the_slug_and_pages_have_their_own_namespace():
    assert default_thread_id("sharing-your-work") == "sharing-your-work"
    assert default_thread_id("about", is_page=True) == "pages/about"
    assert thread_id(None, "tool-night") == "tool-night"
    assert thread_id(None, "about", is_page=True) == "pages/about"


def test_comments_id_overrides_the_slug_and_survives_a_new_slug():
    assert thread_id("  old-thread  ", "new-slug") == "old-thread"
    assert thread_id("old-thread", "renamed-again") == "old-thread"
    assert thread_id(2011, "x") == "2011"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("   ", "is empty"),
        ("a" * 201, "is 201 characters long"),
        ("line\nbreak", "has the value 'line\\nbreak'"),
        ("bell\x07", "has the value"),
    ],
)
def test_a_bad_comments_id_is_refused(value, problem):
    with pytest.raises(ThreadError) as failure:
        thread_id(value, "slug", source="posts/x.md")
    assert str(failure.value).startswith(f"posts/x.md: metadata field 'comments_id' {problem}")


def make(config, metadata=None, is_page=False, slug="tools"):
    return discussion_for(
        config=config,
        metadata=metadata or {},
        slug=slug,
        title="Tools & Things",
        url="/2026/01/tools/",
        is_page=is_page,
        source="tools.md",
    )


def test_an_article_has_an_open_thread_by_default():
    thread = make(validate_settings(ISSO))
    assert thread.enabled and thread.state == "open" and thread.show_thread
    assert (thread.thread_id, thread.title, thread.url) == (
        "tools",
        "Tools & Things",
        "/2026/01/tools/",
    )
    assert thread.provider == "isso" and thread.anchor == "discussion"
    assert thread.link == "/2026/01/tools/#discussion"
    assert thread.notice == "Comments are hosted by Isso at comments.example.org. Load comments?"
    assert thread.partial == ""  # the adapter, discussion/isso.js, makes the embed
    assert thread.counts and thread.count_partial == "partials/discussion/isso_count.html"


def test_off_has_no_thread_and_pages_need_to_ask():
    assert not make(validate_settings(ISSO), {"comments": "off"}).enabled
    assert not make(validate_settings(ISSO), is_page=True, slug="about").enabled
    page = make(validate_settings(ISSO), {"comments": "on"}, is_page=True, slug="about")
    assert page.enabled and page.thread_id == "pages/about"
    quiet = validate_settings({**ISSO, "articles": False})
    assert not make(quiet).enabled
    assert make(quiet, {"comments": "on"}).enabled


def test_closed_shows_the_thread_read_only_only_where_the_provider_can():
    isso = make(validate_settings(ISSO), {"comments": "closed"})
    assert isso.enabled and isso.state == "closed" and not isso.show_thread
    giscus = validate_settings(
        {
            "provider": "giscus",
            "giscus": {"repo": "a/b", "repo_id": "R", "category": "C", "category_id": "D"},
        }
    )
    locked = make(giscus, {"comments": "closed"})
    assert locked.state == "closed" and locked.show_thread
    assert locked.web_url == "https://github.com/a/b/discussions"
    assert not locked.counts


def test_the_consent_text_and_the_custom_template_come_from_settings():
    config = validate_settings(
        {
            "provider": "custom",
            "consent_text": "Talk happens on {provider}. Open it?",
            "custom": {"template": "partials/talk.html", "name": "our forum", "read_only": True},
        }
    )
    thread = make(config, {"comments": "closed"})
    assert thread.notice == "Talk happens on our forum. Open it?"
    assert thread.partial == "partials/talk.html"
    assert thread.show_thread


def test_comentario_gets_the_thread_id_as_a_path():
    config = validate_settings(
        {"provider": "comentario", "comentario": {"url": "https://c.example.org/"}}
    )
    assert make(config, {"comments_id": "old/thread"}).thread_path == "/old/thread"


def test_assets_are_emitted_once_per_page_and_again_after_a_rebuild():
    once = AssetsOncePerPage()  # Jinja passes the page's context; a dict stands in for it
    assert once({"output_file": "index.html"}) is True
    assert once({"output_file": "index.html"}) is False
    assert once({"output_file": "page/2/index.html"}) is True
    once.reset()
    assert once({"output_file": "index.html"}) is True


SITE_SETTINGS = {"DISCUSSION": validate_settings(ISSO), "PATH": "/site/content", "SITEURL": ""}


def post(slug, metadata=None, path=None):
    from types import SimpleNamespace

    return SimpleNamespace(
        metadata=metadata or {},
        slug=slug,
        title=slug.title(),
        url=f"2026/01/{slug}/",
        source_path=path or f"/site/content/{slug}.md",
    )


def check(posts, is_page=False, seen=None):
    seen = {} if seen is None else seen
    for one in posts:
        attach(one, SITE_SETTINGS, is_page=is_page)
        _check_unique(one, SITE_SETTINGS, seen)


def test_two_posts_sharing_a_thread_id_are_refused_naming_both():
    first, second = post("tools"), post("tools-again", {"comments_id": "tools"})
    with pytest.raises(DuplicateThreadError) as failure:
        check([first, second])
    assert str(failure.value) == (
        "tools-again.md: metadata field 'comments_id' gives the thread id 'tools', which is "
        "the thread 'tools' already used by tools.md. Fix: give one of them its own "
        "`Comments_id:`."
    )
    quiet = post("tools-off", {"comments_id": "tools", "comments": "off"})
    check([post("tools"), quiet])
    assert quiet.discussion.enabled is False


@pytest.mark.parametrize("written", ["/shared", "//shared", " shared ", "shared", "/shared/../x"])
def test_ids_that_name_one_thread_are_refused_whatever_the_slashes(written):
    first = post("first", {"comments_id": "shared"})
    second = post("second", {"comments_id": written})
    if written == "/shared/../x":
        check([first, second])  # another thread: nothing to refuse
        return
    with pytest.raises(DuplicateThreadError) as failure:
        check([first, second])
    assert failure.value.source == "second.md" and failure.value.field == "comments_id"
    assert "first.md" in str(failure.value) and "Fix: give one of them" in str(failure.value)


def test_a_page_and_a_post_cannot_share_a_thread():
    seen = {}
    check([post("shared")], seen=seen)
    with pytest.raises(DuplicateThreadError):
        check([post("about", {"comments_id": "//shared", "comments": "on"})], True, seen)


def test_thread_key_is_nfc_with_single_slashes_and_no_leading_one():
    assert thread_key("//a//b/") == "a/b/"
    assert thread_key("cafe\u0301") == thread_key("caf\u00e9")
