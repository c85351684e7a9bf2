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
- it comes from one of the site's origins and goes to one of the comment
  forms (FORM_PATHS, commons/comments/form.py): the plain HTML form on each
  post, which needs no script and so cannot send JSON; or
- it comes from the comment server's own origin: the admin interface and the
  moderation links of Isso's e-mails, served by Isso itself.

Everything else gets 403 before Isso sees it. `nginx_rules` writes the same
rule for a reverse proxy, and `guarded_isso` wraps Isso for any WSGI server
(`serve` for the local one; gunicorn in production).

The admin password is guessed through `POST /login`: `LoginThrottle` lets
each client address try LOGIN_BURST times at once and then one more time
every LOGIN_INTERVAL seconds, and answers 429 to the rest (the nginx snippet
of `invoke comments-config` sets the same limit with `limit_req`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPE = "application/json"
# The form endpoints (commons/comments/form.py), which read a form-encoded body.
FORM_NEW_PATH = "/form/new"
FORM_PUBLISH_PATH = "/form/publish"
FORM_PATHS = frozenset({FORM_NEW_PATH, FORM_PUBLISH_PATH})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Login attempts per client address: this many at once, then one per interval.
LOGIN_BURST = 5
LOGIN_INTERVAL = 12.0
LOGIN_PATH = "/login"
# Past this many addresses, those whose allowance is whole again are forgotten.
LOGIN_MAX_TRACKED = 10_000


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
        if not is_json(environ) and environ.get("PATH_INFO") not in FORM_PATHS:
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


class LoginThrottle:
    """WSGI middleware: 429 for a login attempt over its address's allowance.

    Each address has LOGIN_BURST attempts, and gets one back every
    LOGIN_INTERVAL seconds. Behind a proxy every request comes from the
    proxy's address, so the allowance is shared: a guesser then locks the
    admin out for as long as the guessing lasts, and no longer.
    """

    def __init__(
        self,
        app: Callable,
        burst: int = LOGIN_BURST,
        interval: float = LOGIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app = app
        self.burst = burst
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        # address -> (attempts left, when that was counted)
        self._allowance: dict[str, tuple[float, float]] = {}

    def _allowed(self, address: str) -> bool:
        now = self.clock()
        with self._lock:
            left, since = self._allowance.get(address, (self.burst, now))
            left = min(self.burst, left + (now - since) / self.interval)
            if len(self._allowance) >= LOGIN_MAX_TRACKED:
                self._forget_whole(now)
            if left < 1:
                self._allowance[address] = (left, now)
                return False
            self._allowance[address] = (left - 1, now)
            return True

    def _forget_whole(self, now: float) -> None:
        for address, (left, since) in list(self._allowance.items()):
            if left + (now - since) / self.interval >= self.burst:
                del self._allowance[address]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        is_login = (
            environ.get("REQUEST_METHOD", "GET").upper() == "POST"
            and environ.get("PATH_INFO", "").rstrip("/") == LOGIN_PATH
        )
        if not is_login or self._allowed(environ.get("REMOTE_ADDR") or ""):
            return self.app(environ, start_response)
        data = b"Too many login attempts: wait a minute and try again.\n"
        start_response(
            "429 Too Many Requests",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(data))),
                ("Retry-After", str(int(self.interval))),
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


def guarded_isso(config_file: str, multiprocessing: bool = False) -> LoginThrottle:
    """Isso's WSGI application for `config_file`, with the comment forms and the spam
    limits (commons/comments/form.py), behind the cross-site guard and the login throttle.

    The allowed site origins are Isso's own `[general] host` list (the origins
    its CORS answers), and its own origin is `[server] public-endpoint`, so
    the guard needs no settings of its own. With gunicorn:
    `gunicorn 'commons.comments.guard:guarded_isso("/etc/isso.cfg", True)'`.
    """
    from isso import config, make_app

    from .form import CommentForms
    from .limits import Limits, limits_db
    from .mail import turn_off_mail_without_smtp
    from .versions import ThreadVersions

    conf = config.load(config.default_file(), config_file)
    turn_off_mail_without_smtp(conf)
    if multiprocessing:
        app = make_app(conf, threading=False, multiprocessing=True)
    else:
        app = make_app(conf)
    # Commons' one read-only addition to Isso's API (commons/comments/versions.py):
    # what the comment snapshot asks to know which threads changed.
    app = ThreadVersions(app, conf.get("general", "dbpath"))
    policy = isso_policy(conf)
    forms = CommentForms(
        app, policy, Limits.beside(config_file), limits_db(conf.get("general", "dbpath"))
    )
    return LoginThrottle(CrossSiteGuard(forms, policy))


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
            "map $uri $commons_form {",
            "    default 0;",
            '    "~/form/(new|publish)$" 1;',
            "}",
            'map "$request_method:$commons_origin_kind:$commons_json:$commons_form" '
            "$commons_refuse {",
            "    default 1;",
            '    "~^(GET|HEAD|OPTIONS):" 0;',
            '    "~^[A-Z]+:server:" 0;',
            '    "~^[A-Z]+:site:1:" 0;',
            '    "~^[A-Z]+:site:0:1$" 0;',
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
