"""Fetching a webmention's source cannot be turned against the server's network:
hostile sources on 127.0.0.1 (huge, slow, redirecting inwards) are refused
within the limits, and no request reaches an address the rule does not allow."""

from __future__ import annotations

import time

import pytest

from commons.webmention.fetch import (
    LOOPBACK_PORTS_ENV,
    AddressRule,
    FetchLimits,
    FetchRefused,
    fetch,
)
from tests.webmention_servers import PageServer, html_answer, redirect_answer

LIMITS = FetchLimits(max_bytes=100_000, seconds=2.0, redirects=3)


def allowing(*servers: PageServer) -> AddressRule:
    return AddressRule(frozenset(server.port for server in servers))


def test_a_public_page_on_an_allowed_loopback_port_is_read():
    with PageServer(html_answer("<p>Hello</p>")) as page:
        found = fetch(page.origin + "/post/", allowing(page), LIMITS)
    assert found.status == 200 and found.is_html and b"Hello" in found.body
    assert page.requests == ["/post/"]


def test_loopback_is_refused_unless_its_port_is_allowed():
    with PageServer(html_answer("<p>secret</p>")) as inner:
        with pytest.raises(FetchRefused, match="loopback"):
            fetch(inner.origin + "/", AddressRule(), LIMITS)
        with pytest.raises(FetchRefused, match="loopback"):
            fetch(f"http://localhost:{inner.port}/", AddressRule(frozenset({1})), LIMITS)
    assert inner.requests == []


def test_a_redirect_to_an_internal_address_is_refused_before_any_connection():
    with PageServer(html_answer("<p>admin</p>")) as inner:
        targets = [
            f"http://127.0.0.1:{inner.port}/admin",  # loopback, another port
            f"http://[::ffff:127.0.0.1]:{inner.port}/admin",  # the same, as IPv6
            "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://[fd00::1]/",
            "http://0.0.0.0:80/",
        ]
        for target in targets:
            with PageServer(redirect_answer(target)) as hop:
                started = time.monotonic()
                with pytest.raises(FetchRefused) as refused:
                    fetch(hop.origin + "/start", allowing(hop), LIMITS)
                assert time.monotonic() - started < 1.0, target
                assert "not fetched" in str(refused.value), target
                assert refused.value.lasting
    assert inner.requests == []


def test_a_name_is_resolved_once_and_the_checked_address_is_used():
    asked = []

    def resolver(host, port):
        asked.append(host)
        # A rebinding name would answer a public address first, then loopback:
        # only the first answer is ever used.
        return ["127.0.0.1"] if len(asked) == 1 else ["10.9.9.9"]

    with PageServer(html_answer("<p>named</p>")) as page:
        found = fetch(f"http://blog.test:{page.port}/x", allowing(page), LIMITS, resolver)
    assert b"named" in found.body and asked == ["blog.test"]

    def mixed(host, port):
        return ["93.184.215.14", "127.0.0.1"]

    with pytest.raises(FetchRefused, match="loopback"):
        fetch("http://mixed.test/", AddressRule(), LIMITS, mixed)


def test_a_huge_page_is_cut_off_at_the_size_limit():
    body = "<p>" + "x" * 5_000_000 + "</p>"
    with PageServer(html_answer(body)) as page:
        started = time.monotonic()
        with pytest.raises(FetchRefused, match="larger than 100,000 bytes"):
            fetch(page.origin + "/", allowing(page), LIMITS)
    assert time.monotonic() - started < 2.0


def _dripping(request):
    request.send_response(200)
    request.send_header("Content-Type", "text/html")
    request.end_headers()
    for _ in range(60):
        request.wfile.write(b"<p>.</p>")
        request.wfile.flush()
        time.sleep(0.2)


def _silent_headers(request):
    request.wfile.write(b"HTTP/1.1 200 OK\r\n")
    request.wfile.flush()
    for _ in range(60):
        request.wfile.write(b"X-Slow: 1\r\n")
        request.wfile.flush()
        time.sleep(0.2)


@pytest.mark.parametrize("answer", [_dripping, _silent_headers], ids=["body", "headers"])
def test_a_slow_page_is_cut_off_at_the_deadline(answer):
    with PageServer(answer) as page:
        started = time.monotonic()
        with pytest.raises(FetchRefused, match="took longer than 2 s") as refused:
            fetch(page.origin + "/", allowing(page), LIMITS)
        elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 3.0
    assert not refused.value.lasting


def test_redirects_are_limited():
    with (
        PageServer(redirect_answer("/again")) as loop,
        pytest.raises(FetchRefused, match="redirects more than 3 times"),
    ):
        fetch(loop.origin + "/", allowing(loop), LIMITS)
    assert len(loop.requests) == 4


def test_the_loopback_setting_is_read_and_checked():
    assert AddressRule.from_environ({}).loopback_ports == frozenset()
    rule = AddressRule.from_environ({LOOPBACK_PORTS_ENV: "8001, 8002"})
    assert rule.loopback_ports == {8001, 8002}
    with pytest.raises(ValueError, match=LOOPBACK_PORTS_ENV):
        AddressRule.from_environ({LOOPBACK_PORTS_ENV: "all"})


def test_the_sites_own_origins_are_read_anywhere_but_not_where_they_redirect():
    with PageServer(html_answer("<p>internal</p>")) as inner:
        with PageServer(html_answer("<p>the site</p>")) as site:
            rule = AddressRule(trusted_origins=frozenset({site.origin}))
            assert b"the site" in fetch(site.origin + "/post/", rule, LIMITS).body
        with PageServer(redirect_answer(inner.origin + "/admin")) as site:
            rule = AddressRule(trusted_origins=frozenset({site.origin}))
            with pytest.raises(FetchRefused, match="loopback"):
                fetch(site.origin + "/moved/", rule, LIMITS)
    assert inner.requests == []
