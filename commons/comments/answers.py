"""The comment server's own answers (not Isso's): never cached, never sniffed.

The thread versions (versions.py) and the Webmention endpoint
(commons/webmention/endpoint.py) answer through this one function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def answer(
    start_response: Callable,
    status: str,
    body: bytes,
    media_type: str = "text/plain",
    headers: Iterable = (),
) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", f"{media_type}; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            *headers,
        ],
    )
    return [body]
