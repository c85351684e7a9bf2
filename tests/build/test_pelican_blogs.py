"""Moving real Pelican blogs: their links are rewritten, and every old address answers.

The blogs in tests/data/pelican-blogs/ are real (see tests/data/README.md):
one in reStructuredText with Pelican's default URLs, one in Markdown with
custom URLs. Each is moved with `invoke migrate-links --old-settings`, built,
served, and every address of content/redirects/pelican.txt is requested.
"""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from invoke import Context, Exit
from lxml import html

from commons import tasks
from commons.build import build_site
from commons.pelican_addresses import literal_settings, old_settings
from tests.conftest import copy_content, guard, parse_html

BLOGS = Path(__file__).parents[1] / "data" / "pelican-blogs"
RST_BLOG = BLOGS / "bekcpear-mypelicanconfandarticles"
MARKDOWN_BLOG = BLOGS / "mawenbao-pelican-blog-content"


def migrate_blog(tmp_path, monkeypatch, blog: Path | None, **options) -> Path:
    """`invoke migrate-links` (the task itself) on a copy of the blog's content/,
    with Commons' own settings; the patch lands in tmp_path."""
    content = tmp_path / "content"
    if blog is None:
        copy_content(content)
    else:
        shutil.copytree(blog / "content", content)
    monkeypatch.setattr(tasks, "CONTENT_DIR", content)
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path)
    tasks.migrate_links(Context(), **options)
    return content


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def unanswered(served_site, output: Path, redirects: Path) -> tuple[int, list[str]]:
    """Serve `output`, request every old address of `redirects` and follow its
    redirect page; the number asked and those that do not end on a page of the site
    (a 404, or another redirect page)."""
    server = served_site(output)
    origin = f"http://127.0.0.1:{server.port}"
    asked, failed = 0, []
    for line in redirects.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        old = line.split(" ", 1)[0]
        asked += 1
        status, body = fetch(origin + old)
        page = html.fromstring(body) if status == 200 else None
        moved = page is not None and page.xpath("//meta[@http-equiv='refresh']")
        if moved:
            status, body = fetch(origin + page.xpath("//link[@rel='canonical']/@href")[0])
            page = html.fromstring(body) if status == 200 else None
        # A page Commons writes at the old address itself (/404.html) answers too.
        if page is None or page.xpath("//meta[@http-equiv='refresh']"):
            failed.append(f"{old}: {status}")
    return asked, failed


def filename_lines(content: Path) -> dict[str, str]:
    lines = (content / "redirects" / "pelican.txt").read_text(encoding="utf-8").splitlines()
    return {
        line.split(" ", 1)[0]: line.split(" ", 1)[1]
        for line in lines
        if " {filename}/" in line and not line.startswith("#")
    }


def test_every_old_address_of_a_real_markdown_blog_answers(
    tmp_path, monkeypatch, served_site, capsys
):
    content = migrate_blog(
        tmp_path, monkeypatch, MARKDOWN_BLOG, old_settings=str(MARKDOWN_BLOG / "pelicanconf.py")
    )
    printed = capsys.readouterr().out

    assert "344 old address(es) in content/redirects/pelican.txt (0 left out)" in printed
    redirects = (content / "redirects" / "pelican.txt").read_text(encoding="utf-8")
    assert "/feed.xml /feeds/all.rss.xml\n" in redirects  # FEED_ALL_RSS = 'feed.xml'
    assert "/note/index.html {category}note\n" in redirects  # CATEGORY_URL = '{slug}/index.html'
    assert "/tag/cmake.html {tag}cmake\n" in redirects
    # Its custom URLs: ARTICLE_URL '{category}/{slug}.html', the slug from the file name.
    posts = filename_lines(content)
    assert posts["/note/cmake.html"] == "{filename}/note/cmake.md"
    assert posts["/about.html"] == "{filename}/pages/about.md"
    # Every post and page but the one draft, which had no public address.
    assert len(list((MARKDOWN_BLOG / "content").rglob("*.md"))) == 161
    assert len(posts) == 160
    assert "{filename}/life/2012-november-summary.md" not in posts.values()
    # Reference-style links to the blog's own domain (its SITEURL) became internal.
    readme = (content / "code" / "music-api-server-readme.md").read_text(encoding="utf-8")
    assert "{filename}/note/golang-summary.md#" in readme
    assert "blog.atime.me/note/golang-summary.html" not in readme

    # What is left for a person, as `check` lists it: headings' md5 anchors of the
    # old theme and one remote image host.
    output = tmp_path / "output"
    build_site(
        output,
        content=content,
        overrides={
            "GUARD": guard(links={"check_references": False}),
            "SECURITY_HEADERS": {"extra_sources": {"img": ["https://raw.github.com"]}},
        },
        fatal=None,
    )
    asked, failed = unanswered(served_site, output, content / "redirects" / "pelican.txt")
    assert asked == 344 and failed == []


