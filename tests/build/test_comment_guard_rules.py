"""The cross-site guard's rule, as middleware and as nginx configuration, on real servers.

One battery of requests goes both ways: to the production comment server
(gunicorn, the files `invoke comments-config` writes) and to nginx with the
guard `invoke comments-config` writes for it, in front of Isso alone. Both
must answer alike, and only the allowed requests reach Isso's database. The
local server (`commons.servers.IssoServer`) answers the same battery. (Chromium's
view of a hostile page is tests/browser/test_comment_guard.py.)
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from commons.comments.config import NGINX_FILE, NGINX_HTTP_FILE, write_server_files
from commons.comments.guard import GuardPolicy, normalise_origin
from commons.comments.server import local_settings
from commons.servers import ChildServer, IssoServer, free_port
from commons.urls import origin_of
from tests.conftest import require

# A site origin with a name: the battery writes it in other cases and ports.
SITE = "http://blog.cohere.coop:8000"
EVIL = "http://127.0.0.1:9"
# Where nginx serves the comment server (the path it strips before proxying).
PREFIX = "/isso/"
# The production server's limits, lifted so that the battery meets the guard alone.
UNLIMITED = {"ratelimit": 100, "direct_reply": 100, "post_rate": 1000, "moderation": "none"}

# (method, path, headers, allowed)
JSON = {"Content-Type": "application/json"}
FORM = "application/x-www-form-urlencoded"
# Past the guard: what the server behind then answers is its own business.
PAST_THE_GUARD = "past the guard"
CASES = [
    ("POST", "new?uri=%2Fa%2F", {"Origin": SITE, **JSON}, True),
    ("POST", "new?uri=%2Fb%2F", {"Origin": SITE, "Content-Type": "application/json; charset=utf-8"},
     True),
    ("POST", "new?uri=%2Fc%2F", {"Referer": SITE + "/post/", **JSON}, True),
    ("POST", "new?uri=%2Fd%2F", {"Origin": SITE}, False),  # a no-cors Blob
    ("POST", "new?uri=%2Fe%2F", {"Origin": SITE, "Content-Type": "text/plain"}, False),
    ("POST", "new?uri=%2Ff%2F", {"Origin": EVIL, **JSON}, False),
    ("POST", "new?uri=%2Fg%2F", {"Origin": "null", **JSON}, False),
    ("POST", "new?uri=%2Fh%2F", JSON, False),
    ("POST", "new?uri=%2Fi%2F", {"Referer": "http://evil.example/x", **JSON}, False),
    # An Origin that is the site's with a longer host must not pass as the site.
    ("POST", "new?uri=%2Fj%2F", {"Origin": SITE + "0", **JSON}, False),
    ("GET", "?uri=%2Fa%2F", {"Origin": "http://evil.example"}, True),
    # Origins are compared as browsers mean them: scheme and host in any case, the
    # port with leading zeros, a user name before the host; an empty Origin is none.
    ("POST", "new?uri=%2Fk%2F", {"Origin": "HTTP://Blog.COHERE.coop:8000", **JSON}, True),
    ("POST", "new?uri=%2Fl%2F", {"Origin": "http://blog.cohere.coop:08000", **JSON}, True),
    ("POST", "new?uri=%2Fm%2F", {"Referer": "http://reader@blog.cohere.coop:8000/p/", **JSON},
     True),
    ("POST", "new?uri=%2Fn%2F", {"Origin": "", "Referer": SITE + "/post/", **JSON}, True),
    ("POST", "new?uri=%2Fo%2F", {"Origin": SITE + "@evil.example", **JSON}, False),
    ("POST", "new?uri=%2Fp%2F", {"Referer": f"http://evil.example/?{SITE}/", **JSON}, False),
    ("POST", "new?uri=%2Fq%2F", {"Origin": "https://blog.cohere.coop:8000", **JSON}, False),
    ("POST", "new?uri=%2Fr%2F", {"Origin": "http://blog.cohere.\tcoop:8000", **JSON}, False),
    ("POST", "new?uri=%2Fs%2F", {"Origin": "null", "Referer": SITE + "/post/", **JSON}, False),
    ("POST", "new?uri=%2Ft%2F", {"Origin": "http://[blog.cohere.coop:8000", **JSON}, False),
    # Only the origin counts: a path in any characters, as the post's address has.
    ("POST", "new?uri=%2Fy%2F", {"Referer": SITE + "/2011/café/", **JSON}, True),
    ("POST", "new?uri=%2Fz%2F", {"Referer": "http://é@blog.cohere.coop:8000/", **JSON}, False),
    # The JSON type with blanks and parameters; no other type. (Isso itself refuses
    # the type in capitals.)
    ("POST", "new?uri=%2Fv%2F", {"Origin": SITE, "Content-Type": "application/json ;x=1"}, True),
    ("POST", "new?uri=%2Fw%2F", {"Origin": SITE, "Content-Type": "application/jsonp"}, False),
    ("POST", "new?uri=%2Fx%2F", {"Origin": SITE, "Content-Type": "application/json-seq"}, False),
    ("DELETE", "id/1", {"Origin": EVIL, **JSON}, False),
    ("PUT", "id/1", {"Origin": EVIL, **JSON}, False),
    # The plain comment form posts form-encoded to its own paths, from the site only
    # (what the form then answers is tests/build/test_comment_form.py).
    ("POST", "form/new", {"Origin": SITE, "Content-Type": FORM}, PAST_THE_GUARD),
    ("POST", "form/publish", {"Referer": SITE + "/post/", "Content-Type": FORM}, PAST_THE_GUARD),
    ("POST", "form/new?next=1", {"Origin": SITE, "Content-Type": FORM}, PAST_THE_GUARD),
    ("POST", "form/new", {"Origin": EVIL, "Content-Type": FORM}, False),
    ("POST", "form/publish", {"Content-Type": FORM}, False),
    ("POST", "form/other", {"Origin": SITE, "Content-Type": FORM}, False),
    ("POST", "form/new/", {"Origin": SITE, "Content-Type": FORM}, False),
    ("POST", "form/newer", {"Origin": SITE, "Content-Type": FORM}, False),
    # Other sites' servers post webmentions with no Origin (commons/webmention/endpoint.py):
    # its one path only.
    ("POST", "webmention", {"Content-Type": FORM}, PAST_THE_GUARD),
    ("POST", "webmention", {"Origin": EVIL, "Content-Type": FORM}, PAST_THE_GUARD),
    ("POST", "webmention/", {"Content-Type": FORM}, False),
    ("POST", "form/webmention", {"Content-Type": FORM}, False),
    ("POST", "webmentions", {"Origin": EVIL, "Content-Type": FORM}, False),
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


def thread_uris(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as db:
        return [row[0] for row in db.execute("SELECT uri FROM threads ORDER BY id")]


def expected_threads() -> list[str]:
    return [
        "/" + path.split("%2F")[1] + "/"
        for method, path, _headers, allowed in CASES
        if allowed is True and method == "POST"
    ]


def check(base: str, database: Path, own_origin: str | None = None) -> None:
    # Isso's own pages (the admin login form) and the comment form's pages (the
    # empty form, the preview) post from the comment server's own origin.
    own_origin = own_origin or base.rstrip("/")
    own = [
        ("POST", "login/", {"Origin": own_origin, "Content-Type": FORM}, PAST_THE_GUARD),
        ("POST", "form/new", {"Origin": own_origin, "Content-Type": FORM}, PAST_THE_GUARD),
        ("POST", "form/publish", {"Origin": own_origin, "Content-Type": FORM}, PAST_THE_GUARD),
    ]
    cases = [*CASES, *own]
    statuses = [send(base, method, path, headers) for method, path, headers, _ in cases]
    for (method, path, headers, allowed), status in zip(cases, statuses, strict=True):
        if allowed == PAST_THE_GUARD:
            assert status != 403, (method, path, headers, status)
        elif allowed:
            assert status in (200, 201), (method, path, headers, status)
        else:
            assert status == 403, (method, path, headers, status)
    assert thread_uris(database) == expected_threads()


def test_the_wsgi_guard_in_front_of_isso(tmp_path):
    with IssoServer(tmp_path / "isso", [SITE], guard=False) as isso:
        check(isso.url, isso.db_path)


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
    include {files}/{http_file};
    server {{
        listen {host}:{port};
        include {files}/{location_file};
    }}
}}
"""


