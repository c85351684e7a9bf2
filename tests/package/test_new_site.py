"""`commons new` writes a site that builds, checks, serves with its comment
server and publishes, with the installed package alone; Pelican's own commands
build it too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree, html
from playwright.sync_api import expect

from commons.servers import free_port, wait_for_port

SITE_NAME = "Riverside Makers"
SITE_URL = "https://riverside-makers.org"
POST_TITLE = f"Welcome to {SITE_NAME}"
# The site's own files: nothing of Commons' machinery.
SITE_FILES = {
    ".ci/run",
    ".gitignore",
    "README.md",
    "content/welcome.md",
    "pelicanconf.py",
    "publishconf.py",
    "requirements.txt",
    "tasks.py",
}
CI_BUDGET_SECONDS = 120


@dataclass
class NewSite:
    root: Path
    seconds: float


@pytest.fixture(scope="module")
def new_site(installed, tmp_path_factory) -> NewSite:
    work = tmp_path_factory.mktemp("sites")
    started = time.perf_counter()
    choices = ["--name", SITE_NAME, "--url", SITE_URL, "--timezone", "Europe/Paris"]
    made = installed.run(["commons", "new", "riverside", *choices], cwd=work)
    assert made.returncode == 0, made.stderr
    return NewSite(root=work / "riverside", seconds=time.perf_counter() - started)


def post_pages(output: Path) -> list[Path]:
    return sorted(output.glob("20*/*/*/index.html"))


def title_of(page: Path) -> str:
    return html.fromstring(page.read_bytes()).xpath("normalize-space(//h1)")


def test_the_new_site_holds_only_its_own_files(new_site):
    files = {
        path.relative_to(new_site.root).as_posix()
        for path in new_site.root.rglob("*")
        if path.is_file()
    }
    assert files == SITE_FILES
    settings = (new_site.root / "pelicanconf.py").read_text(encoding="utf-8")
    assert "from commons.defaults import *" in settings
    assert f'SITENAME = "{SITE_NAME}"' in settings
    assert os.access(new_site.root / ".ci" / "run", os.X_OK)
    # Its Python files are lint-clean and formatted as ruff formats them.
    for ruff in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        linted = subprocess.run(
            [sys.executable, "-m", "ruff", *ruff, new_site.root],
            capture_output=True,
            text=True,
            check=False,
        )
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_its_ci_checks_and_builds_within_two_minutes_with_no_browser(installed, new_site, tmp_path):
    started = time.perf_counter()
    # No browser and no Java: a PATH with neither (only the environment's commands and
    # the system's basic ones).
    ci = installed.run(
        ["python", "-c", "import subprocess, sys; sys.exit(subprocess.call(['.ci/run']))"],
        cwd=new_site.root,
        env={"PYTHON": str(installed.python), "PATH": f"{installed.bin}:/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - started
    print(f"\nthe new site's CI: {seconds:.1f} s")
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert "No problems found." in ci.stdout
    assert seconds < CI_BUDGET_SECONDS
    output = new_site.root / "output"
    (post,) = post_pages(output)
    assert title_of(post) == POST_TITLE
    home = html.fromstring((output / "index.html").read_bytes())
    assert home.xpath("normalize-space(//title)").startswith(SITE_NAME)
    # Commons' theme, from the package: its stylesheet and the discussion's gate.
    assert (output / "theme" / "css").is_dir()
    assert html.fromstring(post.read_bytes()).xpath("//*[@id='discussion']")


def test_the_check_names_a_bad_post_and_fails(installed, new_site, tmp_path):
    bad = new_site.root / "content" / "bad-date.md"
    bad.write_text("Title: Bad\nDate: 2026-13-45\n\nText.\n", encoding="utf-8")
    try:
        checked = installed.run(["commons", "check"], cwd=new_site.root / "content")
    finally:
        bad.unlink()
    assert checked.returncode == 1
    assert "bad-date.md" in checked.stdout and "2026-13-45" in checked.stdout


@pytest.mark.parametrize("settings", [None, "publishconf.py"], ids=["local", "production"])
def test_pelicans_own_command_builds_the_new_site(installed, new_site, tmp_path, settings):
    command = ["pelican", "content", "--output", tmp_path / "out", "--fatal", "errors"]
    if settings:
        command += ["--settings", settings]
    built = installed.run(
        command, cwd=new_site.root, env={"COMMONS_ISSO_URL": "http://127.0.0.1:9/"}
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (post,) = post_pages(tmp_path / "out")
    assert title_of(post) == POST_TITLE
    canonical = html.fromstring(post.read_bytes()).xpath("string(//link[@rel='canonical']/@href)")
    if settings:
        assert canonical.startswith(f"{SITE_URL}/"), canonical
        feed = etree.parse(str(tmp_path / "out" / "feeds" / "all.atom.xml"))
        ids = feed.xpath("//a:entry/a:id/text()", namespaces={"a": "http://www.w3.org/2005/Atom"})
        assert ids and all(i.startswith("tag:riverside-makers.org,") for i in ids), ids


def test_commons_serve_serves_the_site_and_a_reader_comments_in_chromium(
    installed, tmp_path, browser
):
    started = time.perf_counter()
    made = installed.run(["commons", "new", "served", "--url", SITE_URL], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    site_port, isso_port = free_port(), free_port()
    serve = installed.start(
        ["commons", "serve"],
        cwd=tmp_path / "served",
        env={"COMMONS_SITE_PORT": str(site_port), "COMMONS_ISSO_PORT": str(isso_port)},
    )
    try:
        wait_for_port("127.0.0.1", site_port, serve, timeout=120)
        origin = f"http://127.0.0.1:{site_port}"
        with urllib.request.urlopen(f"{origin}/", timeout=10) as home:
            post_link = html.fromstring(home.read()).xpath("string(//h2//a/@href)")
        assert post_link, "the home page links no post"
        page = browser.new_page()
        page.goto(urllib.parse.urljoin(f"{origin}/", post_link), wait_until="networkidle")
        served = time.perf_counter() - started
        print(f"\nnew site to served: {served:.1f} s")
        assert page.locator("h1").inner_text() == "Welcome to served"
        # The post's own thread, as the theme gives it to Isso's adapter
        # (discussion/isso.js), which makes the embed after consent.
        source = html.fromstring(page.content())
        thread = source.xpath("string(//main/section/@data-discussion-id)")
        assert thread == "welcome-to-served"
        # The reader opens the discussion (the consent gate) and posts.
        page.click("[data-discussion-load]")
        postbox = page.locator("#isso-thread .isso-postbox").first
        postbox.locator("textarea.isso-textarea").fill("Count me in.")
        postbox.locator("input[name=author]").fill("Ada")
        with page.expect_response(lambda response: "/new?" in response.url) as answer:
            postbox.locator("input[type=submit]").click()
        assert answer.value.status == 201
        expect(page.locator("#isso-root .isso-comment .isso-text")).to_have_text("Count me in.")
        # The local Isso of `commons serve` holds it.
        isso_url = f"http://127.0.0.1:{isso_port}/"
        with urllib.request.urlopen(
            f"{isso_url}?uri={urllib.parse.quote(thread, safe='')}", timeout=10
        ) as api:
            comments = json.loads(api.read())["replies"]
        assert [comment["text"] for comment in comments] == ["<p>Count me in.</p>"]
    finally:
        if serve.poll() is None:
            os.kill(serve.pid, signal.SIGINT)
        output, _ = serve.communicate(timeout=30)
    assert serve.returncode == 0, output
    # The comment server kept its data in the site, never in the package.
    assert (tmp_path / "served" / ".isso").is_dir()


def test_commons_publish_sends_the_site_to_a_local_rsync_target(installed, new_site, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    # From another folder: --site names the site.
    published = installed.run(
        ["commons", "--site", new_site.root, "publish", "--offline"],
        cwd=tmp_path,
        env={"COMMONS_PUBLISH_METHOD": "rsync", "COMMONS_RSYNC_TARGET": f"{target}/"},
    )
    assert published.returncode == 0, published.stdout + published.stderr
    (post,) = post_pages(target)
    assert title_of(post) == POST_TITLE
    assert (target / "robots.txt").is_file() and (target / "_headers").is_file()


def test_pelicans_autoreload_server_serves_the_new_site(installed, new_site, tmp_path):
    port = free_port()
    output = tmp_path / "out"
    listen = ["--listen", "--bind", "127.0.0.1", "--port", port]
    server = installed.start(
        ["pelican", "--autoreload", *listen, "--output", output], cwd=new_site.root
    )
    try:
        wait_for_port("127.0.0.1", port, server, timeout=120)
        deadline = time.monotonic() + 60
        while not (output / "index.html").is_file():
            assert time.monotonic() < deadline, "pelican --autoreload built nothing"
            time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as home:
            page = html.fromstring(home.read())
        assert page.xpath("normalize-space(//h2//a)") == POST_TITLE
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
        server.communicate(timeout=30)
