"""Shared fixtures: one per real part (a build, Isso, the HTTP server, Chromium).

Every server a fixture starts listens on a free 127.0.0.1 port and is stopped,
by PID, when the fixture ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import html

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.browser import CHROMIUM, launch_chromium
from commons.build import build_site, pelican_command
from commons.processes import stop_process
from commons.servers import PORT_SLICE_VARIABLE, IssoServer, StaticSiteServer, free_port

pytest_plugins = [
    "tests.repository_writes",
    "tests.bytecode",
    "tests.scheduling",
    "tests.cpu_usage",
    "tests.reading_page",
]

TESTS_DIR = Path(__file__).parent
TOOLS_DIR = TESTS_DIR / "tools" / "node_modules"
VNU_JAR = TOOLS_DIR / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS_DIR / "axe-core" / "axe.min.js"
# The content every machinery test builds: the tests' own copy of a sample
# community's posts, so that a site replacing this repository's content/ (a fork,
# a new sample) breaks none of them. The SAMPLE_* names below are its first post.
# Only tests/sample/ builds the repository's own content/.
SAMPLE_CONTENT = TESTS_DIR / "data" / "sites" / "sample" / "content"
SAMPLE_ARTICLE = "2011/03/sharing-your-work-and-coworking-to-share/index.html"
SAMPLE_TITLE = "Sharing Your Work And (Co)Working To Share"
SAMPLE_CATEGORIES = ["Benefits of Coworking", "Community", "Coworking", "Current Members"]
# The viewport of a test's page, fresh (`browser`) or shared (`reading_page`).
VIEWPORT = {"width": 1280, "height": 900}


# The lanes (docs/testing.md). Each folder of tests is a marker of the same name,
# registered in pyproject.toml, so that `-m unit` or `-m "not browser"` selects
# by what a test needs rather than by where it happens to be.
LANE_FOLDERS = ("unit", "build", "browser", "preview", "package", "sample")
# A test that asks for one of these drives Chromium, whatever its folder.
BROWSER_FIXTURES = frozenset({"chromium", "browser"})
# The one real build of the fast lane (`bin/test --fast`): the tests of this
# module that read the site the `built_site` fixture builds, once.
FAST_BUILD_MODULE = "tests/build/test_site.py"
FAST_BUILD_FIXTURE = "built_site"
# The tests that take longest, by node id prefix: each took 15 s or more (setup,
# call and teardown) in a parallel run of the whole suite, or more than 10 s in
# a parallel run of the unit lane (`--durations`). `-m "not slow"` leaves them
# out; the fast lane does.
SLOW_TESTS = (
    "tests/preview/test_preview_memory.py::test_memory_stays_flat_over_many_saves",
    "tests/preview/test_preview_memory.py::test_a_save_costs_no_more_late_in_a_session_than_early",
    "tests/preview/test_never_stale.py::test_preview_output_equals_a_fresh_build_after_random_edits",
    "tests/build/test_build_faults.py::test_a_damaged_content_cache_is_dropped",
    "tests/build/test_build_faults.py::test_two_builds_at_once_one_waits_and_nothing_is_lost",
    "tests/browser/test_discussion_unavailable.py::test_isso_api_silent_then_try_again",
    "tests/browser/test_discussion_hostile.py::test_clobbering_ids_and_names_forge_nothing",
    "tests/build/test_thread_pages.py::test_partial_builds_equal_full_builds",
    "tests/build/test_search_shards.py::test_sharded_bundles_are_byte_reproducible",
    "tests/build/test_search_shards.py::test_writing_the_pages_first_changes_nothing_in_the_site",
    "tests/build/test_comments_backup.py::test_move_a_thread_so_nothing_is_orphaned",
    "tests/build/test_comment_publisher.py::test_a_comment_server_that_is_down_is_logged",
    "tests/build/test_comment_publisher.py::test_a_target_rsync_cannot_write_is_retried",
    "tests/build/test_webmention.py::test_a_mention_from_one_site_reaches_the_other",
    "tests/browser/test_webmention_thread.py::test_hostile_mentions_are_cleaned",
    "tests/build/test_comment_publisher.py::test_an_approved_comment_reaches_the_page_counts",
    "tests/build/test_publish_discussion.py::test_publish_brings_the_comment_snapshot_up_to_date",
    "tests/unit/test_bench_corpus.py::test_the_corpus_builds_cleanly_with_the_strict_build",
    "tests/unit/test_comments_config.py::test_the_task_refuses_example_addresses_and_a_folder",
    "tests/unit/test_tasks.py::test_publish_rsync_to_a_local_folder_after_a_dry_run",
    "tests/unit/test_summaries.py::test_cuts_where_pelican_cuts_on_mixed_markup",
    "tests/unit/test_lanes.py::test_markers_select_by_lane",
)


def lane_markers(nodeid: str, fixtures: set[str]) -> list[str]:
    """The markers a test gets from its folder, its fixtures and its measured time."""
    markers = []
    folder = nodeid.split("/")[1] if nodeid.startswith("tests/") else ""
    if folder in LANE_FOLDERS:
        markers.append(folder)
    if fixtures & BROWSER_FIXTURES and "browser" not in markers:
        markers.append("browser")
    if nodeid.startswith(SLOW_TESTS):
        markers.append("slow")
    if nodeid.startswith(f"{FAST_BUILD_MODULE}::") and FAST_BUILD_FIXTURE in fixtures:
        markers.append("fast_build")
    return markers


def pytest_configure(config):
    """Each xdist worker picks its ports from its own slice (commons.servers.free_port),
    and so do the tasks and servers it starts: a port one worker picked and let go
    is never picked by the other for a server of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.startswith("gw") and count.isdigit():
        os.environ.setdefault(PORT_SLICE_VARIABLE, f"{worker[2:]}/{count}")


