"""The FEEDS setting: its keys, their defaults and their validation."""

from __future__ import annotations

import posixpath
import re
from datetime import date

from commons.settings import SettingsError, with_defaults

SETTING = "FEEDS"
DEFAULTS = {
    "id_authority": None,
    "id_date": None,
    "author": None,
    "stylesheet": "theme/feeds/feed.xsl",
    "sitemap": "sitemap.xml",
    "robots_txt": False,
}
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


def validate_settings(raw, settings: dict) -> dict:
    """Return FEEDS with defaults filled in, or raise SettingsError naming the key and the fix."""
    options = with_defaults(SETTING, raw, DEFAULTS)

    authority = options["id_authority"]
    if not isinstance(authority, str) or not AUTHORITY.match(authority):
        raise SettingsError(
            f"{SETTING}['id_authority'] is {authority!r}; it must be a domain name or an "
            "e-mail address the community controls, without a scheme, for example "
            "'commons.example.org'. Feed entry ids are built on it: set it once and "
            "never change it."
        )
    id_date = options["id_date"]
    if not isinstance(id_date, str) or not TAG_DATE.match(id_date) or not _real_date(id_date):
        raise SettingsError(
            f"{SETTING}['id_date'] is {id_date!r}; it must be a date on which the community "
            "held id_authority, written YYYY, YYYY-MM or YYYY-MM-DD, for example '2011-03'."
        )
    author = options["author"]
    if author is not None and (not isinstance(author, str) or not author.strip()):
        raise SettingsError(
            f"{SETTING}['author'] is {author!r}; it must be a non-empty string, "
            "or None to use SITENAME."
        )
    for key, suffix in (("stylesheet", ".xsl"), ("sitemap", ".xml")):
        value = options[key]
        if value is None:
            continue
        if not isinstance(value, str) or not _site_path(value, suffix):
            raise SettingsError(
                f"{SETTING}['{key}'] is {value!r}; it must be a path inside the site ending in "
                f"{suffix}, such as {DEFAULTS[key]!r}, or None to turn it off."
            )
    if not isinstance(options["robots_txt"], bool):
        raise SettingsError(f"{SETTING}['robots_txt'] must be True or False")
    if options["robots_txt"] and options["sitemap"] is None:
        raise SettingsError(
            f"{SETTING}['robots_txt'] is True but {SETTING}['sitemap'] is None; robots.txt "
            "exists to point at the sitemap: set a sitemap path or robots_txt to False."
        )
    if (feeds_enabled(settings) or options["sitemap"]) and not site_base(settings):
        raise SettingsError(
            f"{SETTING}: feeds and the sitemap need absolute URLs, but neither SITEURL "
            f"({settings.get('SITEURL')!r}) nor FEED_DOMAIN ({settings.get('FEED_DOMAIN')!r}) "
            "starts with http:// or https://. Fix: set FEED_DOMAIN to the address the site "
            "is served from, for example 'http://127.0.0.1:8000' for local builds."
        )
    return options


def feeds_enabled(settings: dict) -> bool:
    return any(settings.get(name) for name in FEED_SETTINGS)


def site_base(settings: dict) -> str:
    """The absolute address every feed and sitemap URL starts with, without a trailing slash.

    SITEURL in production; in a local build (SITEURL "", relative URLs) the
    FEED_DOMAIN, so that local feeds are valid too.
    """
    for name in ("SITEURL", "FEED_DOMAIN"):
        value = settings.get(name) or ""
        if value.startswith(("http://", "https://")):
            return value.rstrip("/")
    return ""


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