def person_fixes_rst(content: Path) -> None:
    """What `check` asks a person to do in this blog: its `zh_hans` is no language
    code, and its theme's plugins defined roles Commons does not have."""
    for path in content.rglob("*.rst"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^:lang: zh_hans\n", "", text, flags=re.MULTILINE)
        text = re.sub(r":(del|file|ruby|github|genpkg|kbd|var):`([^`]*)`", r"\2", text)
        path.write_text(text, encoding="utf-8")


def test_every_old_address_of_a_real_restructuredtext_blog_answers(
    tmp_path, monkeypatch, served_site, capsys
):
    # Its SITEURL comes from its theme's code, which is never run: --site-url says it.
    content = migrate_blog(
        tmp_path,
        monkeypatch,
        RST_BLOG,
        old_settings=str(RST_BLOG / "pelicanconf.py"),
        site_url="https://bitbili.net",
    )
    printed = capsys.readouterr().out
    assert "NOTE   pelicanconf.py:24: SITEURL is computed" in printed

    posts = filename_lines(content)
    assert posts["/reinstall_gentoo.html"] == "{filename}/Tech/reinstall_gentoo.rst"
    assert posts["/offline.html"] == "{filename}/pages/offline.rst"  # PAGE_URL = "{slug}.html"
    assert len(posts) == len(list((RST_BLOG / "content").rglob("*.rst")))
    redirects = (content / "redirects" / "pelican.txt").read_text(encoding="utf-8")
    assert "/category/tech.html {category}Tech\n" in redirects
    assert "/feeds/tech.atom.xml /feeds/category/tech.atom.xml\n" in redirects
    # Pelican's feed at the address Commons writes too: no line, it answers already.
    assert "/feeds/all.atom.xml " not in redirects
    gentoo = (content / "Tech" / "reinstall_gentoo.rst").read_text(encoding="utf-8")
    assert ".. image:: {static}/nocimages/gentoo_minimal_install_media_0.png\n" in gentoo
    assert (
        ".. _`Gentoo Linux 安装及使用指南`: "
        "{filename}/Tech/gentoo-linux-guide-for-installation-and-usage-tutorial.rst\n"
    ) in gentoo

    person_fixes_rst(content)
    output = tmp_path / "output"
    static = ["images", "extra", "nocimages", "mis"]
    build_site(
        output,
        content=content,
        overrides={
            "STATIC_PATHS": static,
            "ARTICLE_EXCLUDES": ["pages", *static],
            # The old theme's "#top" anchors are left to a person.
            "GUARD": guard(links={"check_references": False}),
        },
        fatal=None,
    )
    asked, failed = unanswered(served_site, output, content / "redirects" / "pelican.txt")
    assert asked == 53 and failed == []
    post = parse_html(output / "2016" / "05" / "reinstall_gentoo" / "index.html")
    images = post.xpath("//img[contains(@src, 'gentoo_minimal_install_media_0.png')]/@src")
    assert images and (output / "2016" / "05" / "reinstall_gentoo" / images[0]).resolve().is_file()


def test_old_settings_are_read_as_data_and_never_run(tmp_path):
    ran = tmp_path / "ran"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "import os\n"
        f"os.system('touch {ran}')\n"
        f"open({str(ran)!r}, 'w').write('x')\n"
        "SITE = {'url': 'https://blog.example.org'}\n"
        "SITEURL = SITE['url']\n"
        "ARTICLE_URL = 'posts/{date:%Y}/{slug}.html'\n"
        "ARTICLE_SAVE_AS = ARTICLE_URL\n"
        "TAG_URL = os.environ.get('TAGS', 'tag/{slug}/')\n"
        "THEME = __import__('os').getcwd()\n"
    )
    (tmp_path / "publishconf.py").write_text(
        "from pelicanconf import *\nSITEURL = 'https://www.blog.example.org'\n"
    )

    settings, notes = old_settings(conf)

    assert not ran.exists()
    assert settings["ARTICLE_URL"] == settings["ARTICLE_SAVE_AS"] == "posts/{date:%Y}/{slug}.html"
    assert settings["SITEURL"] == "https://www.blog.example.org"  # publishconf.py wins
    assert settings["TAG_URL"] == "tag/{slug}.html"  # computed: Pelican's default, and said
    assert any("TAG_URL is computed" in note for note in notes), notes
    assert "THEME" not in literal_settings(conf)[0]  # only what shapes addresses is kept


def test_a_settings_file_that_is_not_python_names_the_line(tmp_path, monkeypatch):
    conf = tmp_path / "old" / "pelicanconf.py"
    conf.parent.mkdir()
    conf.write_text("ARTICLE_URL = '{slug}.html'\nSITEURL = = 'x'\n")
    with pytest.raises(Exit) as refused:
        migrate_blog(tmp_path, monkeypatch, None, old_settings=str(conf))
    assert f"{conf}:2" in str(refused.value) and "Fix:" in str(refused.value)
    assert refused.value.code == 1


