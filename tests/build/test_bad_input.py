"""Bad input: a clear error naming the file, the problem and the fix; nothing lost."""

from __future__ import annotations

import os

import pytest
from pelican.settings import read_settings

from commons import DEV_SETTINGS
from commons.build import BuildError, build_site
from tests.conftest import SAMPLE_CONTENT, copy_content, guard


def broken_link(content):
    os.symlink(content / "no-such-file.md", content / "gone.md")


def latin1(content):
    (content / "cafe.md").write_bytes(b"Title: Caf\xe9\nDate: 2020-01-01\n\nUn caf\xe9.\n")


def same_slug(content):
    (content / "one.md").write_text("Title: One\nDate: 2020-01-01\nSlug: twin\n\nA.\n")
    (content / "two.md").write_text("Title: Two\nDate: 2020-01-02\nSlug: twin\n\nB.\n")


def same_thread(content):
    (content / "one.md").write_text("Title: One\nDate: 2020-01-01\nComments_id: talk\n\nA.\n")
    (content / "two.md").write_text("Title: Two\nDate: 2020-01-02\nComments_id: talk\n\nB.\n")


def same_thread_by_slashes(content):
    # One thread to a provider that keys threads by path (Comentario: /shared).
    for day, written in enumerate(["shared", "/shared", "//shared"], start=1):
        (content / f"s{day}.md").write_text(
            f"Title: S{day}\nDate: 2020-01-0{day}\nComments_id: {written}\n\nA.\n"
        )


def too_deep_for_feeds(content):
    # Deeper than libxml2 can parse even with huge_tree: the feeds would lose it.
    depth = 3000
    (content / "deep.md").write_text(
        "Title: Deep\nDate: 2020-01-01\n\n" + "<div>" * depth + "x" + "</div>" * depth + "\n"
    )


def unknown_category(content):
    (content / "one.md").write_text("Title: One\nDate: 2020-01-01\nCategory: Comunity\n\nA.\n")


def missing_post(content):
    (content / "one.md").write_text(
        "Title: One\nDate: 2020-01-01\n\nSee [the other]({filename}/other-post.md).\n"
    )


def missing_static_image(content):
    (content / "one.md").write_text(
        "Title: One\nDate: 2020-01-01\n\n![A desk]({static}/images/desk.jpg)\n"
    )


def missing_plain_image(content):
    (content / "one.md").write_text("Title: One\nDate: 2020-01-01\n\n![A desk](/images/desk.jpg)\n")


def overlong_thread_id(content):
    (content / "one.md").write_text(
        "Title: One\nDate: 2020-01-01\nComments_id: " + "x" * 2000 + "\n\nA.\n"
    )


def ambiguous_date(content):
    (content / "one.md").write_text("Title: One\nDate: 01/02/2026\n\nA.\n")


def day_first_date(content):
    (content / "one.md").write_text("Title: One\nDate: 30/11/2026\n\nA.\n")


def written_out_date(content):
    (content / "one.md").write_text(
        "Title: One\nDate: 2020-01-01\nModified: March 5th 2026\n\nA.\n"
    )


def unpadded_date(content):
    (content / "one.md").write_text("Title: One\nDate: 2015-8-5 9:09\n\nA.\n")


def emoji_only_tag(content):
    (content / "one.md").write_text("Title: One\nDate: 2020-01-01\nTags: fun, 🎉\n\nA.\n")


def symbol_only_category(content):
    (content / "one.md").write_text("Title: One\nDate: 2020-01-01\nCategory: ★\n\nA.\n")


def notebook_post(content):
    (content / "analysis.ipynb").write_text('{"cells": [], "nbformat": 4}')


def unclear_menu_field(content):
    (content / "pages" / "help.md").write_text("Title: Help\nMenu: perhaps\n\nAsk us.\n")


STRICT_CATEGORIES = {
    "GUARD": guard(
        metadata={
            "categories": ["Benefits of Coworking", "Community", "Coworking", "Current Members"]
        }
    )
}

