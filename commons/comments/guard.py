"""The cross-site guard in front of the comment server.

Isso accepts a comment whatever the request's Content-Type, so any page on
any site can make a visitor's browser post one: a `no-cors` fetch or a plain
HTML form sends a "simple" request, which no CORS preflight stops. The guard
lets a state-changing request (anything but GET, HEAD and OPTIONS) through
only when

- it comes from one of the site's origins (its `Origin` header, or the
  origin of its `Referer` when a browser sent no `Origin`) and says
  `Content-Type: application/json`, which no cross-site page can send
  without a CORS preflight that Isso answers only for the site's origins; or
- it comes from the comment server's own origin: the admin interface and the
  moderation links of Isso's e-mails, served by Isso itself.

Everything else gets 403 before Isso sees it. `nginx_rules` writes the same
rule for a reverse proxy, and `guarded_isso` wraps Isso for any WSGI server
(`serve` for the local one; gunicorn in production).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPE = "application/json"
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case without the scheme's default port, or None.

    Accepts an origin or any absolute http(s) URL (a Referer, a config value
    with a path or trailing slash).
    """
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def request_origin(environ: dict) -> str | None:
    """Where the request comes from: its Origin header, else its Referer's origin.

    None when there is neither, or when the browser sent `Origin: null`
    (sandboxed frames, data: URLs, some redirects).
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        return normalise_origin(origin) if origin.strip() != "null" else None
    referer = environ.get("HTTP_REFERER")
    return normalise_origin(referer) if referer else None


def is_json(environ: dict) -> bool:
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return media_type == JSON_TYPE


@dataclass(frozen=True)
class GuardPolicy:
    """The origins the guard lets write: the site's, and the comment server's own."""

    site_origins: frozenset[str]
    server_origins: frozenset[str]

    @classmethod
    def of(cls, site_origins: Iterable[str], server_origins: Iterable[str] = ()) -> GuardPolicy:
        sites = {normalise_origin(origin) for origin in site_origins}
        servers = {normalise_origin(origin) for origin in server_origins}
        sites.discard(None)
        servers.discard(None)
        if not sites:
            raise ValueError(
                "The cross-site guard needs at least one site origin "
                "(such as https://commons.example.org)."
            )
        return cls(frozenset(sites), frozenset(servers))

    def refusal(self, environ: dict) -> str | None:
        """Why the request is refused, or None when it may go through."""
        if environ.get("REQUEST_METHOD", "GET").upper() in SAFE_METHODS:
            return None
        origin = request_origin(environ)
        if origin is None:
            return "it names no origin (no Origin or Referer header)"
        if origin in self.server_origins:
            return None
        if origin not in self.site_origins:
            return f"it comes from {origin}, which is not this site"
        if not is_json(environ):
            return f"it is not {JSON_TYPE}"
        return None


class CrossSiteGuard:
    """WSGI middleware: 403 for a state-changing request the policy refuses."""

    def __init__(self, app: Callable, policy: GuardPolicy):
        self.app = app
        self.policy = policy

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        reason = self.policy.refusal(environ)
        if reason is None:
            return self.app(environ, start_response)
        body = f"Forbidden: a cross-site request to the comment server was refused: {reason}.\n"
        data = body.encode("utf-8")
        start_response(
            "403 Forbidden",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(data))),
                ("Vary", "Origin"),
            ],
        )
        return [data]


def isso_policy(conf) -> GuardPolicy:
    """The policy an Isso configuration implies: its `host` list, its public endpoint."""
    sites = list(conf.getiter("general", "host"))
    servers = [conf.get("server", "public-endpoint") or ""]
    listen = conf.get("server", "listen") or ""
    if listen.startswith("http://"):
        servers.append(listen)
    return GuardPolicy.of(sites, [server for server in servers if server])


def guarded_isso(config_file: str, multiprocessing: bool = False) -> CrossSiteGuard:
    """Isso's WSGI application for `config_file`, behind the cross-site guard.

    The allowed site origins are Isso's own `[general] host` list (the origins
    its CORS answers), and its own origin is `[server] public-endpoint`, so
    the guard needs no settings of its own. With gunicorn:
    `gunicorn 'commons.comments.guard:guarded_isso("/etc/isso.cfg", True)'`.
    """
    from isso import config, make_app

    from .mail import turn_off_mail_without_smtp

    conf = config.load(config.default_file(), config_file)
    turn_off_mail_without_smtp(conf)
    if multiprocessing:
        app = make_app(conf, threading=False, multiprocessing=True)
    else:
        app = make_app(conf)
    return CrossSiteGuard(app, isso_policy(conf))


@dataclass(frozen=True)
class NginxRules:
    """The guard as nginx configuration: `http` goes in the http block (maps),
    `location` in the location that proxies to the comment server."""

    http: str
    location: str


def nginx_rules(site_origins: Iterable[str], server_origins: Iterable[str]) -> NginxRules:
    """The same rule as CrossSiteGuard, for nginx in front of the comment server."""
    policy = GuardPolicy.of(site_origins, server_origins)

    def entries(origins: frozenset[str], kind: str) -> list[str]:
        return [f'    "{origin}" {kind};' for origin in sorted(origins)]

    http = "\n".join(
        [
            "# Commons: refuse forged cross-site writes to the comment server.",
            "map $http_referer $commons_referer_origin {",
            '    default "";',
            '    "~^(?<commons_referer>https?://[^/?#]+)" $commons_referer;',
            "}",
            "map $http_origin $commons_request_origin {",
            "    default $http_origin;",
            '    "" $commons_referer_origin;',
            "}",
            "map $commons_request_origin $commons_origin_kind {",
            "    default other;",
            *entries(policy.site_origins, "site"),
            *entries(policy.server_origins - policy.site_origins, "server"),
            "}",
            "map $content_type $commons_json {",
            "    default 0;",
            '    "~*^application/json\\s*(;.*)?$" 1;',
            "}",
            'map "$request_method:$commons_origin_kind:$commons_json" $commons_refuse {',
            "    default 1;",
            '    "~^(GET|HEAD|OPTIONS):" 0;',
            '    "~^[A-Z]+:server:" 0;',
            '    "~^[A-Z]+:site:1$" 0;',
            "}",
            "",
        ]
    )
    location = "\n".join(
        [
            "# Commons: see the maps in the http block.",
            "if ($commons_refuse) {",
            "    return 403;",
            "}",
            "",
        ]
    )
    return NginxRules(http=http, location=location)