class NginxWithRules(ChildServer):
    """nginx with the files `invoke comments-config` writes, in front of Isso alone
    at `isso_port`: the guard's maps in the http block, its location as written.

    Its port is picked and its configuration written for the port it starts
    on: a picked port that another program takes first (another test's Isso,
    which would accept every forged post) is replaced, never proxied through.
    """

    name = "nginx"

    def __init__(self, nginx: str, root: Path, isso_port: int, settings: dict):
        super().__init__()
        self.nginx = nginx
        self.root = root
        self.isso_port = isso_port
        self.settings = settings

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def public_url(self) -> str:
        """The comment server's address for readers: under the site's host, at /isso/
        (so that nginx-comments.conf is the location to include in the site's server)."""
        return f"http://{urlsplit(SITE).hostname}:{self.port}{PREFIX}"

    @property
    def config(self) -> Path:
        return self.root / "nginx.conf"

    def write_config(self) -> Path:
        files = self.root / "comments-config"
        production = local_settings(
            self.settings,
            SITE,
            self.public_url,
            files,
            f"{self.host}:{self.isso_port}",
            **UNLIMITED,
        )
        write_server_files(production, files)
        self.config.write_text(
            NGINX_CONF.format(
                root=self.root,
                host=self.host,
                port=self.port,
                files=files,
                http_file=NGINX_HTTP_FILE,
                location_file=NGINX_FILE,
            ),
            encoding="utf-8",
        )
        return self.config

    def command(self) -> list[str]:
        self.write_config()
        error_log = str(self.root / "error.log")
        return [self.nginx, "-p", str(self.root), "-c", str(self.config), "-e", error_log]


