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

from . import options as opts
from .config import server_url


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
            'publishconf.py) to your comment server, see README "The comment server in '
            'production".'
        )
    return problems


def _request(url: str, method: str = "GET", headers: dict | None = None, timeout: float = 10):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read(65536)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def server_problems(settings: dict, timeout: float = 10) -> list[str]:
    """What is wrong with the live comment server (empty list: it answers and allows the site)."""
    provider, url, key = server_url(settings)
    if not key:
        return []  # a hosted service: nothing of ours to ask
    site = opts.origin(settings["SITEURL"])
    try:
        if provider == "isso":
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
            allowed = headers.get("Access-Control-Allow-Origin") if headers else None
            if status != 200 or allowed != site:
                return [
                    f"The comment server {url} does not allow the site's origin {site} "
                    f"(preflight: HTTP {status}, Access-Control-Allow-Origin: {allowed!r}). "
                    f"Fix: its isso.cfg [general] host must be {site}; run `invoke "
                    "comments-config` and install the new isso.cfg."
                ]
            status, _, body = _request(urljoin(url, "config"), timeout=timeout)
            if status != 200 or "config" not in json.loads(body or b"{}"):
                return [
                    f"{url}config answers HTTP {status}, not Isso's configuration. "
                    f"Fix: check {key} and the proxy in front of Isso."
                ]
        else:
            probe = {"remark42": "api/v1/ping", "comentario": "comentario.js"}[provider]
            status, _, _ = _request(urljoin(url, probe), timeout=timeout)
            if status != 200:
                return [
                    f"{urljoin(url, probe)} answers HTTP {status}. Fix: check {key} and "
                    "that the server runs."
                ]
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return [
            f"The comment server {url} ({key}) does not answer: {reason}. Fix: start it "
            '(README "The comment server in production"), or publish with --offline to '
            "skip this check."
        ]
    return []
