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
  forms (FORM_PATHS, commons/comments/form.py), which read a form-encoded
  body: a theme that still carries the form on its posts; or
- it comes from the comment server's own origin: its comment form pages
  (commons/comments/form.py: the empty form the post's "Leave a comment" link
  opens, and the preview, which post to FORM_PATHS), the admin interface and
  the moderation links of Isso's e-mails; or
- it goes to the Webmention endpoint (WEBMENTION_PATH,
  commons/webmention/endpoint.py), which other sites' servers post to without
  an Origin, as the specification has them, and which changes nothing but its
  own queue of mentions to verify and moderate.

Everything else gets 403 before Isso sees it. `nginx_rules` writes the same
rule for a reverse proxy, and commons/comments/app.py puts `CrossSiteGuard`
in front of Isso for any WSGI server.

The admin password is guessed through `POST /login`: `LoginThrottle` lets
each client address try LOGIN_BURST times at once and then one more time
every LOGIN_INTERVAL seconds, and answers 429 to the rest (the nginx snippet
of `invoke comments-config` sets the same limit with `limit_req`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from commons.urls import DEFAULT_PORTS, normalise_origin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPE = "application/json"
# The form endpoints (commons/comments/form.py), which read a form-encoded body.
FORM_NEW_PATH = "/form/new"
FORM_PUBLISH_PATH = "/form/publish"
FORM_PATHS = frozenset({FORM_NEW_PATH, FORM_PUBLISH_PATH})
# The Webmention endpoint (commons/webmention/endpoint.py), open to every origin.
WEBMENTION_PATH = "/webmention"
# Login attempts per client address: this many at once, then one per interval.
LOGIN_BURST = 5
LOGIN_INTERVAL = 12.0
LOGIN_PATH = "/login"
# Past this many addresses, those whose allowance is whole again are forgotten.
LOGIN_MAX_TRACKED = 10_000


def request_origin(environ: dict) -> str | None:
    """Where the request comes from: its Origin header, else (no Origin, or an
    empty one) its Referer's origin.

    None when neither names an http(s) origin, or when the browser sent
    `Origin: null` (sandboxed frames, data: URLs, some redirects). An empty
    Origin counts as none because nginx cannot tell the two apart, and the
    nginx rules must decide as this does.
    """
    origin = (environ.get("HTTP_ORIGIN") or "").strip()
    if origin:
        return normalise_origin(origin)
    referer = environ.get("HTTP_REFERER")
    return normalise_origin(referer) if referer else None


def is_json(environ: dict) -> bool:
    """Whether the body is said to be JSON: the media type before any parameter,
    in any case, with the blanks HTTP allows around it."""
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip(" \t").lower()
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
        if environ.get("PATH_INFO") == WEBMENTION_PATH:
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
    return server_policy(
        list(conf.getiter("general", "host")),
        conf.get("server", "public-endpoint") or "",
        conf.get("server", "listen") or "",
    )


def server_policy(hosts: Iterable[str], public_endpoint: str, listen: str) -> GuardPolicy:
    """The policy of a comment server embedded by `hosts`, reached at `public_endpoint`
    and listening at `listen` (an `http://` address, or a socket: no origin)."""
    servers = [public_endpoint]
    if listen.startswith("http://"):
        servers.append(listen)
    return GuardPolicy.of(hosts, [server for server in servers if server])


@dataclass(frozen=True)
class NginxRules:
    """The guard as nginx configuration: `http` goes in the http block (maps),
    `location` in the location that proxies to the comment server."""

    http: str
    location: str


def nginx_origin_pattern(origin: str) -> str:
    """A PCRE (for a case-blind `~*` map entry) matching every Origin or Referer
    value that `normalise_origin` turns into `origin`: the scheme and host in any
    case, any user name (visible ASCII, no brackets) before the host, the default
    port written or not (with leading zeros), then nothing, or a path, query or
    fragment."""
    parts = urlsplit(origin)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    host = parts.netloc.rpartition(":")[0] if parts.port else parts.netloc
    port_pattern = f"(:0*{port}|:)?" if port == DEFAULT_PORTS[parts.scheme] else f":0*{port}"
    return (
        rf"^{parts.scheme}://((?:(?![/?#\[\]])[\x21-\x7e])*@)?{re.escape(host)}{port_pattern}"
        r"([/?#].*)?$"
    )


def nginx_string(value: str) -> str:
    """`value` as a double-quoted nginx string: its quotes and backslashes escaped.

    For a map's key: nginx reads no variable in a regular expression there."""
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in value):
        raise ValueError(f"{value!r} has a control character; nginx cannot hold it")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_rules(policy: GuardPolicy, location: str = "/") -> NginxRules:
    """`policy` as nginx configuration in front of the comment server, served at
    `location` (the path nginx strips before proxying): the same decision as
    `GuardPolicy.refusal`, made from the same origins, methods, type and paths."""
    origins = [
        # The server's own origins first: refusal() lets them through before any other test.
        *((origin, "server") for origin in sorted(policy.server_origins)),
        *((origin, "site") for origin in sorted(policy.site_origins - policy.server_origins)),
    ]
    json_type = "~*^[ \\t]*" + re.escape(JSON_TYPE) + "[ \\t]*(;.*)?$"
    forms = "|".join(re.escape(path) for path in sorted(FORM_PATHS))
    prefix = re.escape(location.rstrip("/"))
    form_paths = f"~^{prefix}({forms})$"
    webmention_path = f"~^{prefix}{re.escape(WEBMENTION_PATH)}$"
    safe_methods = f"~^({'|'.join(sorted(SAFE_METHODS))}):"
    http = "\n".join(
        [
            "# Commons: refuse forged cross-site writes to the comment server",
            "# (written from commons/comments/guard.py's GuardPolicy: the same rule).",
            "# The request's origin: its Origin header, else (none, or empty) its Referer.",
            "map $http_origin $commons_origin_source {",
            '    "" $http_referer;',
            "    default $http_origin;",
            "}",
            "map $commons_origin_source $commons_origin_kind {",
            "    default other;",
            *(
                f"    {nginx_string('~*' + nginx_origin_pattern(origin))} {kind};"
                for origin, kind in origins
            ),
            "}",
            "map $content_type $commons_json {",
            "    default 0;",
            f"    {nginx_string(json_type)} 1;",
            "}",
            "map $uri $commons_form {",
            "    default 0;",
            f"    {nginx_string(form_paths)} 1;",
            "}",
            "map $uri $commons_webmention {",
            "    default 0;",
            f"    {nginx_string(webmention_path)} 1;",
            "}",
            'map "$request_method:$commons_origin_kind:$commons_json:$commons_form:'
            '$commons_webmention" $commons_refuse {',
            "    default 1;",
            f"    {nginx_string(safe_methods)} 0;",
            '    "~^[A-Z]+:[a-z]+:[01]:[01]:1$" 0;',
            '    "~^[A-Z]+:server:" 0;',
            '    "~^[A-Z]+:site:1:" 0;',
            '    "~^[A-Z]+:site:0:1:" 0;',
            "}",
            "",
        ]
    )
    location_rules = "\n".join(
        [
            "# Commons: the cross-site guard (see the maps in the http block).",
            "if ($commons_refuse) {",
            "    return 403;",
            "}",
            "",
        ]
    )
    return NginxRules(http=http, location=location_rules)