def nginx_or_skip() -> str:
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")
    require(nginx is not None, "nginx", "apt-get install nginx")
    return nginx


@contextmanager
def through_gunicorn(tmp_path: Path, comment_server):
    """The production comment server: its own guard in front of Isso."""
    isso, _password = comment_server(SITE, **UNLIMITED)
    yield isso.url, isso.config_dir / "comments.db", None


@contextmanager
def through_nginx(tmp_path: Path, settings: dict):
    """nginx's guard, as `invoke comments-config` writes it, in front of Isso alone."""
    nginx = nginx_or_skip()
    root = tmp_path / "nginx"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / name).mkdir(parents=True, exist_ok=True)
    # nginx listens first, on a port it holds; Isso then starts on the port
    # nginx proxies to, and refuses to start if another program holds it.
    isso_port = free_port()
    server = NginxWithRules(nginx, root, isso_port, settings)
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
            public_endpoint=server.public_url,
        ) as isso,
    ):
        # Isso alone accepts a post with no Content-Type: the rule is what stops it.
        assert send(isso.url, "POST", "new?uri=%2Falone%2F", {"Origin": SITE}) == 201
        with closing(sqlite3.connect(isso.db_path)) as db, db:
            db.execute("DELETE FROM comments")
            db.execute("DELETE FROM threads")
        yield server.origin + PREFIX, isso.db_path, origin_of(server.public_url)


@pytest.mark.parametrize("way", ["gunicorn", "nginx"])
def test_the_same_battery_through_gunicorn_and_through_nginx(
    way, tmp_path, comment_server, publish_settings
):
    front = (
        through_gunicorn(tmp_path, comment_server)
        if way == "gunicorn"
        else through_nginx(tmp_path, publish_settings)
    )
    with front as (base, database, own_origin):
        check(base, database, own_origin)


def test_nginx_is_never_taken_for_the_program_that_took_its_port(tmp_path, publish_settings):
    """The flaky case, made certain: another program listens on the port picked
    for nginx. nginx moves to another port and its configuration follows; the
    requests never reach the other program."""
    nginx = nginx_or_skip()
    root = tmp_path / "nginx"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / name).mkdir(parents=True, exist_ok=True)
    server = NginxWithRules(nginx, root, free_port(), publish_settings)
    taken = server.port
    with socket.socket() as other:
        other.bind((server.host, taken))
        other.listen()
        with server:
            assert server.port != taken
            assert f"listen {server.host}:{server.port};" in server.config.read_text()
            # nginx itself answers (Isso is not running: 502 from nginx, not a hang).
            assert send(server.origin + PREFIX, "GET", "?uri=%2Fa%2F", {}) == 502


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