def restore_sigint() -> None:
    """For `preexec_fn`: a background shell makes its children ignore SIGINT, and a
    test that stops its child with Ctrl-C needs it delivered."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test by lane before `-m` selects (tryfirst: pytest's own
    selection runs in this same hook)."""
    for item in items:
        for marker in lane_markers(item.nodeid, set(item.fixturenames)):
            item.add_marker(marker)


def require(available: bool, what: str, install: str) -> None:
    """Skip a test whose external tool is missing, except in CI, where it must fail."""
    if available:
        return
    message = f"{what} is missing: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: no test may be skipped)")
    pytest.skip(message)


def trusting_images(settings_file: Path, origins: list[str]) -> dict:
    """The settings file's SECURITY_HEADERS with `origins` trusted for images, as a
    maintainer sets it for a site whose posts still load pictures from elsewhere."""
    from pelican.settings import get_settings_from_file

    headers = dict(get_settings_from_file(str(settings_file)).get("SECURITY_HEADERS") or {})
    sources = dict(headers.get("extra_sources") or {})
    sources["img"] = [*sources.get("img", []), *origins]
    return {**headers, "extra_sources": sources}


def guard(settings_file: Path = DEV_SETTINGS, **sections) -> dict:
    """The settings file's GUARD with `sections` (sources, metadata, paths, links, media,
    html) set as given: an override of one section, since an override replaces
    the whole GUARD."""
    from pelican.settings import get_settings_from_file

    current = dict(get_settings_from_file(str(settings_file)).get("GUARD") or {})
    return {**current, **sections}


