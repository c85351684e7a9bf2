"""Write the production comment server's files from the site's settings.

`write_server_files(settings, dest)` reads publishconf.py's SITEURL,
DISCUSSION and COMMENTS_SERVER and writes, for Isso (the default provider):

- `isso.cfg`: Isso's configuration; every secret is a `$VARIABLE` that Isso
  (0.13+) substitutes from the environment;
- `limits.json`: Commons' spam limits (commons/comments/limits.py), which
  the server reads beside isso.cfg;
- `comments.env`: that environment, mode 0600, with a salt generated once
  (kept when the file already exists) and the other secrets left for the
  maintainer to fill in;
- `commons-comments.service`: the systemd unit running Isso under gunicorn;
- `nginx-comments-acme.conf` (when the comment server has a host of its
  own): the HTTP-only server that answers certbot's challenge before any
  certificate exists;
- `nginx-comments.conf`: the reverse proxy in front of it, with the
  cross-site posting guard (with TLS, to install once the certificate exists),
  and `nginx-comments-http.conf`, its http-block half: the rate limits' zones
  and the guard's maps, written from the same GuardPolicy the server applies;
- `commons-publisher.service` and `publisher.env`: the comment publisher
  (commons/comments/publisher.py), which publishes each approved comment to
  the static site, and where it sends the site.

For Remark42 and Comentario, which Commons does not run itself, it writes a
starting environment file with the site's origin instead. Every problem is
reported at once, each with its key and its fix.
"""

from __future__ import annotations

import re
import secrets
import shlex
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

from commons.errors import OperationError
from commons.files import replace_file
from commons.publish_options import SCHEMA as PUBLISH_SCHEMA
from commons.settings import SettingsError
from commons.urls import origin_of

from . import options as opts
from .guard import LOGIN_BURST, GuardPolicy, nginx_rules, server_policy
from .isso_config import ISSO_CFG, isso_config, production_profile
from .limits import LIMITS_FILE, Limits

ENV_FILE = "comments.env"
UNIT_FILE = "commons-comments.service"
NGINX_FILE = "nginx-comments.conf"
# What nginx allows only in its http block: the posting and login limits' zones.
NGINX_HTTP_FILE = "nginx-comments-http.conf"
POST_ZONE = "commons_comment_posts"
LOGIN_ZONE = "commons_comments_login"
# The HTTP-only server of a comment host of its own, for certbot's first challenge.
NGINX_ACME_FILE = "nginx-comments-acme.conf"
PUBLISHER_UNIT_FILE = "commons-publisher.service"
PUBLISHER_ENV_FILE = "publisher.env"
# What the publisher's environment file gives `invoke publish`: the variables
# PUBLISH's options declare (commons/publish.py) for where the site goes.
PUBLISHER_ENV = {
    key: PUBLISH_SCHEMA.options[key].env for key in ("method", "rsync_target", "ssh_port")
}
SELF_HOSTED = ("isso", "remark42", "comentario")


class CommentsConfigError(OperationError):
    """The comment server cannot be configured; the message lists every key and its fix."""


def server_url(settings: dict) -> tuple[str, str, str]:
    """(provider, the comment server's public address, the key it comes from)."""
    discussion = settings.get("DISCUSSION") or {}
    provider = discussion.get("provider", "isso")
    key = {"isso": "url", "remark42": "host", "comentario": "url"}.get(provider)
    if key is None:
        return provider, "", ""
    url = (discussion.get(provider) or {}).get(key, "")
    return provider, url, f"DISCUSSION['{provider}']['{key}']"


