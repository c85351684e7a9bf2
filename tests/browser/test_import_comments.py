"""An imported WordPress post, opened in Chromium, shows its imported thread from Isso.

Isso's own test export (tests/data/wordpress/isso-wordpress.xml) is imported
into a fresh Isso database, with one comment made hostile; the site is built
against a local Isso serving that database, and a reader loads the comments.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from lxml import etree

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.importers.wordpress import import_wordpress
from commons.servers import IssoServer, free_port
from tests.build.test_import_comments_as_isso import PAYLOADS, hostile_disqus, hostile_wordpress
from tests.build.test_import_wordpress import run_task, settings

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


# Served with no Content-Security-Policy (as `invoke serve`, gh-pages or an nginx
# without the snippet serve it) and with the production one.
SETTINGS_KINDS = {"no CSP": (DEV_SETTINGS, None), "production CSP": (PUBLISH_SETTINGS, "_headers")}

# Everything in the live widget that a payload would have put there.
PAYLOAD_TRACES = """root => {
  const found = [];
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const value = attribute.value.toLowerCase();
      if (attribute.name.startsWith('on')) found.push(`${element.tagName} ${attribute.name}`);
      if (attribute.name === 'style' && /position|inset|fixed/.test(value))
        found.push(`${element.tagName} style=${value}`);
      if (/^\\s*(javascript|data):/.test(value))
        found.push(`${element.tagName} ${attribute.name}=${value}`);
    }
    if (/^(script|style|iframe|object|embed)$/i.test(element.tagName)) found.push(element.tagName);
  }
  return found;
}"""


@pytest.mark.parametrize("kind", SETTINGS_KINDS)
def test_hostile_imported_comments_run_nothing_in_the_live_widget(
    kind, build, isso_server, served_site, browser, tmp_path
):
    settings_file, headers_file = SETTINGS_KINDS[kind]
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    isso = isso_server([origin], guard=False)
    content = tmp_path / "content"
    content.mkdir()
    wordpress = run_task(
        "import-wordpress",
        str(hostile_wordpress(tmp_path / "wordpress.xml")),
        "--content",
        str(content),
        "--isso-db",
        str(isso.db_path),
    )
    assert wordpress.returncode == 0, wordpress.stderr
    export = hostile_disqus(tmp_path / "disqus.xml")
    # The Disqus thread is the WordPress post's old address.
    export.write_text(
        export.read_text().replace("/2013/10/hello/", "/2014/01/test/"), encoding="utf-8"
    )
    disqus = run_task(
        "import-disqus", str(export), "--content", str(content), "--isso-db", str(isso.db_path)
    )
    assert disqus.returncode == 0, disqus.stderr
    with closing(sqlite3.connect(isso.db_path)) as db:
        shown = db.execute("SELECT COUNT(*) FROM comments WHERE mode = 1").fetchone()[0]
    assert shown > len(PAYLOADS)
    output = build(
        content=content,
        settings_file=settings_file,
        env={"COMMONS_SITEURL": origin},
        overrides={"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}},
    )
    site = served_site(output, port=port, headers_file=headers_file)
    if headers_file:
        assert "script-src 'self'" in (output / headers_file).read_text()

    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site.url}2014/01/test/", wait_until="networkidle")
    page.click("[data-discussion-load]")
    root = page.locator("#isso-root")
    root.locator(".isso-comment .isso-text", has_text="An image as a name.").first.wait_for(
        timeout=15000
    )
    assert root.locator(".isso-comment").count() == shown
    for author in root.locator(".isso-comment-header .isso-author").all():
        author.hover()  # a forged onmouseover would run now
    page.wait_for_timeout(300)

    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert root.evaluate(PAYLOAD_TRACES) == []
    # The payloads are shown as the text they are.
    authors = [a.strip() for a in root.locator(".isso-author").all_inner_texts()]
    assert "<img src=x onerror=window.__pwned=1>" in authors
    assert 'Eve" style="position:fixed;inset:0' in authors
    texts = " ".join(root.locator(".isso-text").all_inner_texts())
    assert "hello" in texts and "Look here" in texts
    website = root.locator("a.isso-author", has_text="Tom & Jerry").first
    assert website.get_attribute("href") == (
        'http://example.org/"style="position:fixed;inset:0"onmouseover="alert(1)'
    )
