"""Before publishing: is the discussion the site points at real and reachable?

`address_problems` refuses example addresses (no network needed);
`server_problems` asks the comment server itself, as a reader's browser on
the site would: Isso must answer a CORS preflight from SITEURL's origin.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urljoin

from commons.urls import origin_of

from . import options as opts
from .config import UNIT_FILE, server_url


def address_problems(settings: dict) -> list[str]:
    _provider, url, key = server_url(settings)
    siteurl = settings.get("SITEURL") or ""
    problems = []
    if not siteurl or opts.is_example(siteurl):
        problems.append(
            f"SITEURL is {siteurl!r}, an example address. Fix: set COMMONS_SITEURL (or "
            "SITEURL in publishconf.py) to the site's public address."
        )
    if key and opts.is_example(url):
        problems.append(
            f"{key} is {url!r}, an example address: every post would embed a comment "
            "server that does not exist. Fix: set COMMONS_ISSO_URL (or that key in "
            "publishconf.py) to your comment server, see docs/comment-server.md."
        )
    return problems


# A proxy's answer when what stands behind it is down, stopped or too slow:
# the comment server itself never said anything about the site's origin.
GATEWAY_STATUS = {
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
RETRY = (
    "then publish again (or with --offline to skip this check, docs/comment-server.md, "
    '"Preview and publish check it")'
)


def _request(url: str, method: str = "GET", headers: dict | None = None, timeout: float = 10):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read(65536)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def gateway_problem(url: str, key: str, status: int, provider: str = "isso") -> str:
    unit = UNIT_FILE.removesuffix(".service") if provider == "isso" else provider
    return (
        f"The comment server {url} ({key}) answers HTTP {status} {GATEWAY_STATUS[status]}: "
        "the proxy in front of it runs, but the comment server behind it does not answer "
        f"(stopped, crashed or still starting). Fix: on the server, `systemctl status {unit}` "
        f"and `journalctl -u {unit}` say why; start it (`systemctl start {unit}`), {RETRY}."
    )


def unreachable_problem(url: str, key: str, error: BaseException, timeout: float) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError):
        return (
            f"The comment server {url} ({key}) did not answer within {timeout:g} seconds. "
            "Fix: check that the machine is up and that its firewall lets HTTPS in, and the "
            f"server's load (`systemctl status commons-comments nginx`), {RETRY}."
        )
    if isinstance(reason, ConnectionRefusedError):
        return (
            f"The comment server {url} ({key}) refuses connections: nothing listens at that "
            "address and port. Fix: start nginx (`systemctl start nginx`) and check that "
            f"{key} names the right host and port, {RETRY}."
        )
    return (
        f"The comment server {url} ({key}) does not answer: {reason}. Fix: check {key} "
        f"and the server (docs/comment-server.md), {RETRY}."
    )


def _isso_problems(url: str, key: str, site: str, timeout: float) -> list[str]:
    status, headers, _ = _request(
        urljoin(url, "new?uri=%2F"),
        "OPTIONS",
        {
            "Origin": site,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout,
    )
    if status in GATEWAY_STATUS:
        return [gateway_problem(url, key, status)]
    allowed = headers.get("Access-Control-Allow-Origin") if headers else None
    if status != 200:
        return [
            f"The comment server {url} ({key}) answers HTTP {status} to a CORS preflight, "
            "which Isso answers with 200. Fix: check that "
            f"{key} is the address nginx serves Isso at (with its path), and the proxy."
        ]
    if allowed != site:
        return [
            f"The comment server {url} does not allow the site's origin {site} "
            f"(preflight: HTTP {status}, Access-Control-Allow-Origin: {allowed!r}). "
            f"Fix: its isso.cfg [general] host must be {site}; run `.venv/bin/invoke "
            "comments-config` and install the new isso.cfg."
        ]
    status, _, body = _request(urljoin(url, "config"), timeout=timeout)
    if status in GATEWAY_STATUS:
        return [gateway_problem(url, key, status)]
    if status != 200 or "config" not in json.loads(body or b"{}"):
        return [
            f"{url}config answers HTTP {status}, not Isso's configuration. "
            f"Fix: check {key} and the proxy in front of Isso."
        ]
    return []


def server_problems(settings: dict, timeout: float = 10) -> list[str]:
    """What is wrong with the live comment server (empty list: it answers and allows the site)."""
    provider, url, key = server_url(settings)
    if not key:
        return []  # a hosted service: nothing of ours to ask
    site = origin_of(settings["SITEURL"])
    try:
        if provider == "isso":
            return _isso_problems(url, key, site, timeout)
        probe = {"remark42": "api/v1/ping", "comentario": "comentario.js"}[provider]
        status, _, _ = _request(urljoin(url, probe), timeout=timeout)
        if status in GATEWAY_STATUS:
            return [gateway_problem(url, key, status, provider)]
        if status != 200:
            return [
                f"{urljoin(url, probe)} answers HTTP {status}. Fix: check {key} and "
                "that the server runs."
            ]
    except (urllib.error.URLError, OSError, ValueError) as error:
        return [unreachable_problem(url, key, error, timeout)]
    return []
