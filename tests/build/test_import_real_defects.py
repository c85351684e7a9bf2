"""Issue 28, points 4 to 6: exports as real platforms wrote them are imported, not refused,
their uploads come home, and their text (comments, code) stays what readers saw.

The real exports are in tests/data/ (tests/data/README.md). The defects no
file there shows (an undeclared `atom:` prefix as WordPress.com wrote it, a
control character, Latin-1 bytes, bad dates, multisite upload addresses) are
written into a copy of a real export, each at a known line.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path

from lxml import etree

from commons import DEV_SETTINGS, REPO_ROOT
from commons.importers.wordpress import import_wordpress
from commons.servers import ISSO_DB_NAME
from tests.build.test_import_wordpress import run_task, settings
from tests.conftest import PIXEL_PNG, parse_html, trusting_images

DATA = REPO_ROOT / "tests" / "data"
ISSO_EXPORT = DATA / "wordpress" / "isso-wordpress.xml"
WORDPRESS_COM = DATA / "wordpress" / "jekyll-import-wordpress-com.xml"
DISQUS_EXPORT = DATA / "disqus" / "isso-disqus.xml"
WP = "http://wordpress.org/export/1.0/"
WP12 = "http://wordpress.org/export/1.2/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
# What WordPress.com wrote into its exports' channel for years, without
# declaring xmlns:atom (the same lines as its feeds, which do declare it).
ATOM_LINES = (
    '<atom:link rel="search" type="application/opensearchdescription+xml" '
    'href="http://example.wordpress.com/osd.xml" title="A blog" />\n'
    "<atom:link rel='hub' href='http://example.wordpress.com/?pushpress=hub'/>\n"
)


def with_lines_after(source: Path, marker: str, lines: str, target: Path) -> int:
    """`source` with `lines` inserted after the first line holding `marker`, written to
    `target`; returns the line number of the first inserted line."""
    text = source.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(text) if marker in line) + 1
    target.write_text("".join(text[:at]) + lines + "".join(text[at:]), encoding="utf-8")
    return at + 1


def imported(tmp_path: Path, export: Path, **options):
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    lines: list[str] = []
    report = import_wordpress(
        export,
        content_dir=content,
        settings=settings(),
        isso_db=options.pop("isso_db", tmp_path / "comments.db"),
        say=lines.append,
        **options,
    )
    return content, report, lines


# Point 4: no real export is refused whole.


def test_an_undeclared_atom_prefix_is_repaired_and_said(tmp_path):
    export = tmp_path / "wordpress-com-2012.xml"
    line = with_lines_after(ISSO_EXPORT, "<channel>", ATOM_LINES, export)
    # And two blank lines before the XML declaration, as a theme printing them wrote it.
    export.write_bytes(b"\n\n" + export.read_bytes())
    line += 2
    content = tmp_path / "content"
    result = run_task(
        "import-wordpress", str(export), "--content", str(content), "--isso-db",
        str(tmp_path / "c.db"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Imported 1 posts" in result.stdout and "7 comments" in result.stdout
    declaration, warning = [w for w in result.stdout.splitlines() if w.startswith("WARNING")]
    assert f"{export}: line 3: the XML declaration comes after blank lines" in declaration
    assert str(export) in warning and f"line {line}:" in warning
    assert "'atom:'" in warning and "repaired" in warning
    assert (content / "test.md").is_file()


def test_control_characters_and_latin_1_bytes_are_repaired_and_said(tmp_path):
    export = tmp_path / "pasted.xml"
    text = ISSO_EXPORT.read_bytes()
    # A vertical tab pasted from a word processor, and a Latin-1 é, in a comment.
    text = text.replace(b"Zweiter.", b"Zweiter,\x0b caf\xe9.", 1)
    # A control character written as a reference, outside CDATA, in a title.
    text = text.replace("Hello, World…".encode(), b"Hello,&#11; World", 1)
    assert b"caf\xe9" in text
    export.write_bytes(text)
    _content, _report, lines = imported(tmp_path, export)
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert any("control character" in w and "removed" in w for w in warnings), lines
    assert any("not UTF-8" in w and "Windows-1252" in w for w in warnings), lines
    texts = [row[0] for row in sqlite3.connect(tmp_path / "comments.db").execute(
        "SELECT text FROM comments")]  # fmt: skip
    assert "Zweiter, café." in texts, texts
    assert "Title: Hello, World\n" in (_content / "test.md").read_text()


def test_a_real_syntax_error_still_names_its_line_after_the_repairs(tmp_path):
    export = tmp_path / "cut.xml"
    with_lines_after(ISSO_EXPORT, "<channel>", ATOM_LINES, export)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = next(n for n, line in enumerate(lines) if "<wp:post_id>" in line)
    lines[broken] = lines[broken].replace("</wp:post_id>", "</wp:post_idx>")
    export.write_text("".join(lines), encoding="utf-8")
    result = run_task(
        "import-wordpress", str(export), "--content", str(tmp_path / "content"),
        "--isso-db", str(tmp_path / "c.db"),
    )  # fmt: skip
    assert result.returncode != 0
    assert f"{export}: line {broken + 1}:" in result.stderr
    assert "Fix:" in result.stderr and "Traceback" not in result.stderr


def set_text(item, name: str, value: str) -> None:
    item.find(f"{{{WP}}}{name}").text = value


def test_bad_dates_leave_out_the_post_or_comment_in_one_line_each(tmp_path):
    tree = etree.parse(str(ISSO_EXPORT))
    channel = tree.find("channel")
    good = channel.find("item")
    bad = etree.fromstring(etree.tostring(good))
    set_text(bad, "post_id", "99")
    set_text(bad, "post_name", "bad-date")
    set_text(bad, "post_date_gmt", "2014-02-30 10:00:00")
    for comment in bad.findall(f"{{{WP}}}comment"):
        bad.remove(comment)
    channel.append(bad)
    comments = good.findall(f"{{{WP}}}comment")
    set_text(comments[0], "comment_date_gmt", "yesterday")
    set_text(comments[0], "comment_date", "yesterday")
    export = tmp_path / "dates.xml"
    tree.write(str(export), encoding="utf-8", xml_declaration=True)
    content = tmp_path / "content"
    result = run_task(
        "import-wordpress", str(export), "--content", str(content), "--isso-db",
        str(tmp_path / "c.db"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    said = result.stdout.splitlines()
    bad_lines = [line for line in said if line.startswith("BAD DATE")]
    assert len(bad_lines) == 2, said
    written = export.read_text(encoding="utf-8").splitlines()
    post_line = next(n for n, text in enumerate(written, 1) if "2014-02-30 10:00:00" in text)
    comment_line = next(n for n, text in enumerate(written, 1) if "yesterday" in text)
    assert any(
        line.startswith(f"BAD DATE {export}: post 99 ")
        and f"line {post_line}: post_date_gmt '2014-02-30 10:00:00'" in line
        for line in bad_lines
    ), bad_lines
    comment_id = comments[0].findtext(f"{{{WP}}}comment_id")
    assert any(
        line.startswith(f"BAD DATE {export}: comment {comment_id} ")
        and f"line {comment_line}: " in line
        and "'yesterday'" in line
        for line in bad_lines
    ), bad_lines
    assert "Left out: 1 post with a bad date." in said
    assert any(
        line.startswith("Comments left out:") and "1 with a bad date" in line for line in said
    )
    assert not (content / "bad-date.md").exists() and (content / "test.md").is_file()
    assert "Imported 1 posts" in result.stdout and "6 comments" in result.stdout


def test_a_disqus_comment_with_a_bad_date_is_one_line_not_a_traceback(tmp_path):
    tree = etree.parse(str(DISQUS_EXPORT))
    d = "{http://disqus.com}"
    for thread in tree.getroot().findall(f"{d}thread"):
        if thread.get("{http://disqus.com/disqus-internals}id") == "2":
            thread.find(f"{d}link").text = "http://example.org/2013/10/hello/"
    posts = [
        post for post in tree.getroot().findall(f"{d}post")
        if post.find(f"{d}thread").get("{http://disqus.com/disqus-internals}id") == "2"
        and post.findtext(f"{d}isDeleted") != "true"
    ]  # fmt: skip
    posts[0].find(f"{d}createdAt").text = "2013-13-45T99:00:00Z"
    bad_id = posts[0].get("{http://disqus.com/disqus-internals}id")
    export = tmp_path / "disqus.xml"
    tree.write(str(export))
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello.md").write_text("Title: Hello\nDate: 2013-10-10 10:00\nSlug: hello\n\nHi.\n")
    db = tmp_path / "comments.db"
    result = run_task("import-disqus", str(export), "--content", str(content), "--isso-db", str(db))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("BAD DATE")]
    written = export.read_text(encoding="utf-8").splitlines()
    at = next(n for n, text in enumerate(written, 1) if "2013-13-45T99:00:00Z" in text)
    assert line.startswith(f"BAD DATE {export}: line {at}: comment {bad_id!r}")
    assert "'2013-13-45T99:00:00Z'" in line and "Fix:" in line
    assert "1 with a bad date" in result.stdout
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM comments").fetchone()[0]
    assert stored == len(posts) - 1


def test_an_export_wordpress_com_split_into_parts_is_read_whole(tmp_path):
    """The real WordPress.com export, split as WordPress.com splits a large one: each
    part a whole file with the channel's header and some of the items."""
    tree = etree.parse(str(WORDPRESS_COM))
    items = tree.find("channel").findall("item")
    posts = [i for i in items if i.findtext(f"{{{WP12}}}post_type") in ("post", "page")]
    assert len(posts) > 2
    name = "sitetitle.wordpress.2025-01-19"
    for number, kept in enumerate((items[: len(items) // 2], items[len(items) // 2 :])):
        part = etree.parse(str(WORDPRESS_COM))
        channel = part.find("channel")
        for position, item in enumerate(channel.findall("item")):
            if items[position] not in kept:
                channel.remove(item)
        part.write(str(tmp_path / f"{name}.{number:03d}.xml"), encoding="utf-8")
    content, report, lines = imported(tmp_path, tmp_path / f"{name}.000.xml")
    assert f"and its other part(s), {name}.001.xml," in lines[0]
    assert report.posts + report.pages == len(posts)
    redirects = (content / "redirects" / "wordpress.txt").read_text()
    for post in posts:
        slug = post.findtext(f"{{{WP12}}}post_name")
        assert (content / f"{slug}.md").is_file() or (content / "pages" / f"{slug}.md").is_file()
        assert f"/{slug}/ {{filename}}/" in redirects


# Point 5: uploads come home.


def multisite_export(tmp_path: Path, body: str, attachments: list[str]) -> Path:
    """Isso's real export, as the blog /blog2 of a multisite network on example.tld
    whose post shows `body`, with `attachments` (upload URLs) listed."""
    tree = etree.parse(str(ISSO_EXPORT))
    channel = tree.find("channel")
    link = channel.find("link")
    if link is None:
        link = etree.SubElement(channel, "link")
    link.text = "http://example.tld/blog2"
    item = channel.find("item")
    encoded = item.find(f"{{{CONTENT}}}encoded")
    if encoded is None:
        encoded = etree.SubElement(item, f"{{{CONTENT}}}encoded")
    encoded.text = body
    item.find("link").text = "http://example.tld/blog2/2014/test/"
    for number, url in enumerate(attachments):
        attachment = etree.SubElement(channel, "item")
        etree.SubElement(attachment, "title").text = f"Attachment {number}"
        for name, value in (
            ("post_id", str(500 + number)),
            ("post_type", "attachment"),
            ("post_parent", item.findtext(f"{{{WP}}}post_id")),
            ("attachment_url", url),
        ):
            etree.SubElement(attachment, f"{{{WP}}}{name}").text = value
    export = tmp_path / "multisite.xml"
    tree.write(str(export), encoding="utf-8", xml_declaration=True)
    return export


def test_every_upload_address_form_of_this_site_comes_home(tmp_path, build):
    ours = {
        "http://example.tld/blog2/wp-content/uploads/2014/01/single.png": "2014/01/single.png",
        # A network's blog since WordPress 3.5, with wp-content/uploads given whole.
        "http://example.tld/blog2/wp-content/uploads/sites/2/2014/01/network.png": (
            "sites/2/2014/01/network.png"
        ),
        "http://example.tld/blog2/files/2014/01/ms-files.png": "2014/01/ms-files.png",
        "http://example.tld/wp-content/blogs.dir/2/files/2014/01/blogs-dir.png": (
            "2014/01/blogs-dir.png"
        ),
        "https://i0.wp.com/example.tld/blog2/files/2014/01/cdn.png": "2014/01/cdn.png",
        # A sized copy whose original the export lists: the original comes home.
        "http://example.tld/blog2/files/2014/01/photo-300x200.png": "2014/01/photo.png",
    }
    theirs = [
        "https://other.example/wp-content/uploads/2014/01/single.png",
        "https://someone.files.wordpress.com/2014/01/ms-files.png",
    ]
    body = "\n\n".join(f'<img src="{url}" alt="picture {n}">' for n, url in enumerate(ours))
    body += "\n\n" + "\n\n".join(f'<img src="{url}" alt="elsewhere">' for url in theirs)
    export = multisite_export(tmp_path, body, ["http://example.tld/blog2/files/2014/01/photo.png"])
    uploads = tmp_path / "uploads"
    # The blog's own folder (wp-content/blogs.dir/2/files/), with every file the
    # other sites' addresses name too, and the sized copy beside its original.
    for relative in [*ours.values(), "2014/01/photo-300x200.png"]:
        (uploads / relative).parent.mkdir(parents=True, exist_ok=True)
        (uploads / relative).write_bytes(PIXEL_PNG)
    content, report, lines = imported(tmp_path, export, uploads=uploads)
    copied = {p.relative_to(content / "images").as_posix() for p in content.rglob("images/**/*.*")}
    assert copied == set(ours.values())
    assert report.images == len(copied)
    remote = [line for line in lines if line.startswith("REMOTE IMAGE")]
    assert len(remote) == len(theirs)
    for url in theirs:
        assert any(url in line and "another site's image" in line for line in remote), lines
    assert any(line.startswith("Images left remote: 0 of the old site's") for line in lines)
    trusted = trusting_images(DEV_SETTINGS, report.remote_origins)
    output = build(content=content, overrides={"SECURITY_HEADERS": trusted})
    page = parse_html(output / "2014" / "01" / "test" / "index.html")
    sources = page.xpath("//main//img/@src")
    local = [src for src in sources if "://" not in src]
    assert len(local) == len(ours) and sorted(sources[len(ours) :]) == sorted(theirs)


def test_an_image_of_another_wordpress_com_blog_stays_there(tmp_path, build):
    """The real WordPress.com export: its post shows an image of another blog."""
    uploads = tmp_path / "uploads"
    export = etree.parse(str(WORDPRESS_COM))
    # Every file its attachments name, as its own uploads folder would have them,
    # including one at the path of the other blog's image.
    for url in export.xpath("//*[local-name()='attachment_url']/text()"):
        relative = url.strip().split("/wp-content/uploads/", 1)[1]
        (uploads / relative).parent.mkdir(parents=True, exist_ok=True)
        (uploads / relative).write_bytes(PIXEL_PNG)
    content, report, lines = imported(tmp_path, WORDPRESS_COM, uploads=uploads)
    other = (
        "https://parkrmoore.wordpress.com/wp-content/uploads/2025/01/"
        "a-bright-night-sky-full-of-stars-and-the-milky.png"
    )
    assert other in (content / "blog-post-1.md").read_text()
    assert f"REMOTE IMAGE content/blog-post-1.md: {other} (another site's image" in "\n".join(lines)
    assert report.images == 0
    trusted = trusting_images(DEV_SETTINGS, report.remote_origins)
    output = build(content=content, overrides={"SECURITY_HEADERS": trusted})
    page = parse_html(output / "2025" / "01" / "blog-post-1" / "index.html")
    assert page.xpath("//main//img/@src") == [other]


# Point 6: imported text is faithful.


def test_the_real_code_block_is_copied_character_for_character(tmp_path, build):
    export = etree.parse(str(WORDPRESS_COM))
    (body,) = export.xpath(
        "//item[*[local-name()='post_name']='blog-post-1']/content:encoded/text()",
        namespaces={"content": CONTENT},
    )
    code = re.search(r"<code>(.*?)</code>", body, re.S)[1]
    content, report, _lines = imported(tmp_path, WORDPRESS_COM)
    trusted = trusting_images(DEV_SETTINGS, report.remote_origins)
    output = build(content=content, overrides={"SECURITY_HEADERS": trusted})
    page = parse_html(output / "2025" / "01" / "blog-post-1" / "index.html")
    (shown,) = page.xpath("//main//pre")
    assert shown.text_content() == code.replace("&quot;", '"')


SCRIPT = (
    "#!/bin/sh\n"
    "    https://example.org/install.sh\n"
    "\tif [ -x /usr/bin/foo ]; then\n"
    '        echo "[gallery ids=1] [and] &lt;b&gt; *not em*"\n'
    "\n"
    "\n"
    "\n"
    "    fi\n"
    "  `done`"
)


def test_pre_and_code_are_kept_byte_for_byte_in_the_built_page(tmp_path, build):
    body = (
        "Install it:\n\n"
        f"<pre>{SCRIPT}</pre>\n\n"
        "Then run <code>[caption]x[/caption] a_b*c*</code> once [and] see [sic]."
    )
    export = multisite_export(tmp_path, body, [])
    content, _report, lines = imported(tmp_path, export)
    assert not any(line.startswith("NOT CONVERTED") for line in lines), lines
    output = build(content=content)
    page = parse_html(output / "2014" / "01" / "test" / "index.html")
    (pre,) = page.xpath("//main//pre")
    assert pre.text_content() == SCRIPT.replace("&lt;", "<").replace("&gt;", ">")
    codes = [c.text_content() for c in page.xpath("//main//code") if c.getparent().tag != "pre"]
    assert codes == ["[caption]x[/caption] a_b*c*"]
    text = page.xpath("string(//main//article)") or page.xpath("string(//main)")
    assert "once [and] see [sic]." in " ".join(text.split())


def test_only_real_shortcode_syntax_is_reported(tmp_path):
    body = (
        "<p>Cats [and] dogs, [sic], [1], [Note: x = y], [and so on].</p>\n\n"
        '[contact-form-7 id="12" title="Contact"]\n\n'
        "[spoiler]The end[/spoiler]\n\n"
        "[newsletter /]"
    )
    export = multisite_export(tmp_path, body, [])
    _content, _report, lines = imported(tmp_path, export)
    reported = [line for line in lines if line.startswith("NOT CONVERTED")]
    names = sorted(re.search(r"shortcode \[([^\]]+)\]", line)[1] for line in reported)
    assert names == ["contact-form-7", "newsletter", "spoiler"], reported


def test_comment_line_breaks_are_what_isso_shows_as_line_breaks(tmp_path, isso_server):
    tree = etree.parse(str(ISSO_EXPORT))
    comment = tree.find("channel/item").find(f"{{{WP}}}comment")
    comment.find(
        f"{{{WP}}}comment_content"
    ).text = "It works correctly.\nThanks a lot!\n\nSecond paragraph.\n<pre>  a\n\n\n  b</pre>"
    export = tmp_path / "breaks.xml"
    tree.write(str(export), encoding="utf-8", xml_declaration=True)
    data = tmp_path / "isso-0"
    data.mkdir()
    _content, _report, _lines = imported(tmp_path, export, isso_db=data / ISSO_DB_NAME)
    isso = isso_server(["http://127.0.0.1:9"])
    with urllib.request.urlopen(f"{isso.url}?uri=test", timeout=10) as answer:
        replies = json.load(answer)["replies"]
    (shown,) = [r["text"] for r in replies if "correctly" in r["text"]]
    rendered = etree.fromstring(f"<div>{shown}</div>", etree.HTMLParser()).find(".//div")
    first = rendered.find("p")
    assert first.find("br") is not None, shown
    assert "\\" not in first.xpath("string()"), shown
    assert [line.strip() for line in first.xpath("string()").split("\n")] == [
        "It works correctly.",
        "Thanks a lot!",
    ]
    assert rendered.xpath("string(.//pre)") == "  a\n\n\n  b\n", shown


def test_a_code_shortcode_keeps_its_highlighting_and_its_text(tmp_path, build):
    code = 'def greet(name):\n    return f"<b>{name}</b> & co"'
    export = multisite_export(tmp_path, f'[code language="python"]{code}[/code]', [])
    content, _report, _lines = imported(tmp_path, export)
    output = build(content=content)
    page = parse_html(output / "2014" / "01" / "test" / "index.html")
    (pre,) = page.xpath("//main//pre")
    assert pre.text_content().rstrip("\n") == code
    # Pygments' token classes: coloured, as WordPress's [code] plugins showed it.
    assert pre.xpath(".//span[@class]"), etree.tostring(pre)
