"""Local servers answer only requests addressed to this machine by name.

A page on another site can point its own host name at 127.0.0.1 (DNS
rebinding) and then read a local server's answers as its own origin. The
browser still sends that foreign name in the `Host` header, so the preview,
the static server and the local comment server answer only requests whose
Host is 127.0.0.1, localhost or [::1] (with or without a port), or the address
the server was explicitly bound to, and refuse the rest with 421 Misdirected
Request. The production comment server, behind nginx with the site's real
host name, does not go through this check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Addresses that bind every interface: they name no host a request could use.
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]"})
STATUS = "421 Misdirected Request"
REFUSAL = (
    "This local server answers only requests for 127.0.0.1, localhost or [::1]; "
    "open it at one of those addresses.\n"
)


def allowed_hosts(bind: str | None = None) -> frozenset[str]:
    """The host names a local server answers: the loopback names, and the
    address it was bound to when that is one host (`--host 192.168.1.5`)."""
    if not bind or bind in WILDCARD_BINDS:
        return LOOPBACK_NAMES
    name = f"[{bind}]" if ":" in bind and not bind.startswith("[") else bind
    return LOOPBACK_NAMES | {name.lower()}


def host_name(header: str | None) -> str | None:
    """The Host header's name without its port, in lower case; None if malformed."""
    if not header:
        return None
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end == -1:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, _colon, port = value.partition(":")
        rest = f":{port}" if _colon else ""
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        return None
    return name


def is_allowed(header: str | None, allowed: Iterable[str]) -> bool:
    return host_name(header) in allowed


class LoopbackHostMixin:
    """For http.server handlers: 421 before any method runs when Host names
    another machine. Set `allowed_hosts` on the handler class."""

    allowed_hosts: frozenset[str] = LOOPBACK_NAMES

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if is_allowed(self.headers.get("Host"), self.allowed_hosts):
            return True
        body = REFUSAL.encode("utf-8")
        self.send_response(421, "Misdirected Request")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
        return False


class LoopbackHostGuard:
    """WSGI middleware: the same refusal, for the local comment server."""

    def __init__(self, app: Callable, allowed: frozenset[str] = LOOPBACK_NAMES):
        self.app = app
        self.allowed = allowed

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if is_allowed(environ.get("HTTP_HOST"), self.allowed):
            return self.app(environ, start_response)
        body = REFUSAL.encode("utf-8")
        start_response(
            STATUS,
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]
