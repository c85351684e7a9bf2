"""An imported WordPress post, opened in Chromium, shows its imported thread from Isso.

Isso's own test export (tests/data/wordpress/isso-wordpress.xml) is imported
into a fresh Isso database, with one comment made hostile; the site is built
against a local Isso serving that database, and a reader loads the comments.
"""

from __future__ import annotations

from lxml import etree

from commons import REPO_ROOT
from commons.importers.wordpress import import_wordpress
from commons.servers import IssoServer, free_port
from tests.build.test_import_wordpress import settings

EXPORT = REPO_ROOT / "tests" / "data" / "wordpress" / "isso-wordpress.xml"
PAYLOAD = (
    "Nice post <script>window.__pwned = 1</script>"
    '<img src="x" onerror="window.__pwned = 2"> <a href="javascript:window.__pwned=3">link</a>'
)


def hostile_export(tmp_path):
    """Isso's export with comment 11's text replaced by a script payload."""
    tree = etree.parse(str(EXPORT))
    wp = "http://wordpress.org/export/1.0/"
    for comment in tree.iter(f"{{{wp}}}comment"):
        if comment.findtext(f"{{{wp}}}comment_id") == "10":
            comment.find(f"{{{wp}}}comment_content").text = PAYLOAD
    path = tmp_path / "export.xml"
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def test_imported_thread_shows_with_replies_in_place(build, served_site, browser, tmp_path):
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    content = tmp_path / "content"
    content.mkdir()
    with IssoServer(tmp_path / "isso", [origin], guard=False) as isso:
        report = import_wordpress(
            hostile_export(tmp_path),
            content_dir=content,
            settings=settings(),
            isso_db=isso.db_path,
            say=lambda line: None,
        )
        assert report.comments == 7
        output = build(
            content=content,
            overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}},
        )
        site = served_site(output, port=port)
        page = browser.new_page()
        page.goto(f"{site.url}2014/01/test/", wait_until="networkidle")
        assert page.locator("#discussion").get_attribute("data-discussion-id") == "test"
        page.click("[data-discussion-load]")
        root = page.locator("#isso-root")
        root.locator(".isso-comment .isso-text", has_text="Erster!1").wait_for(timeout=15000)

        # Top-level comments in order, each reply under the comment it answered.
        top = root.locator(":scope > .isso-comment")
        texts = [
            t.strip()
            for t in top.locator(":scope > .isso-text-wrapper .isso-text").all_inner_texts()
        ]
        assert texts[0] == "Erster!1" and texts[1] == "Zweiter."
        second = top.nth(1)
        replies = second.locator(".isso-follow-up .isso-comment .isso-text").all_inner_texts()
        assert [r.strip() for r in replies] == ["Drölfter!", "Yet another reply.", "..."]
        assert root.locator(".isso-comment").count() == 7
        author = second.locator(".isso-comment-header .isso-author").first.inner_text()
        assert author.strip() == "Tester"

        # The hostile comment is shown as harmless text and ran nothing.
        hostile = root.locator(".isso-comment .isso-text", has_text="Nice post")
        assert hostile.count() == 1
        assert hostile.locator("script, img[onerror]").count() == 0
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        link = hostile.locator("a")
        assert link.count() == 0 or not (link.get_attribute("href") or "").startswith("javascript:")