CASES = [
    # (breakage, settings overrides, what the message must contain)
    (broken_link, {}, ["gone.md", "cannot be read", "Fix:"]),
    (latin1, {}, ["cafe.md", "is not UTF-8", "line 1", "Fix: save the file as UTF-8"]),
    (same_slug, {}, ["one.md", "two.md", "twin", "Fix: give each of these posts its own Slug"]),
    (same_thread, {}, ["one.md", "two.md", "'talk'", "Fix: give one of them its own `Comments_id"]),
    (
        same_thread_by_slashes,
        {},
        ["metadata field 'comments_id'", "the thread 'shared'", "already used by s", "Fix: give"],
    ),
    (too_deep_for_feeds, {}, ["deep.md", "the feeds cannot carry this post", "2,048", "Fix:"]),
    (unknown_category, STRICT_CATEGORIES, ["one.md", "'Comunity'", "Fix: use one of"]),
    (missing_post, {}, ["one.md", "{filename}/other-post.md", "content/other-post.md", "Fix:"]),
    (missing_static_image, {}, ["one.md", "content/images/desk.jpg", "Fix:"]),
    (missing_plain_image, {}, ["one.md", "/images/desk.jpg", "Fix: put it in content/images/"]),
    (overlong_thread_id, {}, ["one.md", "'comments_id'", "2000 characters", "Fix: use at most"]),
    (ambiguous_date, {}, ["one.md", "'date'", "'01/02/2026'", "Fix: write it as YYYY-MM-DD"]),
    (day_first_date, {}, ["one.md", "'date'", "'30/11/2026'", "Fix: write it as YYYY-MM-DD"]),
    (written_out_date, {}, ["one.md", "'modified'", "'March 5th 2026'", "Fix: write it as"]),
    (unpadded_date, {}, ["one.md", "'date'", "'2015-8-5 9:09'", "Fix: write 2015-08-05 09:09."]),
    (emoji_only_tag, {}, ["one.md", "'tags'", "'🎉'", "gives no URL", "Fix: add a word"]),
    (symbol_only_category, {}, ["one.md", "'category'", "'★'", "Fix: add a word"]),
    (notebook_post, {}, ["analysis.ipynb", "Jupyter notebook", "Fix: export it to Markdown"]),
    (unclear_menu_field, {}, ["pages/help.md", "'menu'", "'perhaps'", "Fix: write `Menu: true`"]),
]


@pytest.mark.parametrize(
    ("breakage", "overrides", "expected"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_bad_input_fails_with_file_problem_and_fix_and_keeps_the_last_site(
    tmp_path, breakage, overrides, expected
):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    build_site(output, content=content, overrides=overrides)
    before = {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}

    breakage(content)
    with pytest.raises(BuildError) as failure:
        build_site(output, content=content, overrides=overrides)

    message = str(failure.value)
    for fragment in expected:
        assert fragment in message
    assert "Traceback" not in message
    after = {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    assert after == before


def test_strict_categories_accept_the_listed_ones(tmp_path):
    output = tmp_path / "output"
    build_site(output, content=SAMPLE_CONTENT, overrides=STRICT_CATEGORIES)
    assert (output / "category" / "community" / "index.html").is_file()


def test_bad_settings_of_several_plugins_are_reported_in_one_build(tmp_path):
    overrides = {
        "PARALLEL_READ": {"processes": -1},
        "DISCUSSION": {"mode": "often", "isso": {"url": "comments.example.org"}},
        "SEARCH": {"pages_per_bundle": 0},
        "CSS_MINIFY": {"enabled": "no"},
    }
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=SAMPLE_CONTENT, overrides=overrides)
    message = " ".join(str(failure.value).split("Traceback")[0].split())
    for said, accepted in [
        ("PARALLEL_READ['processes'] is -1", "it must be a whole number, 0 or more"),
        ("DISCUSSION['mode'] is 'often'", "it must be one of: consent, lazy, eager"),
        ("DISCUSSION['isso']['url'] is 'comments.example.org'", "isso accepts an absolute"),
        ("SEARCH['pages_per_bundle'] is 0", "1 or more, such as 1000"),
        ("CSS_MINIFY['enabled'] is 'no'", "it must be True or False"),
    ]:
        assert said in message, said
        after = message[message.index(said) :]
        assert accepted in after.split("Fix: ")[0], said
        assert "Fix: " in after, said


def test_feeds_without_the_discussion_plugin_name_the_plugin_to_add(tmp_path):
    plugins = [name for name in read_settings(str(DEV_SETTINGS))["PLUGINS"]]
    plugins.remove("plugins.discussion")
    with pytest.raises(BuildError) as failure:
        build_site(tmp_path / "output", content=SAMPLE_CONTENT, overrides={"PLUGINS": plugins})
    message = str(failure.value)
    assert "FEEDS needs 'plugins.discussion' in PLUGINS" in message
    assert "Fix: add 'plugins.discussion' to PLUGINS before 'plugins.feeds'" in message
    assert not (tmp_path / "output").exists()
