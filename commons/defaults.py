"""Commons' default settings: what every Commons site starts from.

A site's pelicanconf.py begins with `from commons.defaults import *` and then
sets only what the site chose (its name, address, time zone, feed ids...), so
that an upgrade of the package brings the new defaults without a merge.
Its publishconf.py takes the production settings from `production` below.
Every setting Commons reads is checked by one loader (commons/config.py) with
the schema its plugin or module declares; docs/settings.md lists them all.
"""

import copy
import importlib.util
import logging
import os
import sys
from pathlib import Path

from commons.contents import newest_first
from commons.layout import plugin_package, theme_path

# The site's public address: publishconf.py makes it SITEURL. A site sets it
# with `public_url("https://…")`; COMMONS_SITEURL overrides it (the preview
# task, CI). Local builds and `check` know it too, to check the links posts
# write with it.
_SITEURL_VARIABLE = "COMMONS_SITEURL"


def public_url(address: str) -> str:
    """The site's public address: COMMONS_SITEURL when set, else `address`."""
    return (os.environ.get(_SITEURL_VARIABLE) or address).rstrip("/")


PUBLIC_URL = public_url("https://commons.example.org")
SITENAME = "A Commons site"
TIMEZONE = "UTC"
SITEURL = ""
RELATIVE_URLS = True
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# Newest first; posts of the same date by file, so two copies of the same
# content list them alike (Pelican's "reversed-date" keeps the file system's order).
ARTICLE_ORDER_BY = newest_first

# Relative paths are the site's: Pelican reads them from its settings file's folder.
PATH = "content"
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = [""]
# Uploads: copied as they are. Their folders are never read for posts, so an
# HTML file there (a site-verification file, say) is not taken for a post.
STATIC_PATHS = ["images", "extra"]
ARTICLE_EXCLUDES = ["pages", *STATIC_PATHS]
THEME = str(theme_path())
# Markdown: Pelican's defaults (code highlighting, Markdown Extra, the metadata
# block) plus `toc`, which gives every heading a stable id from its text
# ("## Getting there" -> id "getting-there"; a repeated heading gets "_1",
# "_2"), so in-page links such as [see below](#getting-there) work. The
# guard plugin (plugins/guard/html.py) then namespaces every id: "user-content-getting-there".
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}
# Escape every value by default: templates mark only rendered HTML (a post's
# body, its formatted summary) as safe. Pelican leaves this off.
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    # Every build is a fresh process: no template changes under it, so Jinja
    # need not stat each file again on every include (50,000 times at N=1,000).
    "auto_reload": False,
}

# Posts have no author unless their metadata names one: the sample article's
# byline is empty, and the site does not invent one.
# (AUTHOR is deliberately left unset.)

# Pelican's slug rules, plus a length cap: a slug becomes a folder name, and a
# 2,000-character title or tag must not become a file name the OS refuses.
SLUG_REGEX_SUBSTITUTIONS = [
    (r"[^\w\s-]", ""),
    (r"(?u)\A\s*", ""),
    (r"(?u)\s*\Z", ""),
    (r"[-\s]+", "-"),
    (r"\A(.{80}).+\Z", r"\1"),
    (r"-+\Z", ""),
]

ARTICLE_URL = "{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
DRAFT_PAGE_URL = "drafts/pages/{slug}/"
DRAFT_PAGE_SAVE_AS = "drafts/pages/{slug}/index.html"
# Drafts are built, and listed at /drafts/, for local preview; production
# (publishconf.py) sets preview False: none is written or listed (plugins/drafts).
DRAFTS = {"preview": True}
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
ARCHIVES_SAVE_AS = "archives/index.html"
ARCHIVES_URL = "archives/"
CATEGORIES_SAVE_AS = "categories/index.html"
CATEGORIES_URL = "categories/"
TAGS_SAVE_AS = "tags/index.html"
TAGS_URL = "tags/"
AUTHORS_SAVE_AS = "authors/index.html"
AUTHORS_URL = "authors/"
INDEX_SAVE_AS = "index.html"
INDEX_URL = ""  # the home page is the site's root: links to it end in "/"
# The theme's 404 page, and the list of drafts (local builds only: publishconf.py's
# DRAFTS['preview'] False empties DRAFTS_SAVE_AS).
DIRECT_TEMPLATES = [
    "index",
    "tags",
    "categories",
    "authors",
    "archives",
    "404",
    "drafts",
    "search",
]
DRAFTS_SAVE_AS = "drafts/index.html"
DRAFTS_URL = "drafts/"
# The search page (plugins/search indexes the site with Pagefind).
SEARCH_SAVE_AS = "search/index.html"
SEARCH_URL = "search/"
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Pelican's warning for an image without alt text names five images a build;
# plugins/guard lists every one, with its post and its fix.
LOG_FILTER = [
    (logging.WARNING, "Empty alt attribute for image %s in %s"),
]