def run_newsboat(newsboat: str, feed_url: str, folder: Path, *commands: str):
    """newsboat, as a subscriber runs it, on one feed: its own home, config and
    cache under `folder`, no proxy (the feed is on 127.0.0.1), `-x` commands.

    The cache, `folder / "cache.db"`, is newsboat's SQLite database.
    """
    import subprocess

    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    (folder / "urls").write_text(feed_url + "\n", encoding="utf-8")
    (folder / "config").write_text("", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(
        [newsboat, "-u", folder / "urls", "-c", folder / "cache.db", "-C", folder / "config"]
        + [argument for command in commands for argument in ("-x", command)],
        env={
            **environment,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=folder,
    )


def site_files(root: Path) -> dict[str, bytes]:
    """Every file of a built site by its path: two builds compared byte for byte."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def verbose_build(content: Path, output: Path, overrides: dict) -> str:
    """Build with `pelicanconf.py` and Pelican's info messages on; returns the log."""
    command = pelican_command(DEV_SETTINGS, output, content, overrides)
    # Pelican's plain handler prints warnings only; its rich one, made wide
    # enough not to wrap, prints the plugins' info lines whole.
    command[command.index("--log-handler") + 1] = "rich"
    completed = subprocess.run(
        [*command, "--verbose"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "500", "COMMONS_COMMENTS_OFFLINE": "1"},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout + completed.stderr


def run_python(program: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`program` run by this Python with `arguments`, in a process of its own started from
    the repository's root (so it imports the checkout); its output is captured as text.

    A child that exits non-zero fails the test with what it wrote to stderr.
    """
    completed = subprocess.run(
        [sys.executable, "-c", program, *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr
    return completed


def parse_html(path: Path):
    """A parsed HTML document, for XPath and CSS-like queries."""
    return html.fromstring(Path(path).read_bytes())


def copy_content(destination: Path) -> Path:
    """A writable copy of the tests' sample content, for tests that add posts."""
    shutil.copytree(SAMPLE_CONTENT, destination)
    return destination


# What `invoke -r <folder>` needs of a checkout to run a task: the tasks, the
# settings and the code they import. Copied, a test's task writes into the copy.
CHECKOUT_PARTS = ("tasks.py", "pelicanconf.py", "publishconf.py", "commons", "plugins", "theme")


def checkout_copy(destination: Path, content: bool = False) -> Path:
    """A throwaway copy of the checkout's code and settings, with an empty content
    folder or (`content`) a copy of the tests' sample content, for tests of tasks that write
    into the repository's own folders (output/, .isso/, content/, caches)."""
    destination.mkdir(parents=True)
    # The bytecode too (tests/bytecode.py compiled it): each process the task
    # starts loads it instead of compiling the copy again (about 0.15 s of a
    # 1 s build). copy2 keeps each source's time, which Python checks the
    # bytecode against, so a test that rewrites a copied file compiles it anew.
    bytecode = REPO_ROOT / "__pycache__"
    for part in CHECKOUT_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy2(source, destination / part)
            for compiled in bytecode.glob(f"{source.stem}.*.pyc"):
                (destination / "__pycache__").mkdir(exist_ok=True)
                shutil.copy2(compiled, destination / "__pycache__" / compiled.name)
    if content:
        copy_content(destination / "content")
    else:
        (destination / "content").mkdir()
    return destination


def isso_snapshots(cache_root: Path, isso_url: str | None = None) -> Path:
    """The folder of a snapshot cache that holds the Isso at `isso_url`'s threads
    (default: the local settings' Isso)."""
    from pelican.settings import read_settings

    from commons.comments.snapshot import server_cache

    url = isso_url or read_settings(str(DEV_SETTINGS))["DISCUSSION"]["isso"]["url"]
    return server_cache(cache_root, "isso", {"url": url})


# Set to 1, every build of the run is a new `python -m pelican` process
# (docs/testing.md): no build server.
FRESH_BUILDS_VARIABLE = "COMMONS_TEST_FRESH_BUILDS"
BUILD_SERVER_START = 120.0


def start_build_server(folder: Path, checkout: Path | None = None) -> tuple[subprocess.Popen, Path]:
    """A build server (commons/build_server.py) of `checkout` (default: this one)
    listening in `folder`; returns it and its socket once it listens."""
    from commons.layout import CHECKOUT_ROOT

    socket_path = folder / "socket"
    with (folder / "server.log").open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "commons.build_server", "--socket", str(socket_path)],
            cwd=checkout or CHECKOUT_ROOT,
            # os.environ, as the builds get it: the C library's own copy may hold
            # more (ncurses sets COLUMNS and LINES there), which the builds never see.
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + BUILD_SERVER_START
    while not socket_path.exists() and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not socket_path.exists():
        server.kill()
        server.wait()
        log_text = (folder / "server.log").read_text(encoding="utf-8")
        pytest.fail(f"The build server did not start (exit {server.returncode}):\n{log_text}")
    return server, socket_path


def stop_build_server(server: subprocess.Popen) -> None:
    stop_process(server, timeout=60)


@pytest.fixture(scope="session", autouse=True)
def session_build_server(tmp_path_factory):
    """One build server per process that runs tests (commons/build_server.py): the
    builds of the run, in this process and in the tasks it starts, fork from it
    instead of importing Pelican each time. Stopped, by PID, at the end."""
    from commons.build_server import BUILD_SERVER_VARIABLE

    if os.environ.get(FRESH_BUILDS_VARIABLE) == "1":
        yield None
        return
    server, socket_path = start_build_server(tmp_path_factory.mktemp("build-server"))
    with pytest.MonkeyPatch.context() as session:
        session.setenv(BUILD_SERVER_VARIABLE, str(socket_path))
        yield socket_path
    stop_build_server(server)


@pytest.fixture(scope="session", autouse=True)
def _session_comments_cache(tmp_path_factory):
    """Builds in this session never read or write the working copy's comment snapshots."""
    folder = tmp_path_factory.mktemp("comments-cache")
    with pytest.MonkeyPatch.context() as session:
        session.setenv("COMMONS_COMMENTS_CACHE", str(folder))
        session.setenv("COMMONS_COMMENTS_OFFLINE", "1")
        yield folder


@pytest.fixture(scope="session", autouse=True)
def session_template_cache(tmp_path_factory) -> Path:
    """Every build of the run, in this process or a child, shares one folder of
    compiled templates (TEMPLATE_CACHE['path']): each combination of what compiles
    them has its own folder in it, so sharing is safe. In the session's basetemp,
    never in the repository."""
    from plugins.template_cache.template_cache import PATH_VARIABLE

    folder = tmp_path_factory.mktemp("compiled-templates")
    with pytest.MonkeyPatch.context() as session:
        session.setenv(PATH_VARIABLE, str(folder))
        yield folder


@pytest.fixture(autouse=True)
def comments_cache(tmp_path, monkeypatch) -> Path:
    """Each test's builds keep their comment snapshots in its own folder and, unless
    the test asks for `fetch_comments`, fetch none (no build contacts a comment
    server that is not the test's own)."""
    folder = tmp_path / "comments-cache"
    monkeypatch.setenv("COMMONS_COMMENTS_CACHE", str(folder))
    monkeypatch.setenv("COMMONS_COMMENTS_OFFLINE", "1")
    return folder


@pytest.fixture
def fetch_comments(comments_cache, monkeypatch) -> Path:
    """Builds in this test fetch comment snapshots (from the test's own local Isso)."""
    monkeypatch.delenv("COMMONS_COMMENTS_OFFLINE")
    return comments_cache


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The sample content built with the local settings (warnings fatal), and its
    search index, as `invoke build --search` makes it."""
    from commons.config import load
    from tasks import search_index_override

    output = tmp_path_factory.mktemp("site") / "output"
    build_site(
        output,
        settings_file=DEV_SETTINGS,
        content=SAMPLE_CONTENT,
        overrides=search_index_override(load(DEV_SETTINGS).settings),
    )
    return output


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> Path:
    """The sample content built with the production settings."""
    output = tmp_path_factory.mktemp("published") / "output"
    build_site(output, settings_file=PUBLISH_SETTINGS, content=SAMPLE_CONTENT)
    return output


@pytest.fixture
def build(tmp_path):
    """Build any content folder with any settings into tmp_path; returns the output path."""

    def run(content: Path = SAMPLE_CONTENT, settings_file: Path = DEV_SETTINGS, **kwargs) -> Path:
        output = tmp_path / "output"
        build_site(output, settings_file=settings_file, content=content, **kwargs)
        return output

    return run


@pytest.fixture
def isso_server(tmp_path):
    """A factory for Isso on a free loopback port; every server it starts is stopped."""
    started: list[IssoServer] = []

    def start(site_origins: list[str], guard: bool = False, **options) -> IssoServer:
        server = IssoServer(tmp_path / f"isso-{len(started)}", site_origins, guard=guard, **options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def served_site():
    """A factory serving a built folder over HTTP on a free loopback port."""
    started: list[StaticSiteServer] = []

    def serve(
        directory: Path, port: int | None = None, headers_file: str | None = None
    ) -> StaticSiteServer:
        server = StaticSiteServer(directory, port=port, headers_file=headers_file)
        started.append(server)
        return server.start()

    yield serve
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright; never a downloaded browser."""
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium)", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """A fresh browser context (no cookies, no storage) per test: for a test that
    remembers something from one page view to the next, or adds to its page what
    `reading_page`'s reset does not take back (tests/reading_page.py); a test
    that only reads pages shares `reading_page`."""
    context = chromium.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture(scope="session")
def theme_site(tmp_path_factory) -> Path:
    """The sample content plus the theme's extra posts, built with the local settings.

    Twelve more posts (pagination, authors, tags, related posts, three years of
    archives), a draft and a post with a hostile title: every template renders.
    """
    from tests.theme_content import add_theme_posts

    root = tmp_path_factory.mktemp("theme-site")
    content = add_theme_posts(copy_content(root / "content"), hostile=True)
    output = root / "output"
    build_site(output, settings_file=DEV_SETTINGS, content=content)
    return output


# Feeds: posts that exercise what the feeds must carry (tests/build/test_feeds_*).
FEED_HOSTILE_TITLE = '<script>alert("x")</script> & \'quotes\' "double" 🎉 שלום עולם'
FEED_TEST_POSTS = {
    "hostile.md": f"""Title: {FEED_HOSTILE_TITLE}
Date: 2012-01-02 10:00
Modified: 2012-02-03 11:30
Category: Community
Tags: Tools & Things, Workshops
Author: Ana Díaz
Slug: hostile
Comments: off
Summary: A summary with a [relative link](../../../about/) and an ampersand: tea & cake.

See [the first post](../../../2011/03/sharing-your-work-and-coworking-to-share/),
[a note](#note) and ![A pixel]({{static}}/images/pixel.png).

<img src="/images/pixel.png" alt="A pixel again">

The note.
{{: #note }}
""",
    "tool-library-night.md": """Title: Tool Library Night
Date: 2012-03-01 18:30
Category: Events, Community
Tags: Workshops
Author: Ana Díaz
Slug: tool-library-night
Comments_id: tool-library-2012
Summary: Bring a drill, borrow a saw.

The tool library opens on Thursday. Which tool should we buy next?
""",
}
# A one-pixel PNG, so the posts' images are real files under content/images/.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c63f80f040009fb03fdfb5e6b2b0000000049454e44ae426082"
)


def add_feed_posts(content: Path) -> Path:
    """Add FEED_TEST_POSTS (and the image they show) to a copy of the content."""
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "pixel.png").write_bytes(PIXEL_PNG)
    for name, text in FEED_TEST_POSTS.items():
        (content / name).write_text(text, encoding="utf-8")
    return content


@pytest.fixture(scope="session")
def feeds_site(tmp_path_factory) -> Path:
    """The sample content plus FEED_TEST_POSTS, built with the local settings."""
    root = tmp_path_factory.mktemp("feeds-site")
    content = add_feed_posts(copy_content(root / "content"))
    output = root / "output"
    build_site(output, settings_file=DEV_SETTINGS, content=content)
    return output


@pytest.fixture(scope="session")
def publish_settings() -> dict:
    """publishconf.py as Pelican reads it (the production settings)."""
    from pelican.settings import read_settings

    return read_settings(str(PUBLISH_SETTINGS))


@pytest.fixture
def comment_server(tmp_path, publish_settings):
    """A factory for the production-shaped comment server: the configuration
    `invoke comments-config` writes, run by gunicorn on loopback (moderation,
    admin and rate-limit guard on). Returns (server, admin password); every
    server it starts is stopped by PID."""
    from commons.comments.server import local_server

    started = []

    def start(site_origin: str, name: str = "comments", **server):
        isso, password = local_server(publish_settings, tmp_path / name, site_origin, **server)
        log = (tmp_path / f"{name}.log").open("w")
        started.append((isso, log))
        isso.start(log)
        return isso, password

    yield start
    for isso, log in started:
        isso.stop()
        log.close()


# Where `start_invoke_task` puts the checkout its task runs on, under its `cwd`.
TASK_CHECKOUT = "checkout"


def start_invoke_task(name: str, cwd: Path, env: dict | None = None):
    """`invoke <name>`, as an editor starts it, on free ports, for a throwaway
    copy of the checkout (`cwd / TASK_CHECKOUT`): the task builds into the
    copy's output/ and keeps its Isso in the copy's .isso/, never the repository's.

    Returns (the task, the site's port, Isso's port). The task has its own
    session: the test signals the task alone, and it must stop its servers.
    """
    checkout = checkout_copy(cwd / TASK_CHECKOUT, content=True)
    site_port, isso_port = free_port(), free_port()
    task = subprocess.Popen(
        [str(Path(sys.executable).with_name("invoke")), "-r", str(checkout), name],
        cwd=cwd,
        env={
            **os.environ,
            "COMMONS_SITE_PORT": str(site_port),
            "COMMONS_ISSO_PORT": str(isso_port),
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=restore_sigint,
    )
    return task, site_port, isso_port
