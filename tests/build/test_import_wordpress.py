"""`invoke import-wordpress` on real public exports, then the strict build of what it wrote.

The exports come from WordPress (theme unit test data, block test data),
Pelican and Isso (tests/data/README.md). Expected figures are counted in the
export itself with XPath, independently of the importer's parser.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.build import build_site
from commons.identity import thread_id
from commons.importers.body import Site, upload_path
from commons.importers.wordpress import import_wordpress
from commons.linkcheck import broken_links, broken_redirects
from tests.conftest import PIXEL_PNG, parse_html, trusting_images

DATA = REPO_ROOT / "tests" / "data" / "wordpress"
THEME_DATA = DATA / "themeunittestdata.wordpress.xml"
EXPORTS = sorted(DATA.glob("*.xml"))
PRODUCTION_ORIGIN = "https://commons.example.org"


def settings() -> dict:
    from pelican.settings import read_settings

    return read_settings(str(DEV_SETTINGS))


def run_import(export: Path, root: Path, **kwargs):
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    report = import_wordpress(
        export,
        content_dir=content,
        settings=settings(),
        isso_db=root / "comments.db",
        say=lines.append,
        **kwargs,
    )
    return content, report, lines


def xpath(export: Path, query: str) -> list:
    return etree.parse(str(export)).xpath(query)


def items(export: Path, condition: str) -> int:
    return int(xpath(export, f"count(//item[{condition}])"))


def front_matter(path: Path) -> dict[str, str]:
    head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in head.splitlines())


@pytest.fixture(scope="module")
def theme_import(tmp_path_factory):
    """The theme unit test data imported and built with the production settings."""
    root = tmp_path_factory.mktemp("theme-import")
    content, report, lines = run_import(THEME_DATA, root)
    # The old host's pictures stay remote without --uploads: trusted, as the
    # import's summary tells the maintainer to do.
    output = build_site(
        root / "output",
        settings_file=PUBLISH_SETTINGS,
        content=content,
        overrides={"SECURITY_HEADERS": trusting_images(PUBLISH_SETTINGS, report.remote_origins)},
    ).output
    return root, content, report, lines, output


@pytest.mark.parametrize("export", EXPORTS, ids=lambda path: path.stem)
def test_each_real_export_imports_and_builds_strictly(export, tmp_path, build):
    content, report, lines = run_import(export, tmp_path / "import")
    posts = items(export, "not(*[local-name()='post_type']) or *[local-name()='post_type']='post'")
    pages = items(export, "*[local-name()='post_type']='page'")
    undated = items(
        export,
        "not(*[local-name()='post_date_gmt']) and not(*[local-name()='post_date'])",
    )
    assert (report.posts, report.pages) == (posts - undated, pages)
    written = sorted(content.rglob("*.md"))
    assert len(written) == report.posts + report.pages
    # The strict build: any warning fails it. The old host's pictures are
    # trusted, as the summary says to do without --uploads.
    output = build(
        content=content,
        overrides={"SECURITY_HEADERS": trusting_images(DEV_SETTINGS, report.remote_origins)},
    )
    if report.remote_origins:
        assert any("SECURITY_HEADERS['extra_sources']['img']" in line for line in lines)
    assert (output / "index.html").is_file()
    for path in written:
        fields = front_matter(path)
        if fields.get("Status") != "draft" and path.parent == content:
            date = datetime.strptime(fields["Date"], "%Y-%m-%d %H:%M")
            page = output / f"{date:%Y}" / f"{date:%m}" / fields["Slug"] / "index.html"
            assert parse_html(page).findtext(".//h1").strip() == fields["Title"]
    assert lines[-1] if lines else True


def test_the_theme_data_counts_and_summary(theme_import):
    _root, content, report, lines, _output = theme_import
    assert report.posts == items(THEME_DATA, "*[local-name()='post_type']='post'")
    assert report.pages == items(THEME_DATA, "*[local-name()='post_type']='page'")
    drafts = items(
        THEME_DATA,
        "*[local-name()='post_type']='post' and (*[local-name()='status']!='publish' "
        "or string-length(*[local-name()='post_password'])>0)",
    )
    assert report.drafts == drafts > 0
    menu_items = items(THEME_DATA, "*[local-name()='post_type']='nav_menu_item'")
    attachments = items(THEME_DATA, "*[local-name()='post_type']='attachment'")
    assert report.not_posts == {"nav_menu_item": menu_items, "attachment": attachments}
    assert not any("No title" in p.read_text() for p in content.rglob("*.md"))
    comments = "//*[local-name()='comment']"
    kind = "*[local-name()='comment_type']"
    approved = "*[local-name()='comment_approved']"
    plain = f"({kind}='' or {kind}='comment' or not({kind}))"
    assert report.comments == int(
        xpath(THEME_DATA, f"count({comments}[{plain} and ({approved}='1' or {approved}='0')])")
    )
    pending = xpath(THEME_DATA, f"count({comments}[{plain} and {approved}='0'])")
    assert report.pending == int(pending)
    assert report.comments_left_out == {
        "pingback": int(xpath(THEME_DATA, f"count({comments}[{kind}='pingback'])")),
        "trackback": int(xpath(THEME_DATA, f"count({comments}[{kind}='trackback'])")),
    }
    summary = "\n".join(lines)
    assert f"Imported {report.posts} posts and {report.pages} pages" in summary
    assert "REMOTE IMAGE content/post-format-gallery.md: https://" in summary
    assert "NOT CONVERTED content/blocks-widgets.md: block wp:latest-posts" in summary
    assert lines[0].startswith("Reading ") and lines[1].startswith("[1/")


def test_metadata_dates_status_and_closed_comments(theme_import):
    _root, content, _report, lines, _output = theme_import
    zone = ZoneInfo(settings()["TIMEZONE"])
    export = etree.parse(str(THEME_DATA))
    by_title = {front_matter(p)["Title"]: p for p in content.glob("*.md")}
    for item in export.xpath("//item[*[local-name()='post_type']='post']"):

        def field(name, item=item):
            return item.xpath(f"string(*[local-name()='{name}'])")

        # A draft may have no slug yet: its file is named after its title.
        path = content / f"{field('post_name')}.md"
        path = path if field("post_name") else by_title[field("title")]
        fields = front_matter(path)
        gmt = field("post_date_gmt")
        if gmt and gmt != "0000-00-00 00:00:00":
            expected = datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            assert fields["Date"] == f"{expected.astimezone(zone):%Y-%m-%d %H:%M}", path
            modified = field("post_modified_gmt")
            if modified and modified > gmt:
                changed = datetime.strptime(modified, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                assert fields["Modified"] == f"{changed.astimezone(zone):%Y-%m-%d %H:%M}"
            else:
                assert "Modified" not in fields
        categories = item.xpath("category[@domain='category']/text()")
        written = fields["Category"].split(", ") if "Category" in fields else []
        assert len(written) == len(set(categories)), path
        assert (fields.get("Comments") == "closed") == (field("comment_status") == "closed")
        hidden = field("status") != "publish" or field("post_password")
        assert (fields.get("Status") == "draft") == bool(hidden), path
    protected = content / "template-password-protected.md"
    assert front_matter(protected)["Status"] == "draft"
    assert any(line.startswith("WARNING") and protected.name in line for line in lines)


def test_comments_land_in_the_posts_threads_once(theme_import, tmp_path):
    root, content, report, _lines, _output = theme_import
    db = sqlite3.connect(root / "comments.db")
    threads = dict(
        db.execute(
            "SELECT threads.uri, COUNT(comments.id) FROM threads JOIN comments "
            "ON comments.tid = threads.id GROUP BY threads.uri"
        ).fetchall()
    )
    assert sum(threads.values()) == report.comments
    for uri in threads:
        page = uri.startswith("pages/")
        slug = uri.removeprefix("pages/")
        assert (content / ("pages" if page else "") / f"{slug}.md").is_file()
        assert thread_id(None, slug, page) == uri
    pending = db.execute("SELECT COUNT(*) FROM comments WHERE mode = 2").fetchone()[0]
    assert pending == report.pending > 0
    replies = db.execute("SELECT COUNT(*) FROM comments WHERE parent IS NOT NULL").fetchone()[0]
    assert replies > 0
    # Run again (files replaced with --force): no comment is added twice.
    copy = tmp_path / "again"
    copy.mkdir()
    (copy / "comments.db").write_bytes((root / "comments.db").read_bytes())
    _content, again, _ = run_import(THEME_DATA, copy)
    assert (again.comments, again.comments_already) == (0, report.comments)
    total = sqlite3.connect(copy / "comments.db").execute("SELECT COUNT(*) FROM comments")
    assert total.fetchone()[0] == report.comments


def test_old_links_redirect_to_pages_that_exist(theme_import):
    output = theme_import[-1]
    assert broken_redirects(output, PRODUCTION_ORIGIN) == []
    assert broken_links(output, PRODUCTION_ORIGIN) == []
    rules = (output / "_redirects").read_text().splitlines()
    nginx = (output / "nginx-redirects.conf").read_text()
    # A post's old permalink (WordPress: /2018/10/20/slug/) -> its Commons URL.
    old = "/2018/10/20/keyboard-navigation/"
    new = f"{PRODUCTION_ORIGIN}/2018/10/keyboard-navigation/"
    assert f"{old} {new} 301" in rules
    assert f'"{old}" "{new}";' in nginx
    page = parse_html(output / old.strip("/") / "index.html")
    assert page.xpath("//link[@rel='canonical']/@href") == [new]
    assert page.xpath("//meta[@http-equiv='refresh']/@content") == [f"0; url={new}"]
    # ?p=ID: _redirects and nginx only (no file can answer a query).
    post_id = xpath(
        THEME_DATA,
        "string(//item[*[local-name()='post_name']='keyboard-navigation']"
        "/*[local-name()='post_id'])",
    )
    assert f"/ p={post_id} {new} 301" in rules
    assert f'"{post_id}" "{new}";' in nginx
    # Category and tag archives, and the feed.
    assert any(r.startswith("/category/") and "/category/" in r.split()[1] for r in rules)
    # A nested category's archive: /category/parent/child/, as WordPress wrote it.
    nested = xpath(
        THEME_DATA,
        "//*[local-name()='category'][*[local-name()='category_parent']"
        "='parent-category']/*[local-name()='category_nicename']/text()",
    )
    assert nested
    assert any(r.startswith(f"/category/parent-category/{nested[0]}/ ") for r in rules)
    assert any(r.startswith("/tag/") for r in rules)
    assert f"/feed/ {PRODUCTION_ORIGIN}/feeds/all.atom.xml 301" in rules
    # Pages Commons generates are never replaced by a redirect page.
    assert "This page has moved" not in (output / "index.html").read_text()
    for rule in rules[1:]:
        target = rule.split()[-2]
        assert target.startswith(PRODUCTION_ORIGIN + "/")


def run_task(task: str, *args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("invoke")), task, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def invoke(*args: str) -> subprocess.CompletedProcess:
    return run_task("import-wordpress", *args)


def test_the_task_imports_and_refuses_to_overwrite_without_force(tmp_path):
    content = tmp_path / "content"
    db = tmp_path / "comments.db"
    export = str(DATA / "isso-wordpress.xml")
    first = invoke(export, "--content", str(content), "--isso-db", str(db))
    assert first.returncode == 0, first.stderr
    assert "Imported 1 posts" in first.stdout
    before = (content / "test.md").read_text()
    (content / "test.md").write_text(before + "\nAn editor's change.\n")
    second = invoke(export, "--content", str(content), "--isso-db", str(db))
    assert second.returncode != 0
    assert "test.md" in second.stderr and "--force" in second.stderr
    assert "An editor's change." in (content / "test.md").read_text()
    third = invoke(export, "--content", str(content), "--isso-db", str(db), "--force")
    assert third.returncode == 0, third.stderr
    assert (content / "test.md").read_text() == before
    assert "0 comments" in third.stdout and "7 were already there" in third.stdout


def test_comments_only_writes_no_file(tmp_path):
    content = tmp_path / "content"
    result = invoke(
        str(DATA / "isso-wordpress.xml"),
        "--content",
        str(content),
        "--isso-db",
        str(tmp_path / "production.db"),
        "--comments-only",
    )
    assert result.returncode == 0, result.stderr
    assert not content.exists()
    rows = sqlite3.connect(tmp_path / "production.db").execute(
        "SELECT threads.uri, COUNT(*) FROM comments JOIN threads ON threads.id = comments.tid "
        "GROUP BY threads.uri"
    )
    assert rows.fetchall() == [("test", 7)]


def not_wxr(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_bytes((REPO_ROOT / "tests" / "data" / "disqus" / "isso-disqus.xml").read_bytes())
    return path


def broken_xml(tmp_path: Path) -> Path:
    path = tmp_path / "cut.xml"
    path.write_bytes(THEME_DATA.read_bytes()[:20000])
    return path


def missing_file(tmp_path: Path) -> Path:
    return tmp_path / "no-such-export.xml"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (not_wxr, "is not a WordPress export (WXR)"),
        (broken_xml, "is not well-formed XML"),
        (missing_file, "no such file"),
    ],
    ids=["not-wxr", "broken-xml", "missing-file"],
)
def test_bad_input_is_refused_with_the_file_and_the_fix(make, says, tmp_path):
    export = make(tmp_path)
    content = tmp_path / "content"
    result = invoke(str(export), "--content", str(content), "--isso-db", str(tmp_path / "c.db"))
    assert result.returncode != 0
    assert str(export) in result.stderr and says in result.stderr and "Fix:" in result.stderr
    assert not content.exists() or not any(content.rglob("*.md"))


def test_with_uploads_every_image_is_copied_and_the_build_finds_it(tmp_path, build):
    """The uploads folder is made from the image addresses in the export itself."""
    export = etree.parse(str(THEME_DATA))
    blog = "wpthemetestdata.wordpress.com"
    where = Site(
        old_hosts={blog},
        content_dir=tmp_path,
        uploads=None,
        files_hosts={"wpthemetestdata.files.wordpress.com"},
    )
    uploads = tmp_path / "uploads"
    addresses = set(export.xpath("//*[local-name()='attachment_url']/text()"))
    for text in export.xpath("//*[local-name()='encoded']/text()"):
        addresses.update(re.findall(r"""<img[^>]+src=["']([^"']+)""", text))
    made = set()
    for address in addresses:
        relative = upload_path(address, where)
        if relative:
            (uploads / relative).parent.mkdir(parents=True, exist_ok=True)
            (uploads / relative).write_bytes(PIXEL_PNG)
            made.add(relative)
    assert len(made) > 30
    content, report, lines = run_import(THEME_DATA, tmp_path / "import", uploads=uploads)
    assert report.images > 30
    copied = {p.relative_to(content / "images").as_posix() for p in content.rglob("images/**/*.*")}
    assert len(copied) == report.images and copied <= made
    assert not any(
        line.startswith("REMOTE IMAGE") and "files.wordpress.com" in line for line in lines
    )
    gallery = (content / "post-format-gallery.md").read_text()
    assert "{static}/images/2008/06/" in gallery
    output = build(content=content)  # {static} links that name no file would fail it
    page = parse_html(output / "2010" / "09" / "post-format-gallery" / "index.html")
    sources = page.xpath("//main//img/@src")
    assert sources and all("images/20" in src and "://" not in src for src in sources)


def test_a_missing_uploads_folder_is_refused(tmp_path):
    content = tmp_path / "content"
    missing = tmp_path / "no-uploads"
    result = invoke(
        str(DATA / "isso-wordpress.xml"),
        "--uploads",
        str(missing),
        "--content",
        str(content),
        "--isso-db",
        str(tmp_path / "c.db"),
    )
    assert result.returncode != 0
    assert str(missing) in result.stderr and "Fix:" in result.stderr
    assert not content.exists()


def test_a_site_wide_thread_rule_is_the_one_the_import_and_the_build_use(tmp_path, build):
    # A blog whose threads an earlier service keyed by path keeps them:
    # DISCUSSION['thread_id'] gives every post that id, imported or not.
    from pelican.settings import get_settings_from_file, read_settings

    discussion = {
        **get_settings_from_file(str(DEV_SETTINGS))["DISCUSSION"],
        "thread_id": "/{date:%Y}/{date:%m}/{slug}/",
    }
    settings = read_settings(str(DEV_SETTINGS), override={"DISCUSSION": discussion})
    content = tmp_path / "content"
    database = tmp_path / "comments.db"
    import_wordpress(
        DATA / "isso-wordpress.xml", content_dir=content, settings=settings, isso_db=database
    )
    threads = {
        uri
        for (uri,) in sqlite3.connect(database).execute(
            "SELECT threads.uri FROM threads JOIN comments ON comments.tid = threads.id"
        )
    }
    assert threads and all(re.fullmatch(r"/\d{4}/\d{2}/[\w-]+/", uri) for uri in threads)

    output = build(content=content, overrides={"DISCUSSION": discussion})
    # Each post's thread id, which discussion/isso.js gives Isso as data-isso-id.
    built = {
        thread_id
        for page in output.rglob("index.html")
        for thread_id in parse_html(page).xpath("//main/section/@data-discussion-id")
    }
    assert threads <= built


def test_under_keep_no_imported_link_runs_script_and_a_pitch_is_not_published(tmp_path, build):
    """Point 7 and 9 as the reader meets them: the built site, under GUARD['html'] 'keep'."""
    from tests.unit.test_wordpress_hostile import KEEP, SCRIPT_LINKS, posts, script_urls

    export = posts(
        tmp_path,
        {"post_name": "links", "content": SCRIPT_LINKS},
        {"post_name": "an-idea", "title": "An idea", "status": "pitch", "content": "<p>Soon</p>"},
    )
    content, report, lines = run_import(export, tmp_path / "import")
    assert (report.posts, report.drafts) == (2, 1)
    assert any(line.startswith("WARNING") and "'pitch'" in line for line in lines)
    trusted = trusting_images(DEV_SETTINGS, report.remote_origins)
    output = build(content=content, overrides={**KEEP, "SECURITY_HEADERS": trusted})
    page = parse_html(output / "2014" / "01" / "links" / "index.html")
    (body,) = page.xpath("//main//article") or page.xpath("//main")
    assert script_urls(body) == []
    assert "eleven" in body.text_content()
    assert not (output / "2014" / "01" / "an-idea").exists()
    for feed in output.rglob("*.xml"):
        assert "an-idea" not in feed.read_text(encoding="utf-8"), feed