# Old addresses (an import from WordPress) -> new ones: every content/redirects/*.txt
# line becomes a _redirects line, an nginx map entry and a small HTML page.
REDIRECTS = {
    "enabled": True,
    "folder": "redirects",
    "redirects_file": "_redirects",
    "nginx_file": "nginx-redirects.conf",
    "html_pages": True,
}

# Production writes _headers and an nginx snippet (publishconf.py turns it on).
# extra_sources is set here, the one place local builds, `invoke check` and
# production all read: {"img": ["https://media.example.org"]} lets posts show
# images from that site.
SECURITY_HEADERS = {"enabled": False, "extra_sources": {}}

# Local preview: where `invoke serve` starts the site and the Isso server.
# The ports can be moved with COMMONS_SITE_PORT / COMMONS_ISSO_PORT (the tests
# run `invoke serve` on free ports that way).
LOCAL_SERVER = {
    "host": "127.0.0.1",
    "site_port": int(os.environ.get("COMMONS_SITE_PORT", "8000")),
    "isso_port": int(os.environ.get("COMMONS_ISSO_PORT", "8081")),
}

# Feeds are on in local builds too, so editors see what subscribers get; they
# point at the local server, the only absolute address a local build has.
FEED_DOMAIN = f"http://{LOCAL_SERVER['host']}:{LOCAL_SERVER['site_port']}"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/category/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{slug}.rss.xml"
AUTHOR_FEED_ATOM = "feeds/author/{slug}.atom.xml"
AUTHOR_FEED_RSS = "feeds/author/{slug}.rss.xml"
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
RSS_FEED_SUMMARY_ONLY = False

# Feeds and discovery (plugins/feeds; docs/feeds.md). Entry ids are tag: URIs
# built on id_authority and id_date, never on the site's address: set them once
# and keep them, or every subscriber sees every post again as new.
FEEDS = {
    "id_authority": "commons.example.org",
    "id_date": "2011-03",
    "author": None,  # the feed-level author; None: SITENAME
    "stylesheet": "theme/feeds/feed.xsl",
    "sitemap": "sitemap.xml",
    "robots_txt": False,  # production only (publishconf.py)
}

# Site search (plugins/search; docs/search.md): Pagefind indexes the posts and
# pages after each build; the search page needs no server beyond static files.
SEARCH = {
    "enabled": True,
    # Local builds run no Pagefind (about 2 s of CPU and 180 MB per 1,000
    # pages): the search page says the build has no index. `invoke build
    # --search` makes one; production (publishconf.py) always does.
    "index": False,
    "bundle_dir": "pagefind",
    "root_selector": "main article",  # the post, without header, footer or nav
    # Left out: the post's categories, byline and tags (on every post, they
    # would crowd the excerpts out), and the discussion and share links, which
    # Commons' theme places after the article (a theme that puts them inside
    # it keeps them out of the index all the same).
    "exclude_selectors": [
        "#discussion",
        ".share",
        ".post-categories",
        ".post-meta",
        ".tag-list",
    ],
    # Pagefind needs about 240 MB per 1,000 pages: a larger site is indexed in
    # bundles of at most this many pages, one at a time (docs/search.md).
    "pages_per_bundle": 1000,
}

