"""Settings for local work: relative URLs, drafts visible, the local comment server.

`publishconf.py` imports everything from here and overrides what production needs.
Every Commons plugin reads one dict setting, documented in docs/settings.md.
"""

import importlib.util
import logging
import os
import sys
from pathlib import Path

SITE_ROOT = Path(__file__).resolve().parent


def site_package(name: str) -> None:
    """Commons' code (`commons`, `plugins`) from the site's root, by its location.

    `python -m pelican` and the tasks run from the root, where Python finds it;
    Pelican's own `pelican` command starts with only its install on Python's
    path. The package is then registered under the same name, from the same
    files, so every module is still imported one way.
    """
    if importlib.util.find_spec(name) is not None:
        return
    folder = SITE_ROOT / name
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


site_package("commons")
site_package("plugins")

from commons.contents import newest_first  # noqa: E402

SITENAME = "Cohere Commons"
SITESUBTITLE = "Notes and conversations from the Cohere coworking community"
SITEURL = ""
RELATIVE_URLS = True
# The site's public address: publishconf.py makes it SITEURL. Local builds and
# `invoke check` know it too, to check the links posts write with it.
PUBLIC_URL = os.environ.get("COMMONS_SITEURL", "https://commons.example.org").rstrip("/")
TIMEZONE = "America/Denver"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# Newest first; posts of the same date by file, so two copies of the same
# content list them alike (Pelican's "reversed-date" keeps the file system's order).
ARTICLE_ORDER_BY = newest_first

PATH = str(SITE_ROOT / "content")
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = [""]
# Uploads: copied as they are. Their folders are never read for posts, so an
# HTML file there (a site-verification file, say) is not taken for a post.
STATIC_PATHS = ["images", "extra"]
ARTICLE_EXCLUDES = ["pages", *STATIC_PATHS]
THEME = str(SITE_ROOT / "theme")
# Markdown: Pelican's defaults (code highlighting, Markdown Extra, the metadata
# block) plus `toc`, which gives every heading a stable id from its text
# ("## Getting there" -> id "getting-there"; a repeated heading gets "_1",
# "_2"), so in-page links such as [see below](#getting-there) work. The
# body_html plugin then namespaces every id: "user-content-getting-there".
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

# Cross-file checks: None accepts any category; a list makes the list strict.
# site_urls: links written with the site's own address are checked like
# relative ones, in local builds too.
CONTENT_CHECK = {"categories": None, "check_references": True, "site_urls": [PUBLIC_URL]}

# Pelican's warning for an image without alt text names five images a build;
# plugins/content_check lists every one, with its post and its fix.
LOG_FILTER = [
    (logging.WARNING, "Empty alt attribute for image %s in %s"),
]

# Raw HTML in posts: "sanitize" (nh3) keeps Markdown's output and safe markup
# and drops scripts, styles, frames and event handlers; "keep" trusts editors.
BODY_HTML = {"policy": "sanitize", "extra_tags": [], "extra_attributes": {}}

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

# Commons' plugins are the packages under plugins/, imported as `plugins.<name>`
# from the repository's root, the one folder on Python's path (Pelican runs
# from it: `invoke` tasks and the tests start `python -m pelican` there). No
# PLUGIN_PATHS: it would load each plugin a second time, as a top-level module.
PLUGINS = [
    # First of all: every message logged after it has terminal controls escaped.
    "plugins.terminal_safe",
    # Next: it refuses pipes, devices and links out of content/ before any
    # other plugin opens a file.
    "plugins.source_guard",
    # Before more_categories, which replaces the category it read: each cached
    # post's labels then share the build's settings, and the cache holds one copy.
    "plugins.cached_labels",
    "more_categories",  # pelican-more-categories, installed from PyPI
    "plugins.metadata_check",
    "plugins.output_paths",
    "plugins.content_check",
    "plugins.markdown_reader",
    "plugins.parallel_read",
    "plugins.parallel_render",
    # discussion before feeds: it attaches each post's thread (and refuses two
    # posts sharing one) before the feeds read the thread's id.
    "plugins.discussion",
    # After discussion (each post's thread) and parallel_render (it wraps the
    # same output): a build asked for some threads writes only their pages.
    "plugins.thread_pages",
    # After parallel_render: its page choice then sits between the render
    # children's and Pelican's writer, so a kept page is never rendered.
    "plugins.render_record",
    "plugins.feeds",
    "plugins.search",
    "plugins.page_meta",
    "plugins.post_navigation",
    "plugins.menu",
    "plugins.code_style",
    "plugins.render_once",
    "plugins.css_minify",
    "plugins.js_minify",
    "plugins.media_check",
    "plugins.body_html",
    # Summaries cut in linear time (Pelican's counter rescans earlier lines).
    "plugins.summaries",
    "plugins.security_headers",
    "plugins.frozen_urls",
    "plugins.redirects",
    "plugins.taxonomy_index",
    # Last: the other plugins check drafts too before production withholds them.
    "plugins.drafts",
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
CACHE_PATH = str(SITE_ROOT / ".cache" / "pelican")

# Commons' own plugins: each reads exactly one dict, validated at start.
# Limits per content file (plugins/source_guard): bad markup costs seconds.
# Uploads (images, videos, PDFs) are copied, never read: their own limit.
SOURCE_GUARD = {"max_bytes": 2_000_000, "max_upload_bytes": 100_000_000, "max_seconds": 10}

# reStructuredText posts may not insert files or fetch URLs (`include`,
# `raw`, `csv-table :file:/:url:`): docutils' file insertion and raw markup are off.
DOCUTILS_SETTINGS = {"file_insertion_enabled": False, "raw_enabled": False}

METADATA_CHECK = {
    "required": ["title", "date"],
    "statuses": ["published", "draft", "hidden"],
}

# Uploads a browser would run in the site's origin (SVG with script, .html,
# .js...) fail the build unless listed here, as paths under content/, by a
# maintainer who has read them (plugins/media_check).
MEDIA_CHECK = {"trusted_files": []}

# Paths no post may take, beside the pages, feeds and files Commons writes
# itself and OUTPUT_RETENTION (plugins/output_paths): "downloads/" or "x.html".
OUTPUT_PATHS = {"reserved": []}

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

# The theme's page metadata: canonical URLs, descriptions, reading time,
# JSON-LD and the share links (plugins/page_meta; see docs/settings.md).
PAGE_META = {
    "site_url": None,
    "words_per_minute": 220,
    "description_length": 160,
    "share_networks": ["email", "mastodon", "bluesky", "linkedin", "facebook", "x"],
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
# whitespace removed) to keep the article page within its weight budget
# (plugins/css_minify, plugins/js_minify).
CSS_MINIFY = {"enabled": True}
JS_MINIFY = {"enabled": True}

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
