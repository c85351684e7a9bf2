"""Fetching a page a stranger named, without letting the stranger probe our network.

A Webmention's `source` is any address a sender chooses, and the receiver
fetches it. So every fetch here:

- resolves the host name once, refuses it when any of its addresses is not a
  public one (loopback, private, link-local, reserved, multicast: the
  server's own services and its network), and connects to the address it
  checked, never resolving again (a name that changes its answer between
  the check and the connection gains nothing);
- follows at most `redirects` redirects, each checked the same way;
- reads at most `max_bytes` bytes, and stops at `seconds` whatever the
  server does (a page that drips a byte a second is cut at the deadline).

Loopback is refused too, except on the ports of COMMONS_WEBMENTION_LOOPBACK_PORTS
(a comma-separated list): the tests, where every site is on 127.0.0.1, and
a local preview set it; production leaves it unset (docs/webmention.md).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

from commons.comments.guard import normalise_origin

LOOPBACK_PORTS_ENV = "COMMONS_WEBMENTION_LOOPBACK_PORTS"
USER_AGENT = "Commons Webmention (+https://www.w3.org/TR/webmention/)"
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefused(Exception):
    """The page was not fetched, or not whole: the sentence says why. `lasting`
    when trying again later cannot help (an address refused, a page too large)."""

    def __init__(self, message: str, lasting: bool = True):
        super().__init__(message)
        self.lasting = lasting


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 1024 * 1024
    seconds: float = 10.0
    redirects: int = 5


@dataclass(frozen=True)
class AddressRule:
    """Which addresses a fetch may connect to: public ones, and loopback on these ports."""

    loopback_ports: frozenset[int] = frozenset()
    # The site's own origins (Isso's `[general] host`, the configuration's, not
    # a sender's): their pages are read at whatever address they have; a
    # redirect from one to anywhere else is checked as any address is.
    trusted_origins: frozenset[str] = frozenset()

    @classmethod
    def from_environ(cls, environ) -> AddressRule:
        text = (environ.get(LOOPBACK_PORTS_ENV) or "").strip()
        ports = set()
        for word in filter(None, (part.strip() for part in text.split(","))):
            if not word.isdigit() or not 0 < int(word) < 65536:
                raise ValueError(
                    f"{LOOPBACK_PORTS_ENV} is {text!r}; accepted: port numbers separated by "
                    "commas. Fix: correct it, or unset it (production: unset)."
                )
            ports.add(int(word))
        return cls(frozenset(ports))

    def refusal(self, address: str, port: int) -> str | None:
        """Why `address` may not be connected to, or None."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback and port in self.loopback_ports:
            return None
        if ip.is_loopback:
            return f"{ip} is a loopback address (this server itself)"
        if not ip.is_global or ip.is_multicast:
            return f"{ip} is not a public address (private, link-local or reserved)"
        return None


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)

    def text(self) -> str:
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip("\"' ")
        try:
            return self.body.decode(charset, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")

    @property
    def is_html(self) -> bool:
        media = self.content_type.split(";", 1)[0].strip().lower()
        return media in ("text/html", "application/xhtml+xml")


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused(f"{host} does not resolve ({error})", lasting=False) from None
    return list(dict.fromkeys(info[4][0] for info in infos))


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to one checked address, whatever the host name says now."""

    def __init__(self, host: str, port: int, address: str, tls: bool, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.tls = tls
        # Kept: http.client forgets `sock` once the response is read to its end
        # ("Connection: close"), but the watchdog must still be able to shut it.
        self.opened: socket.socket | None = None

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        if self.tls:
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self.host)
        self.sock = self.opened = sock


def fetch(
    url: str,
    rule: AddressRule,
    limits: FetchLimits | None = None,
    resolver: Resolver = resolve,
    accept: str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
) -> Page:
    """GET `url` under `rule` and `limits`; FetchRefused when it may not or could not be read."""
    limits = limits or FetchLimits()
    deadline = time.monotonic() + limits.seconds
    current = url
    for _hop in range(limits.redirects + 1):
        page = _fetch_once(current, rule, limits, resolver, deadline, accept)
        if page.status not in REDIRECTS:
            return page
        location = page.headers.get("location")
        if not location:
            raise FetchRefused(f"{current} answered {page.status} without a Location")
        current = urljoin(current, location.strip())
    raise FetchRefused(f"{url} redirects more than {limits.redirects} times")


def post_form(
    url: str,
    fields: dict[str, str],
    rule: AddressRule,
    limits: FetchLimits | None = None,
    resolver: Resolver = resolve,
) -> Page:
    """POST `fields` form-encoded to `url` under `rule` and `limits` (no redirect followed)."""
    limits = limits or FetchLimits()
    deadline = time.monotonic() + limits.seconds
    body = urlencode(fields).encode("ascii")
    return _fetch_once(url, rule, limits, resolver, deadline, "*/*", body)


def _fetch_once(
    url: str,
    rule: AddressRule,
    limits: FetchLimits,
    resolver: Resolver,
    deadline,
    accept,
    form: bytes | None = None,
) -> Page:
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        raise FetchRefused(f"{url!r} is not a valid address") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise FetchRefused(f"{url!r} is not an http(s) address")
    host = parts.hostname
    addresses = resolver(host, port)
    if not addresses:
        raise FetchRefused(f"{host} does not resolve")
    trusted = normalise_origin(url) in rule.trusted_origins
    for address in addresses:
        reason = None if trusted else rule.refusal(address, port)
        if reason:
            raise FetchRefused(f"{url} was not fetched: {host} resolves to {reason}")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchRefused(f"{url} took longer than {limits.seconds:g} s", lasting=False)
    connection = _PinnedConnection(host, port, addresses[0], scheme == "https", remaining)
    # Whatever the server does (headers a byte at a time), the socket is shut at the deadline.
    watchdog = threading.Timer(remaining, _shut, (connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": USER_AGENT, "Accept": accept, "Connection": "close"}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request("GET" if form is None else "POST", path, body=form, headers=headers)
        response = connection.getresponse()
        # A header sent several times (Link) is one, its values joined (RFC 9110 5.3).
        headers = {}
        for name, value in response.getheaders():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        body = bytearray()
        if response.status not in REDIRECTS:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchRefused(f"{url} is larger than {limits.max_bytes:,} bytes")
    except (OSError, http.client.HTTPException) as error:
        if time.monotonic() >= deadline:
            raise FetchRefused(f"{url} took longer than {limits.seconds:g} s", False) from None
        reason = error or type(error).__name__
        raise FetchRefused(f"{url} could not be read ({reason})", lasting=False) from None
    finally:
        watchdog.cancel()
        connection.close()
    if time.monotonic() >= deadline:
        raise FetchRefused(f"{url} took longer than {limits.seconds:g} s", lasting=False)
    return Page(url, response.status, headers.get("content-type", ""), bytes(body), headers)


def _shut(connection: _PinnedConnection) -> None:
    sock = connection.opened
    if sock is not None:
        # Already closed: the read it would stop has ended.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
