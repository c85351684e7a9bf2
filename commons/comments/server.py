"""The production-shaped comment server as a child process: Isso under
gunicorn, started from a configuration `write_server_files` wrote, stopped by
PID. Used by `invoke preview`, the tests and the load benchmark.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from commons.servers import LOOPBACK, GunicornIsso

from . import options as opts
from .config import ENV_FILE, env_values, write_server_files


def local_settings(
    settings: dict, siteurl: str, isso_url: str, data_dir: Path, bind: str, **server
) -> dict:
    """publishconf.py's settings with a local SITEURL, comment server and database."""
    discussion = settings.get("DISCUSSION") or {}
    return {
        **settings,
        "SITEURL": siteurl,
        "DISCUSSION": {
            **discussion,
            "provider": "isso",
            "isso": {**(discussion.get("isso") or {}), "url": isso_url},
        },
        opts.NAME: {
            **(settings.get(opts.NAME) or {}),
            "database": str(data_dir / "comments.db"),
            "bind": bind,
            **server,
        },
    }


def local_server(
    settings: dict,
    data_dir: Path,
    site_origin: str,
    host: str = LOOPBACK,
    port: int | None = None,
    password: str | None = None,
    workers: int = 2,
    public_url: str | None = None,
    **server,
) -> tuple[GunicornIsso, str]:
    """A production-shaped Isso on loopback for `site_origin`; returns it and its admin password.

    Moderation, the admin interface and the rate-limit guard are on, as in
    production; notifications go to the log (no SMTP) unless `server` says so.
    `public_url` is the address readers use (a proxy in front); by default
    the server's own.
    """
    from commons.servers import free_port

    data_dir = Path(data_dir).resolve()
    port = port or free_port(host)
    isso_url = public_url or f"http://{host}:{port}/"
    server = {"notify_email": False, "reply_notifications": False, **server}
    local = local_settings(settings, site_origin, isso_url, data_dir, f"{host}:{port}", **server)
    write_server_files(local, data_dir)
    password = password or secrets.token_urlsafe(12)
    if len(password) < opts.MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"{opts.ENV_ADMIN_PASSWORD} has {len(password)} characters; accepted: "
            f"{opts.MIN_PASSWORD_LENGTH} or more. Fix: choose a longer password, or unset it "
            "to have one made for this session."
        )
    env = {**env_values(data_dir / ENV_FILE), opts.ENV_ADMIN_PASSWORD: password}
    return GunicornIsso(data_dir, env, host=host, port=port, workers=workers), password
