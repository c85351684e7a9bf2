"""The nginx snippet `invoke comments-config` writes, run by a real nginx in
front of the real comment server (gunicorn), with the production site under
the same nginx and the comment server at /isso/ (the include form).

A reader on the site posts through it; a page on another origin, in
Chromium, cannot: neither a `no-cors` Blob nor a form reaches Isso.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest

from commons import PUBLISH_SETTINGS
from commons.comments.options import DEFAULTS
from commons.servers import ChildServer, free_port
from tests.build.test_comment_burst import BOT_POSTS, burst, report, still_answers, stored
from tests.conftest import SAMPLE_ARTICLE, require

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
THREAD = "sharing-your-work-and-coworking-to-share"


class Nginx(ChildServer):
    name = "nginx"

    def __init__(self, conf: Path, port: int):
        super().__init__(port=port)
        self.conf = conf

    def command(self) -> list[str]:
        return [NGINX, "-p", str(self.conf.parent), "-c", str(self.conf), "-e", "stderr"]


def nginx_conf(
    tmp: Path, port: int, site: Path, snippet: Path, comments_port: int | None = None
) -> Path:
    """nginx serving the site on `port`, with the comment server's snippet under
    the site's host, or on its own origin at `comments_port`."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {snippet.with_name("nginx-comments-http.conf")};
    server {{
        listen 127.0.0.1:{port};
        root {site};
        include {site}/nginx-security-headers.conf;
        {"" if comments_port else f"include {snippet};"}
    }}
    {f"server {{ listen 127.0.0.1:{comments_port}; include {snippet}; }}" if comments_port else ""}
}}
""",
        encoding="utf-8",
    )
    return conf


@pytest.fixture
def behind_nginx(build, comment_server, tmp_path):
    require(Path(NGINX).exists(), "nginx", "apt-get install nginx")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    public = f"{origin}/isso/"
    isso, _ = comment_server(origin, public_url=public)
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": origin, "COMMONS_ISSO_URL": public},
    )
    snippet = isso.config_dir / "nginx-comments.conf"
    # The snippet proxies to COMMENTS_SERVER['bind']: here, the test's gunicorn.
    assert f"proxy_pass http://127.0.0.1:{isso.port}/;" in snippet.read_text()
    server = Nginx(nginx_conf(tmp_path, port, output, snippet), port)
    with open(tmp_path / "nginx.log", "w") as log:
        server.start(log)
        try:
            yield origin, public, isso
        finally:
            server.stop()


@pytest.fixture
def comments_on_own_origin(build, comment_server, tmp_path):
    """The site and the comment server on two origins, both behind nginx."""
    require(Path(NGINX).exists(), "nginx", "apt-get install nginx")
    port, comments_port = free_port(), free_port()
    origin, public = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{comments_port}/"
    isso, _ = comment_server(origin, public_url=public)
    output = build(
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": origin, "COMMONS_ISSO_URL": public},
    )
    snippet = isso.config_dir / "nginx-comments.conf"
    server = Nginx(nginx_conf(tmp_path, port, output, snippet, comments_port), port)
    with open(tmp_path / "nginx.log", "w") as log:
        server.start(log)
        try:
            yield origin, public, isso
        finally:
            server.stop()


def comment_count(isso) -> int:
    with closing(sqlite3.connect(isso.config_dir / "comments.db")) as db:
        return db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]


def status(url: str, method: str = "POST", body: bytes | None = b"{}", **headers) -> int:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_reader_posts_and_a_cross_site_page_cannot(
    behind_nginx, served_site, chromium, tmp_path
):
    origin, public, isso = behind_nginx
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{origin}/{SAMPLE_ARTICLE}", wait_until="networkidle")
    page.click("[data-discussion-load]")
    postbox = page.locator("#isso-thread .isso-postbox").first
    postbox.locator("textarea.isso-textarea").fill("Through the proxy, as readers do.")
    with page.expect_response(lambda r: "/isso/new?" in r.url) as answer:
        postbox.locator("input[type=submit]").click()
    assert answer.value.status == 202
    assert comment_count(isso) == 1

    # A hostile page on another origin tries both forgeries a browser allows.
    evil = tmp_path / "evil"
    evil.mkdir()
    body = json.dumps({"text": "forged comment", "title": "x"})
    (evil / "index.html").write_text(
        f"""<!doctype html><title>evil</title>
<form method="post" action="{public}new?uri={THREAD}" enctype="text/plain" target="sink">
<input name='{{"text":"forged by a form","title":"x","a":"' value='"}}'></form>
<iframe name="sink"></iframe>
<script>
window.done = fetch("{public}new?uri={THREAD}", {{method: "POST", mode: "no-cors",
  body: new Blob([{json.dumps(body)}])}}).then(() => "sent", e => "error " + e);