def production_values(settings: dict) -> tuple[str, str, str, dict]:
    """(provider, SITEURL, server URL, COMMENTS_SERVER options) or CommentsConfigError."""
    provider, url, key = server_url(settings)
    if provider not in SELF_HOSTED:
        raise CommentsConfigError(
            f"DISCUSSION['provider'] is {provider!r}: that service is hosted elsewhere, so "
            "there is no comment server to configure. Fix: follow docs/comment-server.md, "
            '"Other providers", for what to set up on its side.'
        )
    problems = opts.check_addresses(settings.get("SITEURL"), url, key)
    try:
        options = opts.check_options(settings.get(opts.NAME))
    except SettingsError as error:
        problems.append(str(error))
        options = None
    if problems:
        raise CommentsConfigError("\n".join(problems))
    return provider, settings["SITEURL"].rstrip("/"), url, options


def env_values(path: Path) -> dict:
    values = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                values[name.strip()] = value.strip()
    return values


def isso_env(existing: dict) -> str:
    """The server's environment file: the salt generated once, the rest to fill in."""
    salt = existing.get(opts.ENV_SALT) or secrets.token_urlsafe(24)

    def keep(name, default=""):
        return existing.get(name, default)

    smtp = opts.ENV_SMTP
    return f"""\
# The comment server's secrets (systemd EnvironmentFile). Keep this file out
# of any repository: mode 0600, owned by root.
#
# Generated once; changing it changes every commenter's identicon.
{opts.ENV_SALT}={salt}
# The admin interface's password ({opts.MIN_PASSWORD_LENGTH} characters or more).
{opts.ENV_ADMIN_PASSWORD}={keep(opts.ENV_ADMIN_PASSWORD)}
# Notifications by e-mail: your SMTP relay, and who gets each new comment.
# Empty host: no mail (the server says so when it starts, and logs new
# comments with their approve links instead).
{smtp["host"]}={keep(smtp["host"])}
{smtp["port"]}={keep(smtp["port"], "587")}
# none, starttls or ssl
{smtp["security"]}={keep(smtp["security"], "starttls")}
{smtp["username"]}={keep(smtp["username"])}
{smtp["password"]}={keep(smtp["password"])}
# Name <address>: readers see the name.
{smtp["from"]}={keep(smtp["from"])}
{smtp["to"]}={keep(smtp["to"])}
"""


def systemd_unit(siteurl: str, options: dict) -> str:
    database_dir = str(Path(options["database"]).parent)
    config_dir = options["config_dir"]
    gunicorn = shlex.join(
        [
            f"{options['venv']}/bin/gunicorn",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--preload",
            "--no-control-socket",
            "--access-logfile",
            "-",
            "commons.comments.wsgi:create_app()",
        ]
    )
    return f"""\
# The comment server of {siteurl}: Isso under gunicorn, behind nginx.
# Install: /etc/systemd/system/{UNIT_FILE}; then
#   systemctl daemon-reload && systemctl enable --now {UNIT_FILE}
[Unit]
Description=Commons comment server (Isso) for {siteurl}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User={options["user"]}
Group={options["user"]}
WorkingDirectory={options["app_dir"]}
Environment=ISSO_SETTINGS={config_dir}/{ISSO_CFG}
EnvironmentFile={config_dir}/{ENV_FILE}
ExecStart={gunicorn}
Restart=on-failure
RestartSec=5
# The database's folder is the only place it may write.
ReadWritePaths={database_dir}
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=strict
ProtectHome=true
ProtectKernelTunables=true
ProtectControlGroups=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
UMask=0027

[Install]
WantedBy=multi-user.target
"""


# Strict-Transport-Security's max-age for the comment server's own host: a year,
# as SECURITY_HEADERS['hsts_max_age'] gives the site.
HSTS_MAX_AGE = 31_536_000


def systemd_value(value: str) -> str:
    """A value as a unit file reads it literally: `%` starts a systemd specifier."""
    return value.replace("%", "%%")


