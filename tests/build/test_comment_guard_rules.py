"""The cross-site guard's rule, as middleware and as nginx configuration, on real servers.

The same requests go to Isso behind the WSGI guard (`commons.comments.serve`)
and to Isso alone behind nginx with `nginx_rules`: both must answer alike,
and only the allowed ones reach Isso's database. (Chromium's view of a
hostile page is tests/browser/test_comment_guard.py.)
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from commons.comments.guard import GuardPolicy, nginx_rules, normalise_origin
from commons.servers import ChildServer, IssoServer, free_port
from tests.conftest import require

SITE = "http://127.0.0.1:8000"

# (method, path, headers, allowed)
JSON = {"Content-Type": "application/json"}
FORM = "application/x-www-form-urlencoded"
FORM_PASSES = "form"
CASES = [
    ("POST", "new?uri=%2Fa%2F", {"Origin": SITE, **JSON}, True),
    ("POST", "new?uri=%2Fb%2F", {"Origin": SITE, "Content-Type": "application/json; charset=utf-8"},
     True),
    ("POST", "new?uri=%2Fc%2F", {"Referer": SITE + "/post/", **JSON}, True),
    ("POST", "new?uri=%2Fd%2F", {"Origin": SITE}, False),  # a no-cors Blob
    ("POST", "new?uri=%2Fe%2F", {"Origin": SITE, "Content-Type": "text/plain"}, False),
    ("POST", "new?uri=%2Ff%2F", {"Origin": "http://127.0.0.1:9", **JSON}, False),
    ("POST", "new?uri=%2Fg%2F", {"Origin": "null", **JSON}, False),
    ("POST", "new?uri=%2Fh%2F", JSON, False),
    ("POST", "new?uri=%2Fi%2F", {"Referer": "http://evil.example/x", **JSON}, False),
    # An Origin that is the site's with a longer host must not pass as the site.
    ("POST", "new?uri=%2Fj%2F", {"Origin": SITE + "0", **JSON}, False),
    ("GET", "?uri=%2Fa%2F", {"Origin": "http://evil.example"}, True),
    # The plain comment form posts form-encoded to its own paths, from the site only
    # (FORM_PASSES: past the guard; what the form then answers is tests/build/test_comment_form.py).
    ("POST", "form/new", {"Origin": SITE, "Content-Type": FORM}, FORM_PASSES),
    ("POST", "form/publish", {"Referer": SITE + "/post/", "Content-Type": FORM}, FORM_PASSES),
    ("POST", "form/new", {"Origin": "http://127.0.0.1:9", "Content-Type": FORM}, False),
    ("POST", "form/publish", {"Content-Type": FORM}, False),
    ("POST", "form/other", {"Origin": SITE, "Content-Type": FORM}, False),
]  # fmt: skip


def send(base: str, method: str, path: str, headers: dict) -> int:
    """The status of one request, sent as given: no Content-Type unless `headers` has one
    (urllib would add a form type to any request with a body)."""
    address = urlsplit(base)
    body = json.dumps({"text": f"comment for {path}", "title": "T"}).encode()
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request(
            method,
            address.path + path,
            body=body if method == "POST" else None,
            headers={**headers, "Content-Length": str(len(body)) if method == "POST" else "0"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def thread_uris(isso: IssoServer) -> list[str]:
    with sqlite3.connect(isso.data_dir / "comments.db") as db:
        return [row[0] for row in db.execute("SELECT uri FROM threads ORDER BY id")]


def expected_threads() -> list[str]:
    return [
        "/" + path.split("%2F")[1] + "/"
        for method, path, _headers, allowed in CASES
        if allowed is True and method == "POST"
    ]


def check(base: str, isso: IssoServer) -> None:
    # Isso's own pages (the admin login form) post from its own origin.
    own = ("POST", "login/", {"Origin": base.rstrip("/"), "Content-Type": FORM}, True)
    cases = [*CASES, own]
    statuses = [send(base, method, path, headers) for method, path, headers, _ in cases]
    for (method, path, headers, allowed), status in zip(cases, statuses, strict=True):
        if allowed == FORM_PASSES:
            assert status != 403, (method, path, headers, status)
        elif allowed:
            assert status in (200, 201), (method, path, headers, status)
        else:
            assert status == 403, (method, path, headers, status)
    assert thread_uris(isso) == expected_threads()


def test_the_wsgi_guard_in_front_of_isso(tmp_path):
    with IssoServer(tmp_path / "isso", [SITE], guard=False) as isso:
        check(isso.url, isso)


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{http}
    server {{
        listen {host}:{port};
        location / {{
{location}
            proxy_pass http://{host}:{isso_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())


class NginxWithRules(ChildServer):
    """nginx with `nginx_rules` in front of Isso alone at `isso_port`.

    Its port is picked and its configuration written for the port it starts
    on: a picked port that another program takes first (another test's Isso,
    which would accept every forged post) is replaced, never proxied through.
    """

    name = "nginx"

    def __init__(self, nginx: str, root: Path, isso_port: int):
        super().__init__()
        self.nginx = nginx
        self.root = root
        self.isso_port = isso_port

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def config(self) -> Path:
        return self.root / "nginx.conf"

    def write_config(self) -> Path:
        rules = nginx_rules([SITE], [self.origin])
        self.config.write_text(
            NGINX_CONF.format(
                root=self.root,
                host=self.host,
                port=self.port,
                isso_port=self.isso_port,
                http=indent(rules.http, 4),
                location=indent(rules.location, 12),
            ),
            encoding="utf-8",
        )
        return self.config

    def command(self) -> list[str]:
        self.write_config()
        error_log = str(self.root / "error.log")
        return [self.nginx, "-p", str(self.root), "-c", str(self.config), "-e", error_log]


def test_the_nginx_rules_in_front_of_isso_alone(tmp_path):
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")
    require(nginx is not None, "nginx", "apt-get install nginx")
    root = tmp_path / "nginx"
    root.mkdir()
    # nginx listens first, on a port it holds; Isso then starts on the port
    # nginx proxies to, and refuses to start if another program holds it.
    isso_port = free_port()
    server = NginxWithRules(nginx, root, isso_port)
    config = server.write_config()
    tested = subprocess.run(
        [nginx, "-t", "-p", str(root), "-c", str(config), "-e", str(root / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stderr
    with (
        server,
        IssoServer(
            tmp_path / "isso",
            [SITE],
            port=isso_port,
            guard=False,
            cross_site_guard=False,
            public_endpoint=server.origin,
        ) as isso,
    ):
        # Isso alone accepts a post with no Content-Type: the rule is what stops it.
        assert send(isso.url, "POST", "new?uri=%2Falone%2F", {"Origin": SITE}) == 201
        with sqlite3.connect(isso.data_dir / "comments.db") as db:
            db.execute("DELETE FROM comments")
            db.execute("DELETE FROM threads")
        check(server.origin + "/", isso)


def test_nginx_is_never_taken_for_the_program_that_took_its_port(tmp_path):
    """The flaky case, made certain: another program listens on the port picked
    for nginx. nginx moves to another port and its configuration follows; the
    requests never reach the other program."""
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")
    require(nginx is not None, "nginx", "apt-get install nginx")
    root = tmp_path / "nginx"
    root.mkdir()
    server = NginxWithRules(nginx, root, free_port())
    taken = server.port
    with socket.socket() as other:
        other.bind((server.host, taken))
        other.listen()
        with server:
            assert server.port != taken
            assert f"listen {server.host}:{server.port};" in server.config.read_text()
            # nginx itself answers (Isso is not running: 502 from nginx, not a hang).
            assert send(server.origin + "/", "GET", "?uri=%2Fa%2F", {}) == 502


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://Commons.Example.org:443/", "https://commons.example.org"),
        ("http://127.0.0.1:8000/post/?x=1#y", "http://127.0.0.1:8000"),
        ("http://[::1]:8081", "http://[::1]:8081"),
        ("javascript:alert(1)", None),
        ("null", None),
        ("http://host:99999", None),
    ],
)
def test_origins_are_compared_normalised(value, origin):
    assert normalise_origin(value) == origin


def test_a_guard_with_no_site_origin_is_refused():
    with pytest.raises(ValueError, match="at least one site origin"):
        GuardPolicy.of(["not a url"])