HOSTILE = """Title: Hostile
Date: 2019-05-03
Url: .well-known/security.txt
Save_as: .well-known/security.txt
"""


def test_old_addresses_the_redirects_plugin_refuses_are_left_out_and_listed(
    tmp_path, monkeypatch, capsys
):
    content = copy_content(tmp_path / "content")
    (content / "hostile.md").write_text(HOSTILE)
    (content / "robots.md").write_text(
        "Title: Robots\nDate: 2019-05-04\nUrl: robots.txt\nSave_as: robots.txt\n\nText.\n"
    )
    monkeypatch.setattr(tasks, "CONTENT_DIR", content)
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path)

    tasks.migrate_links(Context(), redirects=True)

    printed = capsys.readouterr().out
    redirects = (content / "redirects" / "pelican.txt").read_text(encoding="utf-8")
    assert ".well-known" not in redirects and "/robots.txt " not in redirects
    assert "NO REDIRECT /.well-known/security.txt" in printed
    assert "NO REDIRECT /robots.txt is" in printed
    # Pelican's defaults: the sample post was at /slug.html, the About page at /pages/about.html.
    assert "/pages/about.html {filename}/pages/about.md\n" in redirects
    assert "/sharing-your-work-and-coworking-to-share.html {filename}/" in redirects


def test_reading_the_old_posts_inserts_no_file_and_contacts_no_host(tmp_path, monkeypatch):
    secret = tmp_path / "secret.rst"
    secret.write_text("Stolen\n######\n\n:slug: stolen\n")
    content = copy_content(tmp_path / "content")
    (content / "inclusion.rst").write_text(
        f".. include:: {secret}\n\nInclusion\n#########\n\n:date: 2019-05-05\n\n"
        ".. csv-table::\n   :url: http://127.0.0.1:9/never\n\n"
        ".. raw:: html\n   :file: /etc/hostname\n"
    )
    monkeypatch.setattr(tasks, "CONTENT_DIR", content)
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path)

    tasks.migrate_links(Context(), redirects=True)

    redirects = (content / "redirects" / "pelican.txt").read_text(encoding="utf-8")
    assert "/inclusion.html {filename}/inclusion.rst\n" in redirects
    assert "stolen" not in redirects.lower()


def test_pelican_default_addresses_of_the_sample_site_build_and_answer(
    tmp_path, monkeypatch, served_site
):
    content = copy_content(tmp_path / "content")
    (content / "guest.md").write_text(
        "Title: A guest post\nDate: 2019-05-06\nAuthor: Ana Guest\nTags: Visits, news\n\n"
        "Hello from [the sample](/sharing-your-work-and-coworking-to-share.html).\n"
    )
    monkeypatch.setattr(tasks, "CONTENT_DIR", content)
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path)

    tasks.migrate_links(Context(), redirects=True)

    redirects = (content / "redirects" / "pelican.txt").read_text(encoding="utf-8")
    assert "/author/ana-guest.html {author}Ana Guest\n" in redirects
    # Pelican read "Category: A, B" as one category; Commons (pelican-more-categories)
    # as two: the old page moves to the first.
    assert (
        "/category/benefits-of-coworking-community-coworking-current-members.html "
        "{category}Benefits of Coworking\n"
    ) in redirects
    assert "/tag/visits.html {tag}Visits\n" in redirects
    assert "/feeds/ana-guest.atom.xml /feeds/author/ana-guest.atom.xml\n" in redirects
    guest = (content / "guest.md").read_text(encoding="utf-8")
    assert "[the sample]({filename}/sharing-your-work-and-coworking-to-share.md)" in guest
    output = tmp_path / "output"
    build_site(output, content=content)  # the strict build: warnings are fatal
    asked, failed = unanswered(served_site, output, content / "redirects" / "pelican.txt")
    assert asked == len([line for line in redirects.splitlines() if line[:1] == "/"])
    assert failed == []


def test_a_redirects_folder_that_is_a_link_refuses_the_run_before_any_file_changes(
    tmp_path, monkeypatch
):
    content = copy_content(tmp_path / "content")
    (content / "old.md").write_text("Title: Old\nDate: 2019-5-7\n\nText.\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (content / "redirects").symlink_to(elsewhere)
    monkeypatch.setattr(tasks, "CONTENT_DIR", content)
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path)

    with pytest.raises(Exit) as refused:
        tasks.migrate_links(Context(), redirects=True)

    assert "symbolic link" in str(refused.value) and refused.value.code == 1
    assert list(elsewhere.iterdir()) == []
    assert (content / "old.md").read_text() == "Title: Old\nDate: 2019-5-7\n\nText.\n"
    assert not (tmp_path / "migrate-links.patch").exists()