# Commons' plugins: in a checkout the packages under plugins/ (`plugins.<name>`,
# from the repository's root, which Pelican runs from), installed the namespace
# plugins `pelican.plugins.commons_<name>` (commons/layout.py). No
# PLUGIN_PATHS: it would load each plugin a second time, as a top-level module.
PLUGINS = [
    # First of all: every message logged after it has terminal controls escaped.
    plugin_package("terminal_safe"),
    # Then every Commons setting is checked at once (commons/config.py).
    plugin_package("settings_check"),
    # Next: it refuses pipes, devices and links out of content/ before any
    # other plugin opens a file, and checks each post before the others read it.
    plugin_package("guard"),
    # Before more_categories, which replaces the category it read: each cached
    # post's labels then share the build's settings, and the cache holds one copy.
    plugin_package("cached_labels"),
    "more_categories",  # pelican-more-categories, installed from PyPI
    plugin_package("markdown_reader"),
    plugin_package("parallel_read"),
    plugin_package("parallel_render"),
    # discussion before feeds: it attaches each post's thread (and refuses two
    # posts sharing one) before the feeds read the thread's id.
    plugin_package("discussion"),
    # After discussion (each post's thread) and parallel_render (it wraps the
    # same output): a build asked for some threads writes only their pages.
    plugin_package("thread_pages"),
    # After parallel_render: its page choice then sits between the render
    # children's and Pelican's writer, so a kept page is never rendered.
    plugin_package("render_record"),
    plugin_package("feeds"),
    plugin_package("search"),
    plugin_package("page_meta"),
    plugin_package("post_navigation"),
    plugin_package("menu"),
    plugin_package("code_style"),
    plugin_package("render_once"),
    plugin_package("template_cache"),
    plugin_package("css_minify"),
    plugin_package("js_minify"),
    plugin_package("html_minify"),
    # Summaries cut in linear time (Pelican's counter rescans earlier lines).
    plugin_package("summaries"),
    plugin_package("security_headers"),
    plugin_package("frozen_urls"),
    plugin_package("redirects"),
    plugin_package("taxonomy_index"),
    # Last: the other plugins check drafts too before production withholds them.
    plugin_package("drafts"),
]

# Files in output/ that Commons does not generate but must never delete
# (a hosting marker, a verification file). The build copies them across when
# it swaps the new site in; see commons/build.py.
OUTPUT_RETENTION = [".git", ".nojekyll", "CNAME", ".well-known"]

# The content cache speeds up rebuilds. commons.build gives each output folder
# its own cache beside it (.pelican-cache-<output>); this path is for a bare
# `pelican` run.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = ".cache/pelican"

# Commons' own plugins' settings, each checked with its plugin's schema.
# The guard (plugins/guard; docs/settings.md, "The guard") checks that the
# content is safe and valid; every problem names its file and its fix.
GUARD = {
    # False: list every problem and go on (`invoke check` sets it).
    "stop": True,
    # Limits per content file: bad markup costs seconds. Uploads (images,
    # videos, PDFs) are copied, never read: their own limit.
    "sources": {"max_bytes": 2_000_000, "max_upload_bytes": 100_000_000, "max_seconds": 10},
    # categories: None accepts any category; a list makes the list strict.
    "metadata": {
        "required": ["title", "date"],
        "statuses": ["published", "draft", "hidden"],
        "categories": None,
    },
    # Paths no post may take, beside the pages, feeds and files Commons
    # writes itself and OUTPUT_RETENTION: "downloads/" or "x.html".
    "paths": {"reserved": []},
    # site_urls: links written with the site's own address are checked like
    # relative ones, in local builds too. A site sets it to [PUBLIC_URL] once
    # it has set PUBLIC_URL.
    "links": {"check_references": True, "site_urls": [PUBLIC_URL]},
    # Uploads a browser would run in the site's origin (SVG with script,
    # .html, .js...) fail the build unless listed here, as paths under
    # content/, by a maintainer who has read them.
    "media": {"trusted_files": []},
    # Raw HTML in posts: "sanitize" (nh3) keeps Markdown's output and safe
    # markup and drops scripts, styles, frames and event handlers; "keep"
    # trusts editors.
    "html": {"policy": "sanitize", "extra_tags": [], "extra_attributes": {}},
}

# reStructuredText posts may not insert files or fetch URLs (`include`,
# `raw`, `csv-table :file:/:url:`): docutils' file insertion and raw markup are off.
DOCUTILS_SETTINGS = {"file_insertion_enabled": False, "raw_enabled": False}

# Reading and rendering in extra processes (plugins/parallel_read,
# plugins/parallel_render) is off: on a 2-core machine they cost more CPU
# than they save (workers pickle every post back; each render child walks
# every generator over the whole site), and a warm build was slower with
# them. Turn them on where cores are idle and wall time matters more than
# CPU time (docs/benchmarks.md has the figures).
PARALLEL_READ = {"enabled": False, "processes": 0, "min_files": 40}

