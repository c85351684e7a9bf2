"""Imported comments are stored exactly as Isso stores the same comment posted to its API.

Isso escapes a posted author and e-mail, checks and escapes the website and
refuses what its `verify` refuses; the importers' one writer
(`commons.importers.isso_db.add_thread`) must leave the same row. Each payload
is posted to a real Isso and imported into another database, and the rows are
compared; then the real `import-wordpress` and `import-disqus` tasks are run on
hostile exports.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from collections import Counter
from contextlib import closing

import pytest
from lxml import etree

from commons import REPO_ROOT
from commons.importers.isso_db import MODE_APPROVED, NewComment, add_thread, open_database
from tests.build.test_import_wordpress import run_task

ORIGIN = "http://127.0.0.1:9"
FIELDS = ("author", "email", "website", "text")
# (author, email, website, text): each a comment a stranger could have written.
PAYLOADS = [
    ("<img src=x onerror=window.__pwned=1>", "a@example.org", "", "An image as a name."),
    ('Eve" style="position:fixed;inset:0', '"><svg onload=alert(1)>@x.org', "", "Quotes."),
    (
        "Tom & Jerry",
        "t&j@example.org",
        'http://example.org/"style="position:fixed;inset:0"onmouseover="alert(1)',
        "A quote in a URL.",
    ),
    ("Mallory", "m@example.org", "javascript:alert(1)", "A script address."),
    ("Mallory", "m@example.org", "data:text/html,<script>alert(1)</script>", "A data address."),
    ("Mallory", "m@example.org", "https://example.org/" + "a" * 250, "A website too long."),
    ("Mallory", "m" * 250 + "@example.org", "", "An e-mail address too long."),
    ("Ann", "", "https://example.org/?q=<b>&x='y'", "<script>window.__pwned=2</script> hello"),
    (
        "Ann",
        "",
        "",
        'Look <a href="javascript:alert(1)">here</a> <style>*{}</style> <svg onload=x>',
    ),
]


def posted(isso_url: str, uri: str, fields: dict) -> dict | None:
    """Post `fields` to Isso's API; the stored row's fields, or None when Isso refuses."""
    body = {key: value or None for key, value in fields.items()} | {"title": "A post"}
    request = urllib.request.Request(
        f"{isso_url}new?uri={uri}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": ORIGIN},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        assert error.code == 400, error.read()
        return None


def rows(database) -> list[tuple]:
    with closing(sqlite3.connect(database)) as db:
        return db.execute(f"SELECT {', '.join(FIELDS)} FROM comments ORDER BY created").fetchall()


def test_each_field_is_stored_as_isso_stores_it_when_posted(isso_server, tmp_path):
    isso = isso_server([ORIGIN], guard=False)
    imported = open_database(tmp_path / "imported.db")
    left_out: Counter = Counter()
    comments = []
    for number, values in enumerate(PAYLOADS):
        fields = dict(zip(FIELDS, values, strict=True))
        if posted(isso.url, "/a-post/", fields) is None:
            # Isso refuses the whole comment; an import drops the optional field Isso
            # refuses (the website or the e-mail) and keeps the comment, as posted without it.
            for optional in ("website", "email"):
                if posted(isso.url, "/a-post/", fields | {optional: ""}) is not None:
                    break
            else:
                pytest.fail(f"Isso refuses {fields} whatever is left out")
        comments.append(
            NewComment(
                key=str(number),
                parent=None,
                created=1_700_000_000.0 + number,
                mode=MODE_APPROVED,
                remote_addr="127.0.0.0",
                **fields,
            )
        )
    add_thread(imported, "/a-post/", "A post", comments, left_out=left_out)
    assert left_out == Counter()
    assert rows(tmp_path / "imported.db") == rows(isso.db_path)


def test_a_comment_isso_would_refuse_is_left_out_with_isso_reason(tmp_path):
    db = open_database(tmp_path / "comments.db")
    left_out: Counter = Counter()
    short = NewComment("1", None, 1.0, MODE_APPROVED, "Ann", "", "", "127.0.0.0", "ok")
    kept = NewComment("2", None, 2.0, MODE_APPROVED, "Ann", "", "", "127.0.0.0", "Fine.")
    assert add_thread(db, "/p/", "P", [short, kept], left_out=left_out) == (1, 0, 0)
    assert left_out == {"refused by Isso: text is too short (minimum length: 3)": 1}


WP = "http://wordpress.org/export/1.0/"
DISQUS_EXPORT = """<?xml version="1.0"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><link>http://example.org/2013/10/hello/</link></thread>
</disqus>
"""


def hostile_disqus(path):
    root = etree.fromstring(DISQUS_EXPORT.encode())
    d = "{http://disqus.com}"
    for number, (author, email, _website, text) in enumerate(PAYLOADS, 1):
        post = etree.SubElement(root, f"{d}post")
        post.set("{http://disqus.com/disqus-internals}id", str(number))
        etree.SubElement(post, f"{d}message").text = text
        etree.SubElement(post, f"{d}createdAt").text = f"2013-10-10T19:20:{number:02}Z"
        etree.SubElement(post, f"{d}isDeleted").text = "false"
        etree.SubElement(post, f"{d}isSpam").text = "false"
        person = etree.SubElement(post, f"{d}author")
        etree.SubElement(person, f"{d}name").text = author
        etree.SubElement(person, f"{d}email").text = email
        etree.SubElement(post, f"{d}ipAddress").text = "127.0.0.1"
        etree.SubElement(post, f"{d}thread").set("{http://disqus.com/disqus-internals}id", "1")
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    return path


def hostile_wordpress(path):
    tree = etree.parse(str(REPO_ROOT / "tests" / "data" / "wordpress" / "isso-wordpress.xml"))
    comments = list(tree.iter(f"{{{WP}}}comment"))
    for comment, (author, email, website, text) in zip(comments, PAYLOADS, strict=False):
        comment.find(f"{{{WP}}}comment_author").text = author
        comment.find(f"{{{WP}}}comment_author_email").text = email
        comment.find(f"{{{WP}}}comment_author_url").text = website
        comment.find(f"{{{WP}}}comment_content").text = text
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def assert_stored_as_isso_would(database) -> None:
    stored = rows(database)
    assert stored
    for author, email, website, _text in stored:
        for value in (author, email):
            assert value is None or ("<" not in value and ">" not in value), value
        if website is not None:
            assert website.startswith(("http://", "https://")), website
            assert not set(website) & set("<>\"'"), website


def test_the_import_tasks_store_hostile_comments_as_isso_would(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello.md").write_text("Title: Hello\nDate: 2013-10-10 10:00\nSlug: hello\n\nHi.\n")
    db = tmp_path / "disqus.db"
    export = hostile_disqus(tmp_path / "disqus.xml")
    result = run_task("import-disqus", str(export), "--content", str(content), "--isso-db", str(db))
    assert result.returncode == 0, result.stderr
    assert f"Imported {len(PAYLOADS)} comments" in result.stdout
    assert_stored_as_isso_would(db)
    authors = {row[0] for row in rows(db)}
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in authors

    wordpress_db = tmp_path / "wordpress.db"
    export = hostile_wordpress(tmp_path / "wordpress.xml")
    result = run_task(
        "import-wordpress",
        str(export),
        "--content",
        str(tmp_path / "wp-content"),
        "--isso-db",
        str(wordpress_db),
    )
    assert result.returncode == 0, result.stderr
    assert_stored_as_isso_would(wordpress_db)
    websites = {row[2] for row in rows(wordpress_db)}
    assert (
        "http://example.org/&quot;style=&quot;position:fixed;inset:0&quot;onmouseover=&quot;alert(1)"
    ) in websites
