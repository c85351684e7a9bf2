"""COMMENTS_SERVER: the production comment server's own settings.

One dict in publishconf.py, checked with the shared settings prologue; every
problem is reported at once, each naming the key, the value and the fix.
Secrets never appear here: the configuration refers to environment variables
(ENV below) that the server's environment file sets.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from commons.settings import SettingsError, with_defaults

NAME = "COMMENTS_SERVER"

DEFAULTS = {
    "database": "/var/lib/commons-comments/comments.db",
    "bind": "127.0.0.1:8090",
    "workers": 2,
    "user": "commons-comments",
    "app_dir": "/opt/commons",
    "venv": "/opt/commons/.venv",
    "config_dir": "/etc/commons-comments",
    "backup_dir": "/var/backups/commons-comments",
    "backup_keep": 14,
    "notify_email": True,
    "reply_notifications": True,
    "ratelimit": 2,
    "direct_reply": 3,
    "max_body": "64k",
}

# The environment variables the generated configuration reads (Isso 0.13+
# substitutes $VAR in its configuration). None of them is ever written into
# the repository; `comments.env` on the server holds them.
ENV_ADMIN_PASSWORD = "COMMONS_ISSO_ADMIN_PASSWORD"
ENV_SALT = "COMMONS_ISSO_SALT"
ENV_SMTP = {
    "host": "COMMONS_SMTP_HOST",
    "port": "COMMONS_SMTP_PORT",
    "security": "COMMONS_SMTP_SECURITY",
    "username": "COMMONS_SMTP_USERNAME",
    "password": "COMMONS_SMTP_PASSWORD",
    "from": "COMMONS_SMTP_FROM",
    "to": "COMMONS_SMTP_TO",
}
# May be empty: an SMTP relay on the same machine needs no login.
ENV_MAY_BE_EMPTY = {ENV_SMTP["username"], ENV_SMTP["password"]}
MIN_PASSWORD_LENGTH = 12

# Addresses reserved for examples (RFC 2606, RFC 6761): a site or comment
# server still there was never configured.
EXAMPLE_HOST = re.compile(r"(^|\.)(example\.(org|com|net)|example|invalid|test)$", re.I)

_PATH = re.compile(r"/[^\s'\"$`\\;]*")
_BIND = re.compile(r"(127\.0\.0\.1|\[::1\]|localhost|unix):[\w./-]+")
_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
_SIZE = re.compile(r"\d+[kKmM]?")


def is_example(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return bool(EXAMPLE_HOST.search(host))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _where(key: str) -> str:
    return f"{NAME}['{key}']"


def check_options(raw) -> dict:
    """COMMENTS_SERVER merged over DEFAULTS, or SettingsError listing every bad value."""
    options = with_defaults(NAME, raw, DEFAULTS)
    problems = []

    def bad(key, accepted, fix):
        problems.append(f"{_where(key)} is {options[key]!r}; accepted: {accepted}. Fix: {fix}")

    for key in ("database", "app_dir", "venv", "config_dir", "backup_dir"):
        if not isinstance(options[key], str) or not _PATH.fullmatch(options[key]):
            bad(key, "an absolute path without spaces or quotes", "write it as /srv/…")
    if not isinstance(options["bind"], str) or not _BIND.fullmatch(options["bind"]):
        bad(
            "bind",
            "127.0.0.1:PORT, [::1]:PORT or unix:/path (the proxy in front is the public side)",
            "for example '127.0.0.1:8090'",
        )
    for key, low, high in (
        ("workers", 1, 32),
        ("backup_keep", 1, 1000),
        ("ratelimit", 1, 100),
        ("direct_reply", 1, 100),
    ):
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            bad(key, f"a whole number from {low} to {high}", f"for example {DEFAULTS[key]}")
    for key in ("notify_email", "reply_notifications"):
        if not isinstance(options[key], bool):
            bad(key, "True or False", f"write {DEFAULTS[key]}")
    if not isinstance(options["user"], str) or not _USER.fullmatch(options["user"]):
        bad("user", "a system user name", "for example 'commons-comments'")
    if not isinstance(options["max_body"], str) or not _SIZE.fullmatch(options["max_body"]):
        bad("max_body", "an nginx size such as '64k'", "write '64k'")
    if problems:
        raise SettingsError("\n".join(problems))
    return options


def check_addresses(siteurl, server_url, server_key: str) -> list[str]:
    """Problems with the two addresses the comment server needs (empty list: none)."""
    problems = []
    for key, url, fix in (
        (
            "SITEURL",
            siteurl,
            "set COMMONS_SITEURL (or SITEURL in publishconf.py) to the "
            "site's public address, for example https://blog.your-domain.org",
        ),
        (
            server_key,
            server_url,
            "set COMMONS_ISSO_URL (or that key in publishconf.py) to the "
            "comment server's public address, for example "
            "https://comments.your-domain.org/",
        ),
    ):
        parts = urlsplit(url) if isinstance(url, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{key} is {url!r}; accepted: an absolute http(s) address. Fix: {fix}")
        elif is_example(url):
            problems.append(
                f"{key} is {url!r}, an example address that no server answers. Fix: {fix}"
            )
    return problems