# One Markdown converter per process, reset between files (plugins/markdown_reader):
# Pelican builds a new one for every file.
MARKDOWN_READER = {"reuse": True}

# When on, the main process still writes every file, in Pelican's order, so
# the site is the same either way.
PARALLEL_RENDER = {"enabled": False, "processes": 0, "min_contents": 40, "lead": 256}

# Each post's summary is rendered once per build, not once per listing it is
# in (plugins/render_once). List only partials that depend on the post alone.
RENDER_ONCE = {"enabled": True, "templates": ["partials/post_summary.html"]}

# Compiled templates are kept between builds in CACHE_PATH, in a folder per
# digest of what compiled them (plugins/template_cache). COMMONS_TEMPLATE_CACHE
# names another folder (the test suite shares one across its builds).
TEMPLATE_CACHE = {"enabled": True, "path": None}

# The theme's page metadata: canonical URLs, descriptions, reading time,
# JSON-LD and the share links (plugins/page_meta; see docs/settings.md).
PAGE_META = {
    "site_url": None,
    "words_per_minute": 220,
    "description_length": 160,
    # Add "linkedin", "facebook", "x" for those networks' links.
    "share_networks": ["native", "email", "mastodon", "bluesky"],
    "mastodon_instance": "mastodon.social",
    "twitter_site": "",
}

# The header menu (plugins/menu): pages with `Menu: true`, and these entries
# first, in order: a page's path under content/, or {"title": …, "url": …}.
MENU = {"items": []}

# Colours for highlighted code (plugins/code_style): two Pygments styles, made
# readable (WCAG AA) on the theme's code background; only pages with code load them.
CODE_STYLE = {
    "light": "default",
    "dark": "github-dark",
    "css_class": "highlight",
    "save_as": "theme/css/code.css",
}

# Tag, category and author pages in linear time (plugins/taxonomy_index):
# Pelican 4.12 matches every post against each label's list, quadratic in size.
TAXONOMY_INDEX = {"enabled": True}

# Previous/next and related posts under each post (plugins/post_navigation).
POST_NAVIGATION = {"related_count": 3}

# The theme's stylesheets and scripts are written minified (comments and layout
# whitespace removed), and its templates' own markup compacted (layout
# whitespace and needless attribute quotes; what a page inserts is never
# changed), to keep the article page within its weight budget
# (plugins/css_minify, plugins/js_minify, plugins/html_minify).
CSS_MINIFY = {"enabled": True}
JS_MINIFY = {"enabled": True}
HTML_MINIFY = {"enabled": True}

# The comment thread under each post (plugins/discussion;
# docs/discussion.md). Locally: the Isso server `invoke serve` starts on 127.0.0.1.
DISCUSSION = {
    "provider": "isso",
    "articles": True,
    "pages": False,
    "mode": "consent",
    "isso": {"url": f"http://{LOCAL_SERVER['host']}:{LOCAL_SERVER['isso_port']}/"},
    # The comment snapshot (docs/comment-snapshots.md); publishconf.py may
    # extend it: {**DISCUSSION["snapshot"], "refresh": "all"}.
    "snapshot": {"refresh": "changed"},
}


# Production (publishconf.py): what changes from the local settings above.
_COMMENTS_URL_VARIABLE = "COMMONS_ISSO_URL"


def local_settings(publish_settings_file: str) -> dict:
    """The settings of the pelicanconf.py beside `publish_settings_file`, by name.

    `pelican content -s publishconf.py` runs without the site's root on Python's
    path, where `import pelicanconf` would look; and a copy of the site elsewhere
    must read its own pelicanconf.py. The module is kept as `pelicanconf`, once.
    """
    local = Path(publish_settings_file).resolve().with_name("pelicanconf.py")
    module = sys.modules.get("pelicanconf")
    if module is None or Path(module.__file__).resolve() != local:
        spec = importlib.util.spec_from_file_location("pelicanconf", local)
        module = importlib.util.module_from_spec(spec)
        sys.modules["pelicanconf"] = module
        spec.loader.exec_module(module)
    return {name: value for name, value in vars(module).items() if name.isupper()}


