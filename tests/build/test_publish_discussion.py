"""`invoke publish` checks the discussion before anything is sent, and never
deletes what the site does not generate. A real rsync to a local folder, a
real comment server (gunicorn) on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from commons.servers import free_port
from tests.browser.test_comment_snapshot import IssoClient
from tests.conftest import SAMPLE_ARTICLE, checkout_copy, parse_html


def publish(target, *args, **env):
    """`invoke publish` to the folder `target`, from a copy of the checkout with
    the sample content beside it (made once, kept for the test's next publish)."""
    checkout = Path(target).parent / "checkout"
    if not checkout.exists():
        checkout_copy(checkout, content=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("COMMONS_")}
    base.update(
        {
            "COMMONS_PUBLISH_METHOD": "rsync",
            "COMMONS_RSYNC_TARGET": f"{target}/",
            "COMMONS_FEEDS_ID_AUTHORITY": "cohere.coop",
            # The comment snapshots beside the target, never in the working copy.
            "COMMONS_COMMENTS_CACHE": str(Path(target).parent / "comments-cache"),
            **env,
        }
    )
    command = [sys.executable, "-m", "invoke", "-r", str(checkout), "publish", *args]
    return subprocess.run(command, capture_output=True, text=True, env=base, check=False)


def rsync_changes(stdout: str) -> list[str]:
    """The itemized changes rsync printed (the lines after the command line)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("$ rsync"))
    return [line for line in lines[start + 1 :] if line.strip()]


def test_example_addresses_are_refused_before_anything_is_built(tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    result = publish(target, "--offline")
    assert result.returncode == 1
    assert "SITEURL is 'https://commons.example.org', an example address" in result.stderr
    assert "DISCUSSION['isso']['url'] is 'https://comments.commons.example.org/'" in result.stderr
    assert "Nothing was published" in result.stderr and "Built" not in result.stdout
    assert list(target.iterdir()) == []
    # A real SITEURL with the example comment server is refused too.
    result = publish(target, "--offline", COMMONS_SITEURL="https://blog.cohere.coop")
    assert result.returncode == 1 and "SITEURL" not in result.stderr
    assert "comments.commons.example.org" in result.stderr


def test_the_example_feed_id_authority_is_refused_and_a_real_one_passes(tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    real = {"COMMONS_SITEURL": "https://blog.cohere.coop"}
    real["COMMONS_ISSO_URL"] = "https://comments.cohere.coop/"
    for example in ("", "news.example.com", "feeds@cohere.test", "blog.localhost"):
        result = publish(target, "--offline", COMMONS_FEEDS_ID_AUTHORITY=example, **real)
        assert result.returncode == 1, example
        assert "FEEDS['id_authority'] is" in result.stderr
        assert "Fix: in publishconf.py set FEEDS['id_authority']" in result.stderr
        assert "Built" not in result.stdout
    assert list(target.iterdir()) == []
    # Reported with the example addresses, all at once.
    result = publish(target, "--offline", COMMONS_FEEDS_ID_AUTHORITY="")
    assert "FEEDS['id_authority'] is 'commons.example.org'" in result.stderr
    assert "SITEURL is 'https://commons.example.org'" in result.stderr
    # A name the community holds passes this check (the dry run builds and checks the site).
    result = publish(target, "--offline", "--dry-run", **real)
    assert result.returncode == 0, result.stderr
    assert "id_authority" not in result.stderr


class GatewayError(BaseHTTPRequestHandler):
    """nginx in front of a comment server that is down: 502 to everything."""

    def answer(self):
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_OPTIONS = do_POST = answer

    def log_message(self, format, *args):
        pass


def test_a_502_and_a_timeout_each_get_their_own_message_and_fix(tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    site = "https://blog.cohere.coop"
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), GatewayError)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{gateway.server_port}/"
        result = publish(target, COMMONS_SITEURL=site, COMMONS_ISSO_URL=url)
    finally:
        gateway.shutdown()
        gateway.server_close()
    assert result.returncode == 1
    assert f"The comment server {url} (DISCUSSION['isso']['url']) answers HTTP 502" in (
        result.stderr
    )
    assert "systemctl start commons-comments" in result.stderr
    assert "allow the site's origin" not in result.stderr
    assert "comments-config" not in result.stderr

    # Accepts the connection (the kernel's backlog) and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        result = publish(target, COMMONS_SITEURL=site, COMMONS_ISSO_URL=url)
    assert result.returncode == 1
    assert f"The comment server {url} (DISCUSSION['isso']['url']) did not answer within" in (
        result.stderr
    )
    assert "firewall" in result.stderr and "comments-config" not in result.stderr
    assert list(target.iterdir()) == []


def test_a_server_that_is_down_or_refuses_the_site_stops_the_publish(comment_server, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    site = "https://blog.cohere.coop"
    down = f"http://127.0.0.1:{free_port()}/"
    result = publish(target, COMMONS_SITEURL=site, COMMONS_ISSO_URL=down)
    assert result.returncode == 1
    assert f"The comment server {down} (DISCUSSION['isso']['url']) refuses connections" in (
        result.stderr
    )
    assert "--offline" in result.stderr and "comments-config" not in result.stderr

    isso, _ = comment_server("https://other-site.cohere.coop")
    result = publish(target, COMMONS_SITEURL=site, COMMONS_ISSO_URL=isso.url)
    assert result.returncode == 1
    assert f"does not allow the site's origin {site}" in result.stderr
    assert "[general] host must be https://blog.cohere.coop" in result.stderr
    assert list(target.iterdir()) == []


def test_publish_keeps_retained_files_and_a_dry_run_after_it_lists_nothing(
    comment_server, tmp_path
):
    site = "https://blog.cohere.coop"
    isso, _ = comment_server(site)
    target = tmp_path / "www"
    (target / ".well-known" / "acme-challenge").mkdir(parents=True)
    (target / ".well-known" / "acme-challenge" / "token").write_text("proof")
    (target / "CNAME").write_text("blog.cohere.coop\n")
    (target / "old-page.html").write_text("a page the site no longer generates")
    env = {"COMMONS_SITEURL": site, "COMMONS_ISSO_URL": isso.url}

    result = publish(target, **env)
    assert result.returncode == 0, result.stderr
    assert "the comment server answers and allows the site" in result.stdout
    assert "--checksum" in result.stdout and "--filter=- /CNAME" in result.stdout
    assert (target / "CNAME").read_text() == "blog.cohere.coop\n"
    assert (target / ".well-known" / "acme-challenge" / "token").read_text() == "proof"
    assert not (target / "old-page.html").exists()
    assert (target / "index.html").is_file() and (target / "feeds" / "all.atom.xml").is_file()
    assert any(line.startswith("*deleting") for line in rsync_changes(result.stdout))

    result = publish(target, "--dry-run", **env)
    assert result.returncode == 0, result.stderr
    assert rsync_changes(result.stdout) == []

    # With the server down the publish stops; --offline skips that check.
    isso.stop()
    result = publish(target, "--dry-run", **env)
    assert result.returncode == 1 and "refuses connections" in result.stderr
    result = publish(target, "--dry-run", "--offline", **env)
    assert result.returncode == 0, result.stderr
    assert "the server was not asked" in result.stdout
    assert rsync_changes(result.stdout) == []


def test_publish_brings_the_comment_snapshot_up_to_date(comment_server, tmp_path):
    site = "https://blog.cohere.coop"
    isso, _ = comment_server(site)
    client = IssoClient(isso, site, database=isso.config_dir / "comments.db")
    comment = client.post("Approved after the first publish.", "Ana")
    target = tmp_path / "www"
    target.mkdir()
    env = {"COMMONS_SITEURL": site, "COMMONS_ISSO_URL": isso.url}

    def snapshot_text() -> str:
        page = parse_html(target / SAMPLE_ARTICLE)
        return " ".join(n.text_content() for n in page.xpath("//*[@data-discussion-snapshot]"))

    result = publish(target, **env)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if "Comments snapshot" in line]
    threads = int(line.split(" of ")[1].split()[0])
    assert line.startswith(f"Comments snapshot: {threads} of {threads} thread(s) changed")
    assert "No comments yet." in snapshot_text()
    # The first publish that sends webmentions records what the posts link, and sends nothing.
    assert "Webmention: recorded the links of" in result.stdout
    assert (tmp_path / "webmentions-sent.json").is_file()

    # The moderator approves it: the next publish fetches that thread alone.
    client.approve(comment["id"])
    result = publish(target, **env)
    assert result.returncode == 0, result.stderr
    # No post changed: no webmention is sent.
    assert "Webmention: sent 0, 0 target(s) without an endpoint, 0 failed." in result.stdout
    assert f"Comments snapshot: 1 of {threads} thread(s) changed" in result.stdout
    assert "Approved after the first publish." in snapshot_text()

    result = publish(target, "--refresh-comments", **env)
    assert result.returncode == 0, result.stderr
    assert f"Comments snapshot: fetched {threads} of {threads} thread(s)" in result.stdout

    # --offline asks the server nothing (it is down) and publishes from the cache.
    isso.stop()
    result = publish(target, "--offline", **env)
    assert result.returncode == 0, result.stderr
    assert "Comments snapshot" not in result.stdout + result.stderr
    assert "Approved after the first publish." in snapshot_text()
