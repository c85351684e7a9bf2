"""Endpoint discovery as W3C Webmention 3.1.2 says, against pages on 127.0.0.1:
the HTTP Link header first, then the first <link> or <a> with rel=webmention,
each resolved against the page's address after redirects, its query kept."""

from __future__ import annotations

import pytest

from commons.webmention.fetch import AddressRule, FetchLimits
from commons.webmention.send import endpoint_of
from tests.webmention_servers import PageServer

LIMITS = FetchLimits(seconds=5.0)


def page(headers: dict, body: str):
    def answer(request):
        if request.path == "/moved":
            request.send_response(302)
            request.send_header("Location", "/deep/post/")
            request.end_headers()
            return
        data = body.encode()
        request.send_response(200)
        for name, value in headers.items():
            for one in value if isinstance(value, list) else [value]:
                request.send_header(name, one)
        request.send_header("Content-Type", "text/html")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return answer


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (
            {"Link": '<https://in.example/wm?x=1>; rel="webmention"'},
            "",
            "https://in.example/wm?x=1",
        ),
        ({"Link": "</wm/>; rel=webmention"}, "", "{origin}/wm/"),
        # Another rel first, then two rels in one value; a second Link header.
        (
            {"Link": ['<https://a.example/>; rel="hub"', '<rel.php>; rel="nope webmention"']},
            "",
            "{origin}/deep/post/rel.php",
        ),
        (
            {},
            '<p><a rel="webmention" href="a-first">a</a></p><link rel="webmention" href="/l">',
            "{origin}/deep/post/a-first",
        ),
        ({}, '<link rel="webmention" href="">', "{origin}/deep/post/"),
        ({}, '<a rel="webmention-not" href="/x">x</a><a rel="me" href="/y">y</a>', None),
        (
            {"Link": '<https://in.example/h>; rel="webmention"'},
            '<link rel="webmention" href="/l">',
            "https://in.example/h",
        ),
    ],
    ids=[
        "header",
        "header-relative",
        "header-several",
        "html-order",
        "empty-href",
        "none",
        "header-wins",
    ],
)
def test_the_endpoint_is_discovered_as_the_specification_says(headers, body, expected):
    with PageServer(page(headers, body)) as server:
        rule = AddressRule(frozenset({server.port}))
        found = endpoint_of(server.origin + "/moved", rule, LIMITS)
    assert found == (expected.format(origin=server.origin) if expected else None)
