"""A plain Pelican site, as pelican-quickstart writes it, adds Commons' discussion
and feeds by name (`PLUGINS = ["commons_…"]`) with Pelican's own theme."""

from __future__ import annotations

import pytest
from lxml import etree, html

from commons import REPO_ROOT

ATOM = {"a": "http://www.w3.org/2005/Atom"}

# What pelican-quickstart writes (its pelicanconf.py and publishconf.py in one:
# feeds on), plus the two plugins and the values their settings require.
QUICKSTART_SETTINGS = """\
AUTHOR = "Ada"
SITENAME = "Quick Notes"
SITEURL = "https://quick-notes.net"
PATH = "content"
TIMEZONE = "Europe/Rome"
DEFAULT_LANG = "en"
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
LINKS = (("Pelican", "https://getpelican.com/"),)
DEFAULT_PAGINATION = False

PLUGINS = [%s]
DISCUSSION = {"isso": {"url": "http://127.0.0.1:9/"}}
FEEDS = {"id_authority": "quick-notes.net", "id_date": "2026-11"}
"""

POST = """\
Title: Hello
Date: 2026-11-02 10:00
Category: News

Hello, **world**.
"""


def quickstart_site(root, plugins: list[str]):
    (root / "content").mkdir(parents=True)
    (root / "content" / "hello.md").write_text(POST, encoding="utf-8")
    names = ", ".join(f'"{name}"' for name in plugins)
    (root / "pelicanconf.py").write_text(QUICKSTART_SETTINGS % names, encoding="utf-8")
    return root


def test_a_pelican_site_adds_the_discussion_and_the_feeds_by_name(installed, tmp_path):
    site = quickstart_site(tmp_path / "quick", ["commons_discussion", "commons_feeds"])
    built = installed.run(["pelican", "content", "--fatal", "errors"], cwd=site)
    assert built.returncode == 0, built.stdout + built.stderr
    output = site / "output"
    # Pelican's own theme still renders the post.
    post = html.fromstring((output / "hello.html").read_bytes())
    assert post.xpath("normalize-space(//*[contains(@class, 'entry-title')])") == "Hello"
    # Commons' feed: entry ids on the site's tag authority, and a link to each
    # post's discussion, which the discussion plugin decided is on.
    feed = etree.parse(str(output / "feeds" / "all.atom.xml"))
    assert feed.xpath("//a:entry/a:id/text()", namespaces=ATOM) == [
        "tag:quick-notes.net,2026-11:post/hello"
    ]
    replies = feed.xpath("//a:entry/a:link[@rel='replies']/@href", namespaces=ATOM)
    assert replies == ["https://quick-notes.net/hello.html#discussion"]
    assert (output / "sitemap.xml").is_file()


def test_a_missing_required_setting_is_named_with_its_fix(installed, tmp_path):
    site = quickstart_site(tmp_path / "quick", ["commons_discussion"])
    settings = site / "pelicanconf.py"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("DISCUSSION = ", "UNUSED = "),
        encoding="utf-8",
    )
    built = installed.run(["pelican", "content"], cwd=site)
    assert built.returncode != 0
    message = " ".join((built.stdout + built.stderr).split())
    assert "DISCUSSION['isso']['url']" in message and "Fix:" in message, message


def test_a_pelican_site_that_names_no_commons_plugin_gets_none(installed, tmp_path):
    site = quickstart_site(tmp_path / "quick", [])
    built = installed.run(["pelican", "content", "--fatal", "errors"], cwd=site)
    assert built.returncode == 0, built.stdout + built.stderr
    output = site / "output"
    assert (output / "hello.html").is_file()
    # Pelican imports every installed namespace plugin, but registers only those named.
    assert not (output / "sitemap.xml").exists()
    feed = etree.parse(str(output / "feeds" / "all.atom.xml"))
    assert not feed.xpath("//a:entry/a:link[@rel='replies']", namespaces=ATOM)


# Plugins that cannot run alone with their defaults, and the setting their error
# names (with its fix): the feeds take each post's id from its discussion thread;
# the search indexes a search page, which another theme does not have.
NEEDS = {"feeds": "commons_discussion", "search": "DIRECT_TEMPLATES"}
PLUGIN_FOLDERS = sorted(
    folder.name
    for folder in (REPO_ROOT / "plugins").iterdir()
    if (folder / "__init__.py").is_file()
)


@pytest.mark.parametrize("plugin", PLUGIN_FOLDERS)
def test_each_plugin_alone_builds_or_names_what_it_needs(installed, tmp_path, plugin):
    site = quickstart_site(tmp_path / "quick", [f"commons_{plugin}"])
    built = installed.run(["pelican", "content", "--fatal", "errors"], cwd=site)
    log = " ".join((built.stdout + built.stderr).split())
    if plugin in NEEDS:
        assert built.returncode != 0
        assert NEEDS[plugin] in log and "Fix:" in log, log
    else:
        assert built.returncode == 0, log
        assert (site / "output" / "hello.html").is_file()
