"""The link to the comment form in a built post (partials/discussion/form.html):
the comment server's form page it opens, the post it names there, and no link
where nobody can post through it. The form page itself is
tests/build/test_comment_form.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.build.test_comment_snapshot_build import (
    CLOSED_POST,
    COMMENTS,
    THREAD_ID,
    overrides,
    write_cache,
)
from tests.conftest import SAMPLE_ARTICLE, copy_content, parse_html


def test_the_post_links_to_the_form_page_the_server_reads(build, tmp_path, comments_cache):
    content = copy_content(tmp_path / "content")
    (content / "closed-thread.md").write_text(CLOSED_POST, encoding="utf-8")
    write_cache(comments_cache, THREAD_ID, COMMENTS)
    output = build(content=content, overrides=overrides())
    doc = parse_html(output / SAMPLE_ARTICLE)
    (link,) = doc.xpath("//section[@id='discussion']//*[@data-discussion-form]//a")
    assert link.text_content() == "Leave a comment"
    assert "discussion-write" in link.get("class").split()
    # Outside the widget's <template>: shown without any script.
    assert not link.xpath("ancestor::template")
    address = urlsplit(link.get("href"))
    assert address._replace(query="").geturl() == "http://127.0.0.1:9/form/new"
    query = parse_qs(address.query, keep_blank_values=True, strict_parsing=True)
    (title,) = doc.xpath("//h1/text()")
    assert query == {
        "uri": [THREAD_ID],
        "title": [title],
        "page": [query["page"][0]],
    }
    assert query["page"][0].endswith("/" + SAMPLE_ARTICLE.removesuffix("index.html"))
    # The form is on the comment server's page, not here; the snapshot stays.
    assert not doc.xpath("//form")
    assert len(doc.xpath("//*[@data-discussion-snapshot]//li")) == len(COMMENTS)
    # No script needed: the section no longer says so.
    assert not doc.xpath("//section[@id='discussion']//noscript")

    closed = parse_html(output / "2012/05/closed-thread/index.html")
    assert not closed.xpath("//*[@data-discussion-form]")


def test_no_form_for_a_provider_commons_does_not_run(build, tmp_path):
    giscus = {
        "provider": "giscus",
        "giscus": {"repo": "o/r", "repo_id": "R", "category": "C", "category_id": "CI"},
    }
    output = build(overrides={"DISCUSSION": giscus})
    doc = parse_html(output / SAMPLE_ARTICLE)
    assert not doc.xpath("//*[@data-discussion-form]")
    assert doc.xpath("//section[@id='discussion']//noscript")