def publisher_unit(siteurl: str, public_url: str, options: dict) -> str:
    app_dir = options["app_dir"]
    command = shlex.join(
        [
            f"{options['venv']}/bin/python",
            "-m",
            "commons.comments.publisher",
            "--interval",
            str(options["publisher_interval"]),
        ]
    )
    return f"""\
# The comment publisher of {siteurl}: each comment approved on the comment
# server reaches the static site (page, listings, feeds, recent discussions)
# within seconds: changed threads refreshed, site built, rsync of what changed.
# Install: /etc/systemd/system/{PUBLISHER_UNIT_FILE}, and {PUBLISHER_ENV_FILE} beside
# comments.env; then
#   systemctl daemon-reload && systemctl enable --now {PUBLISHER_UNIT_FILE}
# Run `invoke publish` as {options["publisher_user"]} too: they share the snapshot
# cache and a lock, so they never publish at the same time.
[Unit]
Description=Commons comment publisher for {systemd_value(siteurl)}
After=network-online.target {UNIT_FILE}
Wants=network-online.target

[Service]
Type=simple
User={options["publisher_user"]}
Group={options["publisher_user"]}
WorkingDirectory={systemd_value(app_dir)}
Environment=COMMONS_SITEURL={systemd_value(siteurl)}
Environment=COMMONS_ISSO_URL={systemd_value(public_url)}
EnvironmentFile={systemd_value(options["config_dir"])}/{PUBLISHER_ENV_FILE}
ExecStart={systemd_value(command)}
# A failed round is retried inside the service; this is for a crash.
Restart=always
RestartSec=10
# Its state, the snapshot cache and the builds live in the repository's .cache.
ReadWritePaths={systemd_value(app_dir)}/.cache
NoNewPrivileges=true
PrivateTmp=true
ProtectSystem=strict
ProtectKernelTunables=true
ProtectControlGroups=true
UMask=0022

[Install]
WantedBy=multi-user.target
"""


def publisher_env(publish: dict, existing: dict) -> str:
    """Where the publisher sends the site: PUBLISH as set now, or as the file already says."""
    values = {}
    for key, name in PUBLISHER_ENV.items():
        value = str(publish.get(key) or "") or existing.get(name, "")
        if opts.UNSAFE.search(value):
            raise CommentsConfigError(
                f"PUBLISH[{key!r}] is {value!r}; accepted: a value without spaces, quotes or "
                "any of $ ; { } \\ ` (the publisher's environment file holds it). Fix: set "
                f"{name} to a plain value, for example user@host:/var/www/site/."
            )
        values[name] = value
    return f"""\
# Where the comment publisher sends the site (systemd EnvironmentFile of
# {PUBLISHER_UNIT_FILE}), as `invoke publish` reads it: README "Publishing".
{PUBLISHER_ENV["method"]}={values[PUBLISHER_ENV["method"]] or "rsync"}
# user@host:/var/www/site/ (the publisher's user holds the SSH key) or a folder.
{PUBLISHER_ENV["rsync_target"]}={values[PUBLISHER_ENV["rsync_target"]]}
{PUBLISHER_ENV["ssh_port"]}={values[PUBLISHER_ENV["ssh_port"]] or "22"}
"""


def guard_policy(siteurl: str, public_url: str, options: dict) -> GuardPolicy:
    """The cross-site rule of the server these files set up: the guard in front of
    Isso reads it from isso.cfg (guard.isso_policy), nginx gets it written out."""
    return server_policy([origin_of(siteurl)], public_url.rstrip("/"), isso_listen(options))


def isso_listen(options: dict) -> str:
    """Isso's `[server] listen`: where gunicorn serves it (COMMENTS_SERVER['bind'])."""
    return f"http://{options['bind']}"


def _location_path(public_url: str) -> str:
    path = urlsplit(public_url).path
    return path if path.endswith("/") else path + "/"


