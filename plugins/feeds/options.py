"""The FEEDS setting: its keys, their defaults and their validation."""

from __future__ import annotations

import posixpath
import re
from datetime import date

from commons.feed_identity import SETTING
from commons.layout import plugin_listed, plugin_package
from commons.settings import (
    REQUIRED,
    Boolean,
    Check,
    Invalid,
    Option,
    Optional,
    Pattern,
    Schema,
    String,
)
from commons.urls import site_base

# The Pelican settings that turn a feed on; any of them needs an absolute base.
FEED_SETTINGS = (
    "FEED_ATOM",
    "FEED_RSS",
    "FEED_ALL_ATOM",
    "FEED_ALL_RSS",
    "CATEGORY_FEED_ATOM",
    "CATEGORY_FEED_RSS",
    "TAG_FEED_ATOM",
    "TAG_FEED_RSS",
    "AUTHOR_FEED_ATOM",
    "AUTHOR_FEED_RSS",
    "TRANSLATION_FEED_ATOM",
    "TRANSLATION_FEED_RSS",
)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = rf"{_LABEL}(?:\.{_LABEL})+"
# RFC 4151: a tagging entity's authority is a DNS name or an e-mail address.
AUTHORITY = re.compile(rf"^(?:{_DNS_NAME}|[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_DNS_NAME})$")
TAG_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def feeds_enabled(settings: dict) -> bool:
    return any(settings.get(name) for name in FEED_SETTINGS)


def _real_date(text: str) -> bool:
    parts = [int(part) for part in text.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def _site_path(value: str, suffix: str) -> bool:
    normalised = posixpath.normpath(value)
    return (
        value.endswith(suffix)
        and not value.startswith("/")
        and "://" not in value
        and normalised == value
        and not normalised.startswith("..")
    )


class SitePath(Option):
    """A relative path inside the site ending in `suffix` (no scheme, no '..')."""

    def __init__(self, suffix: str, default, **kwargs):
        super().__init__(default, accepted=f"a path inside the site ending in {suffix}", **kwargs)
        self.suffix = suffix

    def clean(self, value, context):
        if not isinstance(value, str) or not _site_path(value, self.suffix):
            raise Invalid
        return value


def _robots_need_a_sitemap(options, settings):
    if options["robots_txt"] and options["sitemap"] is None:
        return (
            f"is True but {SETTING}['sitemap'] is None",
            "",
            "robots.txt exists to point at the sitemap: set a sitemap path or robots_txt to False",
        )
    return None


def _absolute_base(options, settings):
    if (feeds_enabled(settings) or options["sitemap"]) and not site_base(settings):
        return (
            "needs absolute URLs for feeds and the sitemap, but neither SITEURL "
            f"({settings.get('SITEURL')!r}) nor FEED_DOMAIN ({settings.get('FEED_DOMAIN')!r}) "
            "starts with http:// or https://",
            "",
            "set FEED_DOMAIN to the address the site is served from, for example "
            "'http://127.0.0.1:8000' for local builds",
        )
    return None


def _thread_ids(options, settings):
    # A post's feed id is built on its discussion thread's id, which that plugin works out.
    if feeds_enabled(settings) and not plugin_listed(settings, "discussion"):
        discussion, feeds = plugin_package("discussion"), plugin_package("feeds")
        return (
            f"needs {discussion!r} in PLUGINS: each post's feed id is built on its "
            "discussion thread's id, which that plugin works out (Comments_id, else the slug)",
            "",
            f"add {discussion!r} to PLUGINS before {feeds!r} (its DISCUSSION "
            "setting can turn the comment section off), or turn the feeds off",
        )
    return None


def _tag_date(value: str) -> str | None:
    return None if _real_date(value) else "not a real date"


SCHEMA = Schema(
    SETTING,
    {
        "id_authority": Pattern(
            AUTHORITY.pattern.strip("^$"),
            "a domain name or an e-mail address the community controls, without a scheme, "
            "for example 'commons.example.org'",
            fix="set it once to a name the community holds and never change it: feed entry "
            "ids are built on it",
            help=(
                "a domain or e-mail address the community controls: the authority of every entry's"
                " `tag:` id. Set it once; changing it makes every post new to every reader. "
                "`invoke publish` refuses an example name (`example.org`, `*.test`, `*.invalid`, "
                "`localhost`…); local builds accept it; `COMMONS_FEEDS_ID_AUTHORITY` overrides "
                "`publishconf.py`'s"
            ),
        ),
        "id_date": Pattern(
            TAG_DATE.pattern.strip("^$"),
            "a date on which the community held id_authority, written YYYY, YYYY-MM or "
            "YYYY-MM-DD, for example '2011-03'",
            check=_tag_date,
            help=(
                "a date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) on which the community held "
                "`id_authority`; part of every id, never change it"
            ),
        ),
        "author": Optional(
            String(), none_means="to use SITENAME", help="the feed-level author; `None`: `SITENAME`"
        ),
        # None by default: the XSL is a file of Commons' theme, and a site on
        # another theme uses this plugin too (commons.defaults turns it on).
        "stylesheet": Optional(
            SitePath(".xsl", REQUIRED),
            None,
            none_means="to turn it off",
            help=(
                "the XSL that shows feeds in a browser, as a path in the built site; `None`: no "
                "stylesheet"
            ),
        ),
        "sitemap": Optional(
            SitePath(".xml", REQUIRED),
            "sitemap.xml",
            none_means="to turn it off",
            help="where the sitemap is written; `None`: no sitemap",
        ),
        "robots_txt": Boolean(False, help="write `robots.txt` pointing at the sitemap"),
    },
    checks=[
        Check(("robots_txt", "sitemap"), _robots_need_a_sitemap),
        Check((), _absolute_base),
        Check((), _thread_ids),
    ],
)
DEFAULTS = SCHEMA.defaults()
