"""Plain Pelican, the benchmark's baseline: its default theme, no plugins.

Only the settings that decide how much work a build does are taken from
Commons' pelicanconf.py, so that the comparison measures what Commons' theme
and plugins cost and nothing else:

- where content is (ARTICLE_PATHS, PAGE_PATHS, STATIC_PATHS) and how dates
  and pages are counted (TIMEZONE, DEFAULT_PAGINATION);
- the feeds: every FEED_* / *_FEED_ATOM / *_FEED_RSS setting Commons has, so
  both builds write the same feeds (Commons' own feed plugin, if any, is
  Commons' cost);
- the Markdown configuration and the content cache (CACHE_CONTENT,
  LOAD_CONTENT_CACHE); the runner points CACHE_PATH at a fresh folder.

Everything else (theme, URL layout, Jinja environment) is Pelican's default.
"""

# The runner starts Pelican from the repository's root, where pelicanconf is.
import pelicanconf as _commons

SITENAME = "Plain Pelican"
SITEURL = ""
RELATIVE_URLS = True
DEFAULT_LANG = "en"

_parity_names = (
    "ARTICLE_PATHS",
    "PAGE_PATHS",
    "ARTICLE_EXCLUDES",
    "PAGE_EXCLUDES",
    "STATIC_PATHS",
    "TIMEZONE",
    "DEFAULT_PAGINATION",
    "MARKDOWN",
    "RSS_FEED_SUMMARY_ONLY",
    "CACHE_CONTENT",
    "LOAD_CONTENT_CACHE",
)


def _is_feed_setting(name: str) -> bool:
    return name.startswith("FEED_") or name.endswith(("_FEED_ATOM", "_FEED_RSS"))


def _parity_settings() -> dict:
    return {
        name: getattr(_commons, name)
        for name in dir(_commons)
        if name.isupper() and (name in _parity_names or _is_feed_setting(name))
    }


globals().update(_parity_settings())
