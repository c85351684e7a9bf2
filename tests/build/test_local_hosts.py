"""The local servers answer only requests for 127.0.0.1, localhost or [::1]:
a DNS-rebound name (Host: evil.example) gets 421 from each of them."""

from __future__ import annotations

import http.client

import pytest

from tests.preview.helpers import PreviewProcess, Site

FOREIGN = ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.:1", ""]


def status_for(port: int, host: str | None, path: str = "/") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {} if host is None else {"Host": host}
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def assert_answers_loopback_only(port: int, path: str = "/") -> None:
    for host in (
        "127.0.0.1",
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        "LOCALHOST",
        f"[::1]:{port}",
    ):
        assert status_for(port, host, path) != 421, host
    for host in FOREIGN:
        assert status_for(port, host, path) == 421, host


def test_static_server(served_site, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    server = served_site(tmp_path)
    assert status_for(server.port, f"127.0.0.1:{server.port}") == 200
    assert_answers_loopback_only(server.port)


def test_local_comment_server(isso_server):
    isso = isso_server(["http://127.0.0.1:8000"])
    assert status_for(isso.port, f"127.0.0.1:{isso.port}", "/info") == 200
    assert_answers_loopback_only(isso.port, "/info")


@pytest.mark.timeout(300)
def test_preview(tmp_path):
    site = Site(tmp_path / "site", posts=1)
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:
        assert status_for(preview.port, f"localhost:{preview.port}") == 200
        assert_answers_loopback_only(preview.port)
        assert_answers_loopback_only(preview.port, "/__commons/preview/status")