def production(local: dict, comments_url: str = "https://comments.commons.example.org/") -> dict:
    """The production settings: `local` (the site's pelicanconf.py) with the real
    address, absolute URLs, every feed, the search index and the security headers.

    `comments_url`: the site's own Isso server (docs/discussion.md);
    COMMONS_ISSO_URL overrides it. A site's publishconf.py writes
    `globals().update(production(local_settings(__file__), comments_url=…))`.
    """
    settings = dict(local)
    # The public address is set once, as PUBLIC_URL in pelicanconf.py (or with
    # COMMONS_SITEURL), so local builds check links written with it too.
    settings["SITEURL"] = local["PUBLIC_URL"]
    settings["RELATIVE_URLS"] = False
    settings["FEED_DOMAIN"] = settings["SITEURL"]
    # A bare `pelican -s publishconf.py` does not load its cache: .cache/pelican
    # is shared with local builds, and Pelican checks no settings before using
    # it. commons.build (build, publish, CI) gives each output folder its own
    # cache, keyed on the settings' values and Commons' code, and loads it.
    settings["LOAD_CONTENT_CACHE"] = False
    # Where `publish` sends the site. method: "rsync" or "gh-pages" (None: not
    # configured; publish says what to set). The environment variables
    # COMMONS_PUBLISH_METHOD, COMMONS_RSYNC_TARGET, COMMONS_SSH_PORT,
    # COMMONS_GH_PAGES_REMOTE and COMMONS_GH_PAGES_BRANCH override these, so CI
    # secrets stay out of the repository (declared on the PUBLISH schema,
    # commons/publish.py; docs/settings.md).
    settings["PUBLISH"] = {
        "method": None,
        "rsync_target": "",
        "ssh_port": 22,
        "gh_pages_remote": "origin",
        "gh_pages_branch": "gh-pages",
    }
    # Drafts are previewed locally only: production writes none, in any
    # language, and no template lists them (plugins/drafts empties every
    # DRAFT*_SAVE_AS).
    settings["DRAFTS"] = {"preview": False}
    # robots.txt, pointing crawlers at the sitemap, is for the public site only.
    # Feed entry ids are built on id_authority: `publish` refuses the example
    # one. A site sets it once, to a name the community holds, and never
    # changes it (COMMONS_FEEDS_ID_AUTHORITY overrides it, for CI).
    feeds = local["FEEDS"]
    settings["FEEDS"] = {
        **feeds,
        "id_authority": os.environ.get("COMMONS_FEEDS_ID_AUTHORITY") or feeds["id_authority"],
        "robots_txt": True,
    }
    # The published site is searchable: Pagefind indexes it (local builds skip it).
    settings["SEARCH"] = {**local["SEARCH"], "index": True}
    # The Content-Security-Policy and other headers, as `_headers` (Netlify,
    # Cloudflare Pages) and `nginx-security-headers.conf`, at the site's root.
    settings["SECURITY_HEADERS"] = {**local["SECURITY_HEADERS"], "enabled": True}
    discussion = local["DISCUSSION"]
    settings["DISCUSSION"] = {
        **discussion,
        "isso": {
            **discussion["isso"],
            "url": os.environ.get(_COMMENTS_URL_VARIABLE) or comments_url,
        },
    }
    # The comment server's own settings, for `comments-config`, `comments-backup`,
    # `comments-restore` and `comments-move` (docs/comment-server.md). Secrets are
    # never here: the server reads them from its environment file.
    settings["COMMENTS_SERVER"] = {
        "database": "/var/lib/commons-comments/comments.db",
        "bind": "127.0.0.1:8090",
        "backup_dir": "/var/backups/commons-comments",
        "backup_keep": 14,
    }
    return settings


# Every setting above is kept apart, and each `from commons.defaults import *`
# (a site's pelicanconf.py, read again by every build, check and preview pass,
# several in one process) gets its own deep copy: what one run's Pelican or
# plugins change in place (MARKDOWN's extension list, an extension's config
# dict) never reaches the next read.
_SETTINGS = {
    name: value for name, value in globals().items() if name.isupper() and not name.startswith("_")
}
for _name in _SETTINGS:
    del globals()[_name]
del _name
__all__ = [*_SETTINGS]


def __getattr__(name: str):
    if name in _SETTINGS:
        return copy.deepcopy(_SETTINGS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