def nginx_http(siteurl: str, public_url: str, options: dict) -> str:
    """The http-context half of the limits: each address's posts (to the widget's
    /new and the form's two steps) and admin log-ins, counted in shared zones.

    A comment sent with the form is two posts (preview, publish), so nginx
    allows twice COMMENTS_SERVER's post_rate; the server itself counts comments.
    Log-ins get guard.LoginThrottle's allowance: a burst, then login_rate a minute.
    """
    path = re.escape(_location_path(public_url))
    posts = 2 * options["post_rate"]
    guard = nginx_rules(guard_policy(siteurl, public_url, options), _location_path(public_url))
    return f"""\
# The comment server of {siteurl}: include this in nginx's http block (Debian:
# copy it to /etc/nginx/conf.d/, which the http block includes), beside {NGINX_FILE}.
# At most {posts} posts a minute per address (COMMENTS_SERVER post_rate, twice: the
# form posts twice), webmentions included; reading is not counted.
map "$request_method:$uri" $commons_post_address {{
    default "";
    "~^POST:{path}(new|form/new|form/publish|webmention)$" $binary_remote_addr;
}}
limit_req_zone $commons_post_address zone={POST_ZONE}:10m rate={posts}r/m;
# Admin logins: {LOGIN_BURST} attempts at once per address, then {options["login_rate"]} a
# minute (COMMENTS_SERVER login_rate); the rest get 429.
map "$request_method:$uri" $commons_login_address {{
    default "";
    "~^POST:{path}login/?$" $binary_remote_addr;
}}
limit_req_zone $commons_login_address zone={LOGIN_ZONE}:1m rate={options["login_rate"]}r/m;
{guard.http}"""


def nginx_conf(siteurl: str, public_url: str, options: dict) -> str:
    parts = urlsplit(public_url)
    path = _location_path(public_url)
    bind = options["bind"]
    upstream = f"http://{bind}" if not bind.startswith("unix:") else f"http://{bind}:"
    script_name = ""
    if path != "/":
        script_name = f"        proxy_set_header X-Script-Name {path.rstrip('/')};\n"
    guard = nginx_rules(guard_policy(siteurl, public_url, options), path)
    location = f"""\
    location {path} {{
{textwrap.indent(guard.location, " " * 8)}
        limit_req zone={POST_ZONE} burst={2 * options["post_rate"]} nodelay;
        # Admin logins (the zone's key is empty for every other request).
        limit_req zone={LOGIN_ZONE} burst={LOGIN_BURST - 1} nodelay;
        limit_req_status 429;
        client_max_body_size {options["max_body"]};
        proxy_pass {upstream}/;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
{script_name}    }}
"""
    if not separate_host(siteurl, public_url):
        return (
            f"# The comment server of {siteurl} under {path}: include this inside the\n"
            "# site's `server` block, beside nginx-security-headers.conf, and\n"
            f"# {NGINX_HTTP_FILE} in the http block.\n" + location
        )
    host = parts.hostname
    return f"""\
# The comment server of {siteurl}, served at {public_url}: the TLS step.
# Install it in place of {NGINX_ACME_FILE} once certbot has made the
# certificate (docs/comment-server.md, "Install it"), with {NGINX_HTTP_FILE} in
# /etc/nginx/conf.d/, then `nginx -t && systemctl reload nginx`.
server {{
    # nginx 1.25.1 and later prefer `http2 on;` (they warn about this form).
    listen 443 ssl http2;
    listen [::]:443 ssl http2;
    server_name {host};
    ssl_certificate {options["certificates"]}/{host}/fullchain.pem;
    ssl_certificate_key {options["certificates"]}/{host}/privkey.pem;
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;
    # HTTPS only, from the first visit on (as the site's own headers say).
    add_header Strict-Transport-Security "max-age={HSTS_MAX_AGE}" always;

{location}}}

{nginx_http_server(host, options)}"""


def nginx_http_server(host: str, options: dict) -> str:
    """Port 80: certbot's challenges from the webroot (the first time and at every renewal);
    everything else is sent to https."""
    return f"""\
server {{
    listen 80;
    listen [::]:80;
    server_name {host};
    location /.well-known/acme-challenge/ {{
        root {options["acme_webroot"]};
        default_type text/plain;
    }}
    location / {{
        return 301 https://$host$request_uri;
    }}
}}
"""


