"""COMMENTS_SERVER: the production comment server's own settings.

One dict in publishconf.py, checked with the shared settings schema; every
problem is reported at once, each naming the key, the value and the fix.
Secrets never appear here: the configuration refers to environment variables
(ENV below) that the server's environment file sets.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from commons.settings import Boolean, Choice, Integer, Pattern, Schema
from commons.urls import EXAMPLE_HOST

NAME = "COMMENTS_SERVER"

_PATH = Pattern(r"/[^\s'\"$`\\;]*", "an absolute path without spaces or quotes")


def _path(default: str, help: str) -> Pattern:
    return Pattern(
        _PATH.regex.pattern, _PATH.accepted, default, fix="write it as /srv/…", help=help
    )


SCHEMA = Schema(
    NAME,
    {
        "database": _path("/var/lib/commons-comments/comments.db", "the SQLite file on the server"),
        "bind": Pattern(
            r"(127\.0\.0\.1|\[::1\]|localhost):\d{1,5}|unix:/[\w./-]+",
            "127.0.0.1:PORT, [::1]:PORT or unix:/path (the proxy in front is the public side)",
            "127.0.0.1:8090",
            fix="for example '127.0.0.1:8090'",
            help="where gunicorn listens: loopback or `unix:/path`, behind nginx",
        ),
        "workers": Integer(2, minimum=1, maximum=32, help="gunicorn workers (1 to 32)"),
        "user": Pattern(
            r"[a-z_][a-z0-9_-]{0,31}",
            "a system user name",
            "commons-comments",
            help="the system user the unit runs as",
        ),
        # Runs the comment publisher (commons/comments/publisher.py) and `invoke
        # publish`: reads the repository, writes its .cache, holds the rsync key.
        "publisher_user": Pattern(
            r"[a-z_][a-z0-9_-]{0,31}",
            "a system user name",
            "commons-publisher",
            help="the system user the comment publisher runs as (it also runs `invoke publish`)",
        ),
        "publisher_interval": Integer(
            5,
            minimum=1,
            maximum=60,
            help="how many seconds apart the comment publisher asks the server what changed",
        ),
        "app_dir": _path("/opt/commons", "where the site's folder is on the server"),
        "venv": _path(
            "/opt/commons/.venv",
            "the virtual environment Commons and Isso are installed in on the server",
        ),
        "config_dir": _path("/etc/commons-comments", "where `isso.cfg` and `comments.env` go"),
        "backup_dir": _path(
            "/var/backups/commons-comments", "where `comments-backup` writes its copies"
        ),
        "backup_keep": Integer(
            14, minimum=1, maximum=1000, help="how many copies `comments-backup` keeps"
        ),
        # certbot's --webroot folder, and where its certificates are (one folder per name).
        "acme_webroot": _path(
            "/var/www/letsencrypt", "certbot's `--webroot` folder, served on port 80"
        ),
        "certificates": _path(
            "/etc/letsencrypt/live", "the folder holding `<name>/fullchain.pem` and `privkey.pem`"
        ),
        "notify_email": Boolean(
            True, help="each new comment by e-mail to `COMMONS_SMTP_TO`; `False`: to the log"
        ),
        "reply_notifications": Boolean(True, help="readers may ask for e-mail on replies"),
        "ratelimit": Integer(
            2, minimum=1, maximum=100, help="Isso's guard: comments a minute per reader's network"
        ),
        "direct_reply": Integer(
            3,
            minimum=1,
            maximum=100,
            help="Isso's guard: top-level comments per thread per reader's network",
        ),
        "max_body": Pattern(
            r"\d+[kKmM]?",
            "an nginx size such as '64k'",
            "64k",
            help="nginx's `client_max_body_size` for the comment server",
        ),
        # Spam, held without a third party (commons/comments/limits.py, form.py):
        # posts a minute per address (the widget's and the form's, each checked
        # by the server and by nginx), links and characters per comment, the
        # form's honeypot field and its seconds between preview and publish.
        "post_rate": Integer(
            5,
            minimum=1,
            maximum=1000,
            help=(
                "comments a minute per address, for the widget and the plain form alike "
                "(`429` beyond)"
            ),
        ),
        # Admin log-in attempts a minute per address, counted by nginx.
        "login_rate": Integer(
            5,
            minimum=1,
            maximum=1000,
            help="admin log-in attempts a minute per address, counted by nginx",
        ),
        "max_links": Integer(
            3, minimum=0, maximum=100, help="links per comment; more is refused with `400`"
        ),
        "max_chars": Integer(
            5000,
            minimum=100,
            maximum=65535,
            help="characters per comment; more is refused with `400`",
        ),
        "honeypot": Boolean(True, help="refuse a form whose hidden trap field is filled"),
        "min_seconds": Integer(
            3,
            minimum=0,
            maximum=600,
            help="seconds between the form's preview and its publish",
        ),
        # Which comments wait for a moderator: "first" (a commenter's first,
        # until one with the same e-mail address is approved), "all" or "none".
        "moderation": Choice(
            ("first", "all", "none"),
            "first",
            help=(
                "`first`: a commenter's comments wait for a moderator until one with the same "
                "e-mail address is approved; `all`: every comment waits; `none`: none waits"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()

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
# May be empty: an SMTP relay on the same machine needs no login, and with no
# SMTP host at all the server sends no mail (commons/comments/mail.py).
ENV_MAY_BE_EMPTY = set(ENV_SMTP.values())
# What an SMTP host needs besides: without them Isso's mail would fail.
ENV_SMTP_NEEDS = (ENV_SMTP["port"], ENV_SMTP["security"], ENV_SMTP["from"], ENV_SMTP["to"])
SMTP_SECURITY = ("none", "starttls", "ssl")
MIN_PASSWORD_LENGTH = 12


# Characters an address may not hold: it is written into isso.cfg (where Isso
# expands $NAME), the nginx snippet and the systemd unit.
UNSAFE = re.compile(r"[\s\"'$;{}\\`\x00-\x1f\x7f]")


def is_example(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return bool(EXAMPLE_HOST.search(host))


def check_options(raw) -> dict:
    """COMMENTS_SERVER with its defaults filled in, or SettingsError listing every bad value."""
    return SCHEMA.validate(raw)


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
        try:
            parts = urlsplit(url) if isinstance(url, str) else None
        except ValueError:
            parts = None
        if isinstance(url, str) and UNSAFE.search(url):
            problems.append(
                f"{key} is {url!r}; accepted: an address without spaces, quotes or any of "
                f"$ ; {{ }} \\ ` (the server's configuration files hold it). Fix: {fix}"
            )
        elif not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{key} is {url!r}; accepted: an absolute http(s) address. Fix: {fix}")
        elif is_example(url):
            problems.append(
                f"{key} is {url!r}, an example address that no server answers. Fix: {fix}"
            )
    return problems
