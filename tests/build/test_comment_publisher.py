"""The comment publisher closes the loop by itself, on the production shape: the
comment server (gunicorn, Commons' app, moderation on) behind a real nginx that
also serves the site from the folder the publisher sends it to with rsync.

A comment approved through Isso's own moderation API reaches the post's page,
the home page's count, the feeds and the recent discussions page within 60 s,
read over HTTP and parsed without JavaScript; approvals made while the service
is stopped are published when it starts again; a target rsync cannot write is
logged, retried, and published to once it is fixed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lxml import etree, html

from commons.publish import publish_lock
from commons.servers import free_port
from tests.browser.test_comment_snapshot import IssoClient
from tests.browser.test_comments_nginx_guard import NGINX, Nginx
from tests.conftest import REPO_ROOT, SAMPLE_ARTICLE, SAMPLE_CONTENT, require

THREAD = "sharing-your-work-and-coworking-to-share"
POST_PATH = SAMPLE_ARTICLE.removesuffix("index.html")
VISIBLE_WITHIN = 60.0
ATOM = {"a": "http://www.w3.org/2005/Atom", "thr": "http://purl.org/syndication/thread/1.0"}


class Production:
    """nginx in front of the comment server and of the published folder; the publisher
    as a child process, started and stopped by the test."""

    def __init__(self, tmp: Path, origin: str, public: str, isso, target: Path):
        self.tmp = tmp
        self.origin = origin
        self.isso = isso
        self.target = target
        # Posts and moderation go through nginx, as the readers' and the moderator's do.
        self.client = IssoClient(
            types.SimpleNamespace(url=public), origin, database=isso.config_dir / "comments.db"
        )
        self.log = tmp / "publisher.log"
        self.service: subprocess.Popen | None = None
        self.env = {key: value for key, value in os.environ.items() if "COMMONS_" not in key}
        self.env.update(
            COMMONS_PUBLISH_METHOD="rsync",
            COMMONS_RSYNC_TARGET=f"{target}/",
            COMMONS_SITEURL=origin,
            COMMONS_ISSO_URL=public,
            COMMONS_COMMENTS_CACHE=str(tmp / "comments-cache"),
        )

    def start(self) -> None:
        with open(self.log, "a", encoding="utf-8") as log:
            self.service = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "commons.comments.publisher",
                    "--content",
                    str(SAMPLE_CONTENT),
                    "--state",
                    str(self.tmp / "publisher-state"),
                    "--interval",
                    "1",
                    "--max-backoff",
                    "4",
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.service is not None and self.service.poll() is None:
            # Its own session: the service and the build it may be running.
            os.killpg(self.service.pid, signal.SIGTERM)
            self.service.wait(timeout=30)
        self.service = None

    def running(self) -> bool:
        return self.service is not None and self.service.poll() is None

    def page(self, path: str):
        try:
            with urllib.request.urlopen(f"{self.origin}/{path}", timeout=10) as answer:
                return answer.read()
        except urllib.error.HTTPError:
            return None

    def snapshot_text(self) -> str:
        body = self.page(POST_PATH)
        if body is None:
            return ""
        nodes = html.fromstring(body).xpath("//*[@data-discussion-snapshot]")
        return " ".join(node.text_content() for node in nodes)

    def wait_for(self, text: str, timeout: float = VISIBLE_WITHIN) -> float:
        """Seconds until the post's page, as nginx serves it, shows `text`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            assert self.running(), self.log.read_text()
            if text in self.snapshot_text():
                return time.monotonic() - started
            time.sleep(0.25)
        pytest.fail(f"{text!r} not on the page after {timeout} s:\n{self.log.read_text()}")

    def wait_for_log(self, text: str, timeout: float = 60.0) -> None:
        """Until the publisher's log says `text`."""
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text():
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.25)

    def wait_until(self, condition, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def listing_count(self) -> str | None:
        page = html.fromstring(self.page(""))
        [slot] = page.xpath(f'//a[@data-discussion-count="{THREAD}"]')
        return slot.get("data-count")

    def feed_count(self) -> str:
        feed = etree.fromstring(self.page("feeds/all.atom.xml"))
        [entry] = feed.xpath(f'//a:entry[contains(a:id, "{THREAD}")]', namespaces=ATOM)
        return entry.xpath("string(thr:total)", namespaces=ATOM)

    def recent_text(self) -> str:
        page = html.fromstring(self.page("discussions/"))
        return " ".join(li.text_content() for li in page.xpath("//li[@class='comment']"))


def nginx_conf(tmp: Path, site_port: int, site: Path, isso_port: int, snippet: Path) -> Path:
    """The site's server (the rsync target as its root) and the comment server's,
    on two loopback ports: two origins, as a site and its comments.example host."""
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
        listen 127.0.0.1:{site_port};
        root {site};
    }}
    server {{
        listen 127.0.0.1:{isso_port};
        include {snippet};
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


@pytest.fixture
def production(comment_server, tmp_path):
    require(Path(NGINX).exists(), "nginx", "apt-get install nginx")

    def start(target: Path, **server) -> Production:
        port, isso_port = free_port(), free_port()
        origin = f"http://127.0.0.1:{port}"
        public = f"http://127.0.0.1:{isso_port}/"
        isso, _ = comment_server(origin, public_url=public, **server)
        www = tmp_path / "www"
        www.mkdir()
        snippet = isso.config_dir / "nginx-comments.conf"
        nginx = Nginx(nginx_conf(tmp_path, port, www, isso_port, snippet), port)
        nginx_log = open(tmp_path / "nginx.log", "w", encoding="utf-8")  # noqa: SIM115
        nginx.start(nginx_log)
        running.append((nginx, nginx_log))
        site = Production(tmp_path, origin, public, isso, target or www)
        sites.append(site)
        return site

    running: list = []
    sites: list[Production] = []
    yield start
    for site in sites:
        site.stop()
    for nginx, log in running:
        nginx.stop()
        log.close()


def test_an_approved_comment_reaches_the_page_counts_and_feeds_by_itself(production, tmp_path):
    site = production(tmp_path / "www")
    first = site.client.post("Approved while the publisher runs.", "Ana")
    site.start()
    # At start it publishes the site as the server has it (nothing approved yet).
    site.wait_for("No comments yet.", timeout=180)
    assert site.listing_count() == "0"

    approved = time.monotonic()
    site.client.approve(first["id"])
    site.wait_for("Approved while the publisher runs.")
    # rsync replaces the files one after the other: the others follow in moments.
    site.wait_until(lambda: site.listing_count() == "1" and site.feed_count() == "1")
    site.wait_until(lambda: "Approved while the publisher runs." in site.recent_text())
    assert time.monotonic() - approved < VISIBLE_WITHIN

    # Stopped, it misses nothing: at start it publishes what was approved meanwhile.
    site.stop()
    second = site.client.post("Approved while the publisher was stopped.", "Bo")
    site.client.approve(second["id"])
    time.sleep(2)
    assert "Approved while the publisher was stopped." not in site.snapshot_text()
    site.start()
    site.wait_for("Approved while the publisher was stopped.")
    site.wait_until(lambda: site.listing_count() == "2" and site.feed_count() == "2")
    # The round's line is logged once rsync is done, just after the page shows
    # (a round stopped between the two is published again at start: its line
    # may never come, the restarted round's does).
    site.wait_until(
        lambda: " Published " in site.log.read_text().rsplit("Publishing approved", 1)[-1]
    )
    log = site.log.read_text()
    assert "Published 1 changed thread(s) (sharing-your-work-and-coworking-to-share)" in log
    # The first round builds the whole site; the rounds after it only the
    # changed thread's pages (nothing else changed in between).
    rounds = [line for line in log.splitlines() if " Published " in line]
    assert "whole build" in rounds[0], rounds
    assert len(rounds) >= 2 and all("build of their pages" in line for line in rounds[1:]), rounds


def test_with_moderation_off_a_posted_comment_reaches_the_page_by_itself(production, tmp_path):
    site = production(tmp_path / "www", moderation="none")
    site.start()
    site.wait_for("No comments yet.", timeout=180)
    posted = time.monotonic()
    comment = site.client.post("Shown without a moderator.", "Flo")
    assert comment["mode"] == 1, comment  # published at once: nobody approves it
    site.wait_for("Shown without a moderator.")
    site.wait_until(lambda: site.listing_count() == "1" and site.feed_count() == "1")
    assert time.monotonic() - posted < VISIBLE_WITHIN


def test_a_target_rsync_cannot_write_is_retried_until_it_is_fixed(production, tmp_path):
    # rsync makes the target folder itself, but not a missing folder above it.
    missing = tmp_path / "not-mounted-yet"
    site = production(missing / "www")
    comment = site.client.post("Published once the target is back.", "Cy")
    site.client.approve(comment["id"])
    site.start()
    deadline = time.monotonic() + 180
    while site.log.read_text().count("Not published: rsync failed") < 2:
        assert site.running(), site.log.read_text()
        assert time.monotonic() < deadline, site.log.read_text()
        time.sleep(0.5)
    assert "Trying again in" in site.log.read_text()
    assert not missing.exists()

    missing.mkdir()
    deadline = time.monotonic() + VISIBLE_WITHIN
    page = missing / "www" / SAMPLE_ARTICLE
    while not (page.is_file() and "Published once the target is back." in page.read_text()):
        assert site.running(), site.log.read_text()
        assert time.monotonic() < deadline, site.log.read_text()
        time.sleep(0.5)
    assert site.running()


def test_the_publisher_waits_for_an_operators_publish(production, tmp_path):
    site = production(tmp_path / "www")
    comment = site.client.post("Published after the operator's publish.", "Di")
    site.start()
    site.wait_for("No comments yet.", timeout=180)
    # `invoke publish` holds this lock from its build to the end of its rsync.
    with publish_lock(tmp_path / "comments-cache"):
        site.client.approve(comment["id"])
        site.wait_for_log("Waiting for the other build")
        time.sleep(3)
        assert "Published after the operator's publish." not in site.snapshot_text()
    site.wait_for("Published after the operator's publish.")


def test_a_comment_server_that_is_down_is_logged_and_caught_up_with(production, tmp_path):
    site = production(tmp_path / "www")
    comment = site.client.post("Published once the server is back.", "Ed")
    site.start()
    site.wait_for("No comments yet.", timeout=180)
    # The publisher sees the approval, then the server goes down before it fetches.
    with publish_lock(tmp_path / "comments-cache"):
        site.client.approve(comment["id"])
        site.wait_for_log("Waiting for the other build")
        site.isso.stop()
    deadline = time.monotonic() + 60
    while "Not published: " not in site.log.read_text():
        assert site.running(), site.log.read_text()
        assert time.monotonic() < deadline, site.log.read_text()
        time.sleep(0.25)
    assert "Trying again in" in site.log.read_text()
    time.sleep(3)
    assert site.running()
    assert "Published once the server is back." not in site.snapshot_text()
    with open(tmp_path / "comments-again.log", "w", encoding="utf-8") as log:
        site.isso.start(log)
        site.wait_for("Published once the server is back.")