def nginx_acme_conf(siteurl: str, public_url: str, options: dict) -> str:
    """The first step, before any certificate exists: nginx cannot load the TLS block yet."""
    host = urlsplit(public_url).hostname
    return (
        f"# The comment server of {siteurl}, served at {public_url}: the HTTP-only first\n"
        '# step, so that certbot can prove the name (docs/comment-server.md, "Install it").\n'
        f"# Replace it with {NGINX_FILE} once the certificate exists.\n"
        + nginx_http_server(host, options)
    )


def separate_host(siteurl: str, public_url: str) -> bool:
    """Whether the comment server has a host of its own (a server block and a certificate)."""
    return urlsplit(public_url).hostname != urlsplit(siteurl).hostname


def remark42_env(siteurl: str, public_url: str, site_id: str, existing: dict) -> str:
    secret = existing.get("SECRET") or secrets.token_urlsafe(32)
    return f"""\
# Remark42 for {siteurl} (https://remark42.com/docs/configuration/parameters/).
# Keep this file out of any repository (mode 0600).
REMARK_URL={public_url.rstrip("/")}
SITE={site_id}
SECRET={secret}
# Only the site may embed the comments.
ALLOWED_HOSTS='self',{origin_of(siteurl)}
AUTH_ANON={existing.get("AUTH_ANON", "true")}
ADMIN_SHARED_EMAIL={existing.get("ADMIN_SHARED_EMAIL", "")}
# Add at least one login provider, and the moderators' user ids:
# AUTH_GITHUB_CID=  AUTH_GITHUB_CSEC=  ADMIN_SHARED_ID=
"""


def comentario_env(siteurl: str, public_url: str, existing: dict) -> str:
    return f"""\
# Comentario for {siteurl} (https://docs.comentario.app/en/configuration/).
# Keep this file out of any repository (mode 0600).
BASE_URL={public_url.rstrip("/")}
SECRETS_FILE={existing.get("SECRETS_FILE", "/etc/comentario/secrets.yaml")}
HOST={existing.get("HOST", "127.0.0.1")}
PORT={existing.get("PORT", "8080")}
# Then, in Comentario's admin UI, add the domain {urlsplit(siteurl).netloc}
# (the site's origin: {origin_of(siteurl)}).
"""


def write_server_files(settings: dict, dest: Path) -> list[Path]:
    """Write the comment server's files into `dest`; return their paths."""
    provider, siteurl, public_url, options = production_values(settings)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if provider == "remark42":
        env = dest / "remark42.env"
        site_id = (settings["DISCUSSION"].get("remark42") or {}).get("site_id", "remark")
        text = remark42_env(siteurl, public_url, site_id, env_values(env))
        return [replace_file(env, text, mode=0o600)]
    if provider == "comentario":
        env = dest / "comentario.env"
        return [replace_file(env, comentario_env(siteurl, public_url, env_values(env)), mode=0o600)]
    env = dest / ENV_FILE
    publisher = dest / PUBLISHER_ENV_FILE
    publisher_text = publisher_env(settings.get("PUBLISH") or {}, env_values(publisher))
    written = [
        replace_file(
            dest / ISSO_CFG, isso_config(production_profile(siteurl, public_url, options))
        ),
        replace_file(dest / LIMITS_FILE, Limits.of(options).to_json()),
        replace_file(env, isso_env(env_values(env)), mode=0o600),
        replace_file(dest / UNIT_FILE, systemd_unit(siteurl, options)),
        replace_file(dest / NGINX_HTTP_FILE, nginx_http(siteurl, public_url, options)),
        replace_file(dest / PUBLISHER_UNIT_FILE, publisher_unit(siteurl, public_url, options)),
        replace_file(publisher, publisher_text, mode=0o600),
    ]
    if separate_host(siteurl, public_url):
        text = nginx_acme_conf(siteurl, public_url, options)
        written.append(replace_file(dest / NGINX_ACME_FILE, text))
    written.append(replace_file(dest / NGINX_FILE, nginx_conf(siteurl, public_url, options)))
    return written
