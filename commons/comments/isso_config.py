"""Isso's configuration, written one way for every server Commons runs.

Two profiles of one `IssoProfile`: `production_profile` (what `invoke
comments-config` installs: the site's one origin, moderation, the admin
interface, mail, every secret a `$VARIABLE` from the environment) and
`local_profile` (`invoke serve`, the preview and the tests: any site origins,
a fixed salt, mail to the log). `isso_config` writes either as isso.cfg.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from commons.urls import origin_of

from . import options as opts

# The file name of an Isso configuration Commons writes.
ISSO_CFG = "isso.cfg"
# Isso's own default salt: a local server's identicons need no secret.
LOCAL_SALT = "Eech7co8Ohloopo9Ol6baimi"
MODERATION = ("none", "first", "all")


@dataclass(frozen=True)
class IssoProfile:
    """What differs between the Isso configurations Commons writes."""

    title: str  # the first comment line: whose configuration this is
    site_origins: tuple[str, ...]  # [general] host: Isso's CORS list, the guard's sites
    database: str
    listen: str  # http://host:port
    public_endpoint: str
    salt: str
    moderation: str = "none"  # one of MODERATION
    notify: str = "stdout"  # or "smtp"
    reply_notifications: bool = False
    latest: bool = False  # Isso's /latest endpoint
    admin: bool = False  # the admin interface, its password from the environment
    # Isso's rate-limit guard: None turns it off (tests that post many comments).
    ratelimit: int | None = 2
    direct_reply: int = 3
    reply_to_self: bool = False
    # Behind nginx on this machine: its X-Forwarded-For names the reader.
    trusted_proxies: tuple[str, ...] = ()
    smtp: bool = False  # the [smtp] section, from the environment
    rss_base: str = ""  # the site's address: per-thread Atom feeds (/feed?uri=)


def production_profile(siteurl: str, public_url: str, options: dict) -> IssoProfile:
    """The production server's profile: publishconf.py's SITEURL, the comment
    server's public address and COMMENTS_SERVER (validated)."""
    return IssoProfile(
        title=f"Isso's configuration for {siteurl}, written by `invoke comments-config`.\n"
        "# Secrets are $VARIABLES from the environment (comments.env); none is here.",
        site_origins=(origin_of(siteurl),),
        database=options["database"],
        listen=f"http://{options['bind']}",
        public_endpoint=public_url.rstrip("/"),
        salt=f"${opts.ENV_SALT}",
        moderation=options["moderation"],
        notify="smtp" if options["notify_email"] else "stdout",
        reply_notifications=options["reply_notifications"],
        latest=True,
        admin=True,
        ratelimit=options["ratelimit"],
        direct_reply=options["direct_reply"],
        trusted_proxies=("127.0.0.1", "::1"),
        smtp=bool(options["notify_email"] or options["reply_notifications"]),
        rss_base=f"{siteurl}/",
    )


def local_profile(
    data_dir: Path,
    site_origins: list[str],
    host: str,
    port: int,
    *,
    guard: bool = True,
    public_endpoint: str | None = None,
    moderation: bool = False,
    rss_base: str = "",
) -> IssoProfile:
    """A local server's profile (`invoke serve`, the tests): its database in `data_dir`."""
    return IssoProfile(
        title="A local Isso of Commons (`invoke serve`, the preview, the tests).",
        site_origins=tuple(site_origins),
        database=str(Path(data_dir) / "comments.db"),
        listen=f"http://{host}:{port}/",
        public_endpoint=public_endpoint or f"http://{host}:{port}",
        salt=LOCAL_SALT,
        moderation="all" if moderation else "none",
        ratelimit=2 if guard else None,
        reply_to_self=True,
        rss_base=rss_base,
    )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _list(values: tuple[str, ...]) -> str:
    """An Isso list value: one item a line, indented (empty: none)."""
    return "".join(f"\n    {value}" for value in values)


def isso_config(profile: IssoProfile) -> str:
    """isso.cfg for `profile`."""
    if profile.moderation not in MODERATION:
        raise ValueError(f"moderation is {profile.moderation!r}; accepted: {MODERATION}")
    smtp = opts.ENV_SMTP
    smtp_section = (
        f"""\
[smtp]
username = ${smtp["username"]}
password = ${smtp["password"]}
host = ${smtp["host"]}
port = ${smtp["port"]}
security = ${smtp["security"]}
to = ${smtp["to"]}
from = ${smtp["from"]}
timeout = 10

"""
        if profile.smtp
        else ""
    )
    admin = f"password = ${opts.ENV_ADMIN_PASSWORD}\n" if profile.admin else ""
    return f"""\
# {profile.title}

[general]
dbpath = {profile.database}
# The origins that may embed the comments (Isso's CORS list).
host ={_list(profile.site_origins)}
max-age = 15m
notify = {profile.notify}
reply-notifications = {_flag(profile.reply_notifications)}
log-file =
gravatar = false
latest-enabled = {_flag(profile.latest)}

[admin]
enabled = {_flag(profile.admin)}
{admin}
[moderation]
enabled = {_flag(profile.moderation != "none")}
approve-if-email-previously-approved = {_flag(profile.moderation == "first")}
purge-after = 30d

[server]
listen = {profile.listen}
public-endpoint = {profile.public_endpoint}
trusted-proxies ={_list(profile.trusted_proxies)}
samesite =

{smtp_section}[guard]
enabled = {_flag(profile.ratelimit is not None)}
ratelimit = {profile.ratelimit or 2}
direct-reply = {profile.direct_reply}
reply-to-self = {_flag(profile.reply_to_self)}
require-author = false
require-email = false

[hash]
salt = {profile.salt}
algorithm = pbkdf2

[rss]
base = {profile.rss_base}
limit = 100
"""
