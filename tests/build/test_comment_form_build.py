"""The plain comment form in a built post (partials/discussion/form.html): what it
posts and where, the fields the comment server reads, the reply-to choices from
the snapshot, and no form where nobody can post through it."""

from __future__ import annotations

from commons.comments.form import HONEYPOT_FIELD, PAGE_FIELDS, READER_FIELDS
from tests.build.test_comment_snapshot_build import (
    CLOSED_POST,
    COMMENTS,
    THREAD_ID,
    overrides,
    write_cache,
)
from tests.conftest import SAMPLE_ARTICLE, copy_content, parse_html


def test_the_post_carries_the_form_the_server_reads(build, tmp_path, comments_cache):
    content = copy_content(tmp_path / "content")
    (content / "closed-thread.md").write_text(CLOSED_POST, encoding="utf-8")
    write_cache(comments_cache, THREAD_ID, COMMENTS)
    output = build(content=content, overrides=overrides())
    doc = parse_html(output / SAMPLE_ARTICLE)
    (form,) = doc.xpath("//section[@id='discussion']//form[@data-discussion-form]")
    assert form.get("method") == "post"
    assert form.get("action") == "http://127.0.0.1:9/form/new"
    # Outside the widget's <template>: shown without any script.
    assert not form.xpath("ancestor::template")
    names = set(form.xpath(".//*[@name]/@name"))
    assert names == {*PAGE_FIELDS, *READER_FIELDS, HONEYPOT_FIELD}
    values = {field.get("name"): field.get("value") for field in form.xpath(".//input")}
    assert values["uri"] == THREAD_ID
    assert values["page"].endswith("/" + SAMPLE_ARTICLE.removesuffix("index.html"))
    # Labelled, with the browser's autofill, the name and text required.
    for field in form.xpath(".//input[not(@type='hidden')] | .//textarea | .//select"):
        assert form.xpath(f".//label[@for='{field.get('id')}']"), field.get("name")
    author, email, website = (form.xpath(f".//input[@name='{n}']")[0] for n in READER_FIELDS[:3])
    assert (author.get("autocomplete"), email.get("autocomplete")) == ("name", "email")
    assert website.get("autocomplete") == "url" and email.get("type") == "email"
    assert author.get("required") is not None and email.get("required") is None
    assert form.xpath(".//textarea[@name='text']/@required")
    # The honeypot: hidden from people and assistive technology, never autofilled.
    (trap,) = form.xpath(f".//input[@name='{HONEYPOT_FIELD}']")
    assert trap.get("tabindex") == "-1" and trap.get("autocomplete") == "off"
    assert trap.getparent().get("aria-hidden") == "true"
    # Reply to the post or to any comment of the snapshot, by its server id.
    options = form.xpath(".//select[@name='parent']/option")
    assert [(o.get("value"), o.text_content()) for o in options] == [
        ("", "The post"),
        ("1", "Ana, 1 March 2024"),
        ("2", "Bob, 2 March 2024"),
    ]
    assert doc.xpath("//*[@id='comment-held']") and doc.xpath("//*[@id='comment-shown']")
    # No script needed: the section no longer says so.
    assert not doc.xpath("//section[@id='discussion']//noscript")

    closed = parse_html(output / "2012/05/closed-thread/index.html")
    assert not closed.xpath("//form[@data-discussion-form]")


def test_no_form_for_a_provider_commons_does_not_run(build, tmp_path):
    giscus = {
        "provider": "giscus",
        "giscus": {"repo": "o/r", "repo_id": "R", "category": "C", "category_id": "CI"},
    }
    output = build(overrides={"DISCUSSION": giscus})
    doc = parse_html(output / SAMPLE_ARTICLE)
    assert not doc.xpath("//form[@data-discussion-form]")
    assert doc.xpath("//section[@id='discussion']//noscript")