document.forms[0].submit();
</script>""",
        encoding="utf-8",
    )
    hostile = served_site(evil)
    attacker = context.new_page()
    attacker.goto(hostile.url, wait_until="networkidle")
    assert attacker.evaluate("window.done") == "sent"
    attacker.wait_for_timeout(1000)
    assert comment_count(isso) == 1
    context.close()


def test_only_json_from_the_site_or_the_servers_own_pages_is_let_through(behind_nginx):
    origin, public, isso = behind_nginx
    new = f"{public}new?uri=guard-test"
    json_type = "application/json"
    assert status(new, Origin="http://127.0.0.1:9", **{"Content-Type": json_type}) == 403
    assert status(new, Origin=origin, **{"Content-Type": "text/plain"}) == 403
    assert status(new, **{"Content-Type": json_type}) == 403  # no Origin at all
    assert status(f"{public}id/1", "DELETE", None, Origin="http://evil.test") == 403
    assert comment_count(isso) == 0
    # Reading is open, and the site's own JSON request passes (Isso answers it).
    assert status(f"{public}?uri=guard-test", "GET", None) == 200
    assert status(new, Origin=origin, **{"Content-Type": "application/json; charset=utf-8"}) == 400


def test_webmentions_from_other_servers_pass_without_an_origin(behind_nginx):
    # A sending server names no Origin: the endpoint checks what it receives itself.
    origin, public, _isso = behind_nginx
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    fields = {"source": "https://blog.example.net/reply/", "target": f"{origin}/{SAMPLE_ARTICLE}"}
    assert status(f"{public}webmention", body=urlencode(fields).encode(), **form) == 202
    elsewhere = urlencode({**fields, "target": "https://other.example.org/post/"}).encode()
    assert status(f"{public}webmention", body=elsewhere, **form) == 400
    # The rest of the comment server is guarded as before.
    assert status(f"{public}new?uri={THREAD}", body=urlencode(fields).encode(), **form) == 403


@pytest.mark.parametrize("where", ["behind_nginx", "comments_on_own_origin"])
def test_the_form_passes_from_the_site_alone(where, request):
    origin, public, isso = request.getfixturevalue(where)
    form = "application/x-www-form-urlencoded"
    fields = urlencode(
        {"uri": THREAD, "title": "t", "page": f"{origin}/{SAMPLE_ARTICLE}", "text": "Hello"}
    ).encode()
    assert status(f"{public}form/new", body=fields, Origin=origin, **{"Content-Type": form}) == 200
    evil = "http://evil.test"
    assert status(f"{public}form/new", body=fields, Origin=evil, **{"Content-Type": form}) == 403
    assert status(f"{public}new?uri={THREAD}", body=fields, Origin=origin) == 403
    # The form page (the post's "Leave a comment" link) and its own post, which
    # comes from the comment server's origin, pass through nginx too.
    query = urlencode({"uri": THREAD, "title": "t", "page": f"{origin}/{SAMPLE_ARTICLE}"})
    assert status(f"{public}form/new?{query}", method="GET", body=None) == 200
    server = public.split("/", 3)
    own = f"{server[0]}//{server[2]}"
    assert status(f"{public}form/new", body=fields, Origin=own, **{"Content-Type": form}) == 200
    assert comment_count(isso) == 0


def test_a_burst_of_bot_posts_through_nginx(behind_nginx):
    origin, public, isso = behind_nginx
    statuses, seconds = burst(f"{public}new?uri={THREAD}", origin)
    queue = stored(isso.config_dir / "comments.db")
    wait = still_answers(f"{public}?uri={THREAD}")
    report("nginx + gunicorn", statuses, seconds, queue, wait)
    assert set(statuses) <= {202, 403, 429, "429 nginx"}
    # nginx lets about twice post_rate through (the form posts twice per
    # comment; its burst, plus the one request it always allows); the server
    # refuses what is over its own post_rate of them.
    passed = BOT_POSTS - statuses["429 nginx"]
    assert 2 * DEFAULTS["post_rate"] <= passed <= 2 * DEFAULTS["post_rate"] + 2
    assert statuses[429] == passed - DEFAULTS["post_rate"]
    assert 0 < sum(queue.values()) <= DEFAULTS["post_rate"] and queue[1] == 0
    assert wait < 2


def test_admin_log_in_attempts_are_limited_per_address(behind_nginx):
    _origin, public, _isso = behind_nginx
    server = public.rstrip("/").rsplit("/", 1)[0]
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": server}
    answers = [
        status(f"{public}login/", body=b"password=not-the-password", **form) for _ in range(20)
    ]
    allowed = DEFAULTS["login_rate"]
    # nginx lets login_rate through at once (its burst), plus the one it always allows.
    assert allowed <= sum(code != 429 for code in answers) <= allowed + 1
    assert answers[-1] == 429
