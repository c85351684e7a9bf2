"""Settings for local work: relative URLs, drafts visible, the local comment server.

`publishconf.py` imports everything from here and overrides what production needs.
Every Commons plugin reads one dict setting, documented in README.md.
"""

from pathlib import Path

SITE_ROOT = Path(__file__).resolve().parent

SITENAME = "Cohere Commons"
SITESUBTITLE = "Notes and conversations from the Cohere coworking community"
SITEURL = ""
RELATIVE_URLS = True
TIMEZONE = "America/Denver"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

PATH = str(SITE_ROOT / "content")
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = [""]
ARTICLE_EXCLUDES = ["pages"]
STATIC_PATHS = ["images", "extra"]
THEME = str(SITE_ROOT / "theme")
# Escape every value by default: templates mark only rendered HTML (a post's
# body, its formatted summary) as safe. Pelican leaves this off.
JINJA_ENVIRONMENT = {
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
}

# Posts have no author unless their metadata names one: the sample article's
# byline is empty, and the site does not invent one.
# (AUTHOR is deliberately left unset.)

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
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Cross-file checks: None accepts any category; a list makes the list strict.
CONTENT_CHECK = {"categories": None, "check_references": True}

# Local preview: where `invoke serve` starts the site and the Isso server.
LOCAL_SERVER = {"host": "127.0.0.1", "site_port": 8000, "isso_port": 8081}

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

PLUGIN_PATHS = [str(SITE_ROOT / "plugins")]
PLUGINS = [
    "more_categories",
    "metadata_check",
    "content_check",
]

# Files in output/ that Commons does not generate but must never delete
# (a hosting marker, a verification file). The build copies them across when
# it swaps the new site in; see commons/build.py.
OUTPUT_RETENTION = [".git", ".nojekyll", "CNAME", ".well-known"]

# The content cache speeds up rebuilds; it lives outside the output folder.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = str(SITE_ROOT / ".cache" / "pelican")

# Commons' own plugins: each reads exactly one dict, validated at start.
METADATA_CHECK = {
    "required": ["title", "date"],
    "statuses": ["published", "draft", "hidden"],
}
