"""A hostile editor's content, built for real with the local and the production
settings: every path stays inside the site, nothing outside content/ is read,
no upload runs in the site's origin, and bad markup costs seconds. Each refusal
names the file, the field or the reason, and the fix."""

from __future__ import annotations

import concurrent.futures
import http.server
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from commons import DEV_SETTINGS, PUBLISH_SETTINGS
from commons.build import BuildError, build_site
from tests.conftest import copy_content, guard

SETTINGS = [DEV_SETTINGS, PUBLISH_SETTINGS]
SETTINGS_IDS = ["local", "production"]
# Search is not what these tests are about; it only slows the builds that pass.
FAST = {"SEARCH": {"enabled": False}}
HEADER = "Title: Hostile\nDate: 2024-03-01\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
UP = "../" * 40  # more than any folder is deep: from content/ to /


def post(content: Path, fields: str = "", body: str = "Body.\n", name: str = "hostile.md"):
    header = HEADER.replace("Hostile", f"Hostile {Path(name).stem}")
    (content / name).write_text(header + fields + "\n" + body, encoding="utf-8")


def upload(content: Path, name: str, text: str) -> None:
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / name).write_text(text, encoding="utf-8")


def failed_build(tmp_path: Path, content: Path, settings: Path, overrides=None) -> str:
    """The message of a build that must fail; its output folder must not exist."""
    output = tmp_path / "output"
    with pytest.raises(BuildError) as failure:
        build_site(output, settings_file=settings, content=content, overrides=overrides or FAST)
    assert not output.exists()
    message = str(failure.value)
    assert "Traceback" not in message
    return message


# ---------------------------------------------------------------- point 2: paths
FIELD_CASES = [
    # (case id, metadata line, fragments the message must hold)
    ("url-javascript", "Url: javascript:alert(1)", ["'url'", "'javascript:alert(1)'", "scheme"]),
    ("url-data", "Url: data:text/html,<script>x</script>", ["'url'", "scheme"]),
    ("url-other-site", "Url: //evil.example/x/", ["'url'", "is absolute"]),
    ("url-encoded-newline", "Url: a%0Ab/", ["'url'", "control character"]),
    ("save-as-parent", "Save_as: ../../escaped.html", ["'save_as'", ".. segment"]),
    ("save-as-absolute", "Save_as: /tmp/escaped.html", ["'save_as'", "is absolute"]),
    ("save-as-backslash", "Save_as: a\\..\\b.html", ["'save_as'", "backslash"]),
    ("save-as-not-html", "Save_as: notes/evil.js", ["'save_as'", "not an .html page"]),
    ("save-as-home", "Save_as: index.html", ["'save_as'", "the index page"]),
    ("save-as-page-2", "Save_as: page/2/index.html", ["'save_as'", "a further page of the index"]),
    ("save-as-search", "Save_as: search/index.html", ["'save_as'", "the search page"]),
    ("save-as-404", "Save_as: 404.html", ["'save_as'", "the 404 page"]),
    ("save-as-archives", "Save_as: archives/index.html", ["'save_as'", "the archives page"]),
    ("save-as-year", "Save_as: archives/2024/index.html", ["'save_as'", "year archive page"]),
    ("save-as-category", "Save_as: category/community/index.html", ["'save_as'", "category page"]),
    ("save-as-tag", "Save_as: tag/x/page/2/index.html", ["'save_as'", "(TAG_SAVE_AS)"]),
    ("save-as-author", "Save_as: author/eve/index.html", ["'save_as'", "(AUTHOR_SAVE_AS)"]),
    ("save-as-tags", "Save_as: tags/index.html", ["'save_as'", "the tags page"]),
    ("save-as-feed", "Save_as: feeds/all.atom.xml", ["'save_as'", "FEED_ALL_ATOM"]),
    ("save-as-sitemap", "Save_as: sitemap.xml", ["'save_as'", "the sitemap"]),
    ("save-as-robots", "Save_as: robots.txt", ["'save_as'", "robots.txt"]),
    ("save-as-headers", "Save_as: _headers", ["'save_as'", "security headers file"]),
    ("save-as-cname", "Save_as: CNAME", ["'save_as'", "OUTPUT_RETENTION"]),
    ("save-as-well-known", "Save_as: .well-known/security.txt", ["'save_as'", "hidden file"]),
    ("save-as-git", "Save_as: .git/config", ["'save_as'", "hidden file"]),
    ("save-as-theme", "Save_as: theme/css/main.html", ["'save_as'", "THEME_STATIC_DIR"]),
    ("save-as-search-index", "Save_as: pagefind/x.html", ["'save_as'", "search index"]),
    ("lang-path", "Lang: ../../x", ["'lang'", "not a language code", "Fix: write a code"]),
    ("template-path", "Template: ../../../etc/passwd", ["'template'", "Fix: use one of"]),
    ("template-unknown", "Template: nosuch", ["'template'", "article", "Fix: use one of"]),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
@pytest.mark.parametrize(
    ("line", "expected"), [case[1:] for case in FIELD_CASES], ids=[c[0] for c in FIELD_CASES]
)
def test_a_path_or_link_field_outside_the_site_fails_naming_file_field_and_fix(
    tmp_path, settings, line, expected
):
    content = copy_content(tmp_path / "content")
    post(content, line + "\n")
    message = failed_build(tmp_path, content, settings)
    assert "hostile.md: metadata field" in message
    for fragment in expected:
        assert fragment in message
    assert "Fix: " in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_page_slug_cannot_take_a_generated_page(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    (content / "pages" / "search.md").write_text("Title: Search\nSlug: search\n\nMine.\n")
    message = failed_build(tmp_path, content, settings)
    for fragment in ("pages/search.md", "'slug'", "'search/index.html'", "the search page"):
        assert fragment in message
    assert "Fix: choose another Slug" in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_an_attached_file_cannot_land_on_a_retained_file(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    (content / "pages" / "CNAME").write_text("evil.example\n")
    (content / "pages" / "root.md").write_text(
        "Title: Root\nSave_as: root.html\nUrl: root.html\n\n[host]({attach}CNAME)\n"
    )
    message = failed_build(tmp_path, content, settings)
    for fragment in ("pages/CNAME", "{attach}", "'CNAME'", "OUTPUT_RETENTION", "Fix:"):
        assert fragment in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_maintainer_may_still_place_a_static_file_on_a_kept_path(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    (content / "extra").mkdir()
    (content / "extra" / "CNAME").write_text("commons.example.org\n")
    output = tmp_path / "output"
    overrides = {**FAST, "EXTRA_PATH_METADATA": {"extra/CNAME": {"path": "CNAME"}}}
    build_site(output, settings_file=settings, content=content, overrides=overrides)
    assert (output / "CNAME").read_text() == "commons.example.org\n"


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_draft_is_never_published_where_drafts_are_not(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    post(content, "Status: draft\nSave_as: leaked/index.html\nUrl: leaked/\n", "Secret plan.\n")
    output = tmp_path / "output"
    build_site(output, settings_file=settings, content=content, overrides=FAST)
    leaked = [p for p in output.rglob("*") if p.is_file() and b"Secret plan" in p.read_bytes()]
    if settings == PUBLISH_SETTINGS:
        assert leaked == []
    else:  # a local build previews drafts, where the editor asked
        assert output / "leaked" / "index.html" in leaked


# ---------------------------------------------------------------- point 3: outside content/
SECRET = "commons-secret-outside-content"


@pytest.fixture
def outside_secret(tmp_path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n")
    return secret


def attach_environ(content, _secret):
    post(content, body=f"[env]({{attach}}{UP}proc/self/environ)\n")
    return ["hostile.md", "{attach}", "proc/self/environ", "outside content/", "Fix:"]


def static_outside(content, secret):
    post(content, body=f"![x]({{static}}/{UP}{str(secret).lstrip('/')})\n")
    return ["hostile.md", "{static}", "outside content/", "Fix:"]


def static_outside_twice(content, secret):
    # One target from two posts: each post is named, however often the target is resolved.
    for name in ("hostile.md", "again.md"):
        post(content, body=f"![x]({{static}}/{UP}{str(secret).lstrip('/')})\n", name=name)
    return ["hostile.md", "again.md", "{static}", "outside content/", "Fix:"]


def filename_outside(content, secret):
    post(content, body=f"[x]({{filename}}../outside/{secret.name})\n")
    return ["hostile.md", "{filename}../outside/secret.txt", "outside content/", "Fix:"]


def symlink_file_out(content, secret):
    (content / "images").mkdir()
    os.symlink(secret, content / "images" / "secret.png")
    return ["images/secret.png", "symbolic link", str(secret), "outside content/", "Fix:"]


def symlink_folder_out(content, secret):
    os.symlink(secret.parent, content / "images")
    return ["images", "symbolic link", "outside content/", "Fix:"]


def symlink_post_out(content, secret):
    (secret.parent / "post.md").write_text(HEADER + "\n" + SECRET + "\n")
    os.symlink(secret.parent / "post.md", content / "linked.md")
    return ["linked.md", "symbolic link", "outside content/", "Fix:"]


def rst_include(content, secret):
    (content / "hostile.rst").write_text(
        f"Hostile\n#######\n\n:date: 2024-03-01\n\n.. include:: {secret}\n"
    )
    return ["hostile.rst", '"include" directive disabled', "Fix:"]


def rst_raw_file(content, secret):
    (content / "hostile.rst").write_text(
        f"Hostile\n#######\n\n:date: 2024-03-01\n\n.. raw:: html\n   :file: {secret}\n"
    )
    return ["hostile.rst", '"raw" directive disabled', "Fix:"]


def rst_csv_file(content, secret):
    (content / "hostile.rst").write_text(
        f"Hostile\n#######\n\n:date: 2024-03-01\n\n.. csv-table:: T\n   :file: {secret}\n"
    )
    return ["hostile.rst", 'File and URL access deactivated; ignoring "csv-table"', "Fix:"]


OUTSIDE_CASES = [
    attach_environ,
    static_outside,
    static_outside_twice,
    filename_outside,
    symlink_file_out,
    symlink_folder_out,
    symlink_post_out,
    rst_include,
    rst_raw_file,
    rst_csv_file,
]


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
@pytest.mark.parametrize("breakage", OUTSIDE_CASES, ids=[c.__name__ for c in OUTSIDE_CASES])
def test_nothing_outside_content_is_read(tmp_path, outside_secret, settings, breakage):
    content = copy_content(tmp_path / "content")
    expected = breakage(content, outside_secret)
    message = failed_build(tmp_path, content, settings)
    for fragment in expected:
        assert fragment in message
    assert SECRET not in message


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"a,b\n" + SECRET.encode())

    def log_message(self, *_args):
        pass


@pytest.fixture
def recording_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
@pytest.mark.parametrize(
    ("directive", "reason"),
    [
        ("raw:: html", '"raw" directive disabled'),
        ("csv-table:: T", 'File and URL access deactivated; ignoring "csv-table"'),
    ],
)
def test_restructuredtext_fetches_no_url(tmp_path, recording_server, settings, directive, reason):
    url = f"http://127.0.0.1:{recording_server.server_address[1]}/fetched"
    content = copy_content(tmp_path / "content")
    (content / "hostile.rst").write_text(
        f"Hostile\n#######\n\n:date: 2024-03-01\n\n.. {directive}\n   :url: {url}\n"
    )
    message = failed_build(tmp_path, content, settings)
    assert "hostile.rst" in message and reason in message and "Fix:" in message
    assert recording_server.requests == []


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_named_pipe_fails_the_build_at_once(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    pipe = content / "pipe.md"
    os.mkfifo(pipe)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(failed_build, tmp_path, content, settings)
        try:
            message = future.result(timeout=60)
        except concurrent.futures.TimeoutError:
            # Unblock the reader (EOF), so the test ends and fails.
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            future.result(timeout=60)
            pytest.fail("the build waited on the named pipe")
    assert time.monotonic() - started < 30
    for fragment in ("pipe.md", "named pipe (FIFO)", "not a regular file", "Fix: delete it"):
        assert fragment in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_socket_among_the_uploads_fails_the_build(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(content / "images" / "photo.jpg"))
        message = failed_build(tmp_path, content, settings)
    finally:
        listener.close()
    for fragment in ("images/photo.jpg", "is a socket", "Fix: delete it"):
        assert fragment in message


# ---------------------------------------------------------------- point 4: uploads
UPLOAD_CASES = [
    ("svg-script", "a.svg", f"{SVG}<script>window.__pwned=1</script></svg>", "<script>"),
    ("svg-handler", "a.svg", f'{SVG}<rect width="9" height="9" onload="x()"/></svg>', "onload"),
    (
        "svg-foreign-object",
        "a.svg",
        f'{SVG}<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject></svg>',
        "<foreignObject>",
    ),
    (
        "svg-javascript-link",
        "a.svg",
        f'{SVG}<a xlink:href="javascript:x()"><text>t</text></a></svg>',
        "'javascript:x()'",
    ),
    (
        "svg-external-image",
        "a.svg",
        f'{SVG}<image href="https://tracker.example/p.png"/></svg>',
        "'https://tracker.example/p.png'",
    ),
    (
        "svg-animated-link",
        "a.svg",
        f'{SVG}<a><set attributeName="href" to="javascript:x()"/><text>t</text></a></svg>',
        "animates a link",
    ),
    (
        "svg-entities",
        "a.svg",
        f'<!DOCTYPE svg [<!ENTITY e "x">]>{SVG}<text>&e;</text></svg>',
        "entities",
    ),
    (
        "svg-stylesheet-import",
        "a.svg",
        f"{SVG}<style>@import url(https://x.example/s.css);</style></svg>",
        "@import",
    ),
    (
        "svg-css-url",
        "a.svg",
        f'{SVG}<rect style="fill: url(https://x.example/f.svg#p)"/></svg>',
        "'https://x.example/f.svg#p'",
    ),
    ("svg-broken", "a.svg", f"{SVG}<g></svg>", "not well-formed XML"),
    (
        "xml-stylesheet",
        "a.xml",
        '<?xml-stylesheet type="text/xsl" href="t.xsl"?><doc/>',
        "xml-stylesheet",
    ),
    (
        "xml-with-html",
        "a.xml",
        '<doc><h:script xmlns:h="http://www.w3.org/1999/xhtml">x()</h:script></doc>',
        "holds HTML",
    ),
    ("html", "a.html", "<script>window.__pwned = 1</script>", "served as text/html (.html)"),
    ("script", "a.js", "window.__pwned = 1;", "javascript (.js)"),
    (
        "xhtml",
        "a.xhtml",
        '<html xmlns="http://www.w3.org/1999/xhtml"/>',
        "served as application/xhtml+xml (.xhtml)",
    ),
    ("htaccess", ".htaccess", "AddType text/html .png", "web server reads as its configuration"),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
@pytest.mark.parametrize(
    ("name", "text", "reason"), [c[1:] for c in UPLOAD_CASES], ids=[c[0] for c in UPLOAD_CASES]
)
def test_an_upload_a_browser_would_run_is_refused(tmp_path, settings, name, text, reason):
    content = copy_content(tmp_path / "content")
    upload(content, name, text)
    message = failed_build(tmp_path, content, settings)
    for fragment in (f"images/{name}", reason, "Fix:", "GUARD['media']['trusted_files']"):
        assert fragment in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_listed_upload_and_a_plain_drawing_are_published(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    upload(content, "widget.js", "console.log('checked by a maintainer');")
    drawing = (
        f'{SVG}<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
        '<rect width="9" height="9" fill="url(#g)"/><use href="#g"/>'
        '<image href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    )
    upload(content, "drawing.svg", drawing)
    output = tmp_path / "output"
    overrides = {**FAST, "GUARD": guard(media={"trusted_files": ["images/widget.js"]})}
    build_site(output, settings_file=settings, content=content, overrides=overrides)
    assert (output / "images" / "widget.js").is_file()
    assert (output / "images" / "drawing.svg").read_text() == drawing


KEEP = {"GUARD": guard(html={"policy": "keep", "extra_tags": [], "extra_attributes": {}})}
REMOTE_CASES = [
    # (id, post body or fields, what, CSP directive, overrides)
    ("markdown-image", "![A desk](https://images.example/desk.jpg)", "image", "img", {}),
    ("html-image", '<img src="//images.example/desk.jpg" alt="A desk">', "image", "img", {}),
    ("summary-image", "Summary: ![A desk](https://images.example/s.jpg)\n", "image", "img", {}),
    (
        "srcset-kept",
        '<img src="{static}/images/x.png" srcset="https://images.example/2x.png 2x" alt="x">',
        "image",
        "img",
        KEEP,
    ),
    (
        "video-kept",
        '<video src="https://images.example/v.mp4"></video>',
        "media file",
        "media",
        KEEP,
    ),
    (
        "poster-kept",
        '<video src="{static}/images/x.png" poster="https://images.example/p.jpg"></video>',
        "image",
        "img",
        KEEP,
    ),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
@pytest.mark.parametrize(
    ("body", "what", "directive", "overrides"),
    [c[1:] for c in REMOTE_CASES],
    ids=[c[0] for c in REMOTE_CASES],
)
def test_remote_media_in_a_post_is_reported_with_the_fix(
    tmp_path, settings, body, what, directive, overrides
):
    content = copy_content(tmp_path / "content")
    upload(content, "x.png", "")
    if body.startswith("Summary:"):
        post(content, body)
    else:
        post(content, body=body + "\n")
    message = failed_build(tmp_path, content, settings, {**FAST, **overrides})
    for fragment in (
        "hostile.md",
        f"the {what}",
        "images.example",
        f"({directive}-src)",
        "Fix: download it into content/images/",
        f"SECURITY_HEADERS['extra_sources']['{directive}']",
    ):
        assert fragment in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_remote_media_from_a_site_the_csp_allows_builds(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    post(content, body="![A desk](https://images.example/desk.jpg)\n")
    output = tmp_path / "output"
    overrides = {
        **FAST,
        "SECURITY_HEADERS": {
            "enabled": settings == PUBLISH_SETTINGS,
            "extra_sources": {"img": ["https://images.example"]},
        },
    }
    build_site(output, settings_file=settings, content=content, overrides=overrides)
    assert b"https://images.example/desk.jpg" in b"".join(
        p.read_bytes() for p in output.rglob("index.html")
    )


# ---------------------------------------------------------------- point 6: limits
SHORT = {**FAST, "GUARD": guard(sources={"max_bytes": 2_000_000, "max_seconds": 3})}


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_huge_post_fails_on_its_size_in_seconds(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    post(content, body="word " * 4_000_000)  # 20 MB
    started = time.monotonic()
    message = failed_build(tmp_path, content, settings)
    assert time.monotonic() - started < 20
    for fragment in ("hostile.md", "20,000,0", "2,000,000 bytes", "GUARD['sources']['max_bytes']"):
        assert fragment in message
    assert "Fix: split it" in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_nested_brackets_fail_on_time_in_seconds(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    post(content, body="[" * 50_000 + "]" * 50_000 + "\n")  # 100 KB, minutes without a limit
    started = time.monotonic()
    message = failed_build(tmp_path, content, settings, SHORT)
    assert time.monotonic() - started < 20
    for fragment in ("hostile.md", "more than 3 s", "GUARD['sources']['max_seconds']", "Fix:"):
        assert fragment in message


def test_nested_brackets_fail_within_the_default_limit(tmp_path):
    content = copy_content(tmp_path / "content")
    post(content, body="[" * 50_000 + "]" * 50_000 + "\n")
    started = time.monotonic()
    message = failed_build(tmp_path, content, PUBLISH_SETTINGS)
    assert time.monotonic() - started < 30
    assert "hostile.md: reading it took more than 10 s" in message


@pytest.mark.parametrize("settings", SETTINGS, ids=SETTINGS_IDS)
def test_a_deeply_nested_list_names_the_reason(tmp_path, settings):
    content = copy_content(tmp_path / "content")
    post(content, body="".join("    " * depth + "- item\n" for depth in range(260)))
    # A generous time limit: the reason to name here is the depth, not the time.
    patient = {**FAST, "GUARD": guard(sources={"max_bytes": 2_000_000, "max_seconds": 60})}
    started = time.monotonic()
    message = failed_build(tmp_path, content, settings, patient)
    assert time.monotonic() - started < 60
    for fragment in ("hostile.md", "nested too deeply", "Fix: flatten"):
        assert fragment in message


def test_the_time_limit_holds_when_workers_read(tmp_path):
    content = copy_content(tmp_path / "content")
    for number in range(6):
        post(content, body=f"Post {number}.\n", name=f"plain-{number}.md")
    post(content, body="[" * 50_000 + "]" * 50_000 + "\n")
    overrides = {**SHORT, "PARALLEL_READ": {"enabled": True, "processes": 2, "min_files": 1}}
    started = time.monotonic()
    message = failed_build(tmp_path, content, DEV_SETTINGS, overrides)
    # The worker gives up after 3 s; Pelican's serial read tries once more.
    assert time.monotonic() - started < 20
    assert "hostile.md: reading it took more than 3 s" in message


def test_invoke_check_lists_every_refusal_at_once(tmp_path):
    from commons.check import check_site

    content = copy_content(tmp_path / "content")
    post(content, "Save_as: index.html\n", name="home.md")
    post(content, "Url: javascript:alert(1)\n", name="link.md")
    post(content, body=f"[env]({{attach}}{UP}proc/self/environ)\n", name="attach.md")
    post(content, body="![x](https://images.example/x.png)\n", name="remote.md")
    upload(content, "a.svg", f"{SVG}<script>1</script></svg>")
    report = check_site(content=content)
    problems = {name: " ".join(found) for name, found in report.problems.items()}
    assert "'save_as'" in problems["home.md"]
    assert "'url'" in problems["link.md"]
    assert "outside content/" in problems["attach.md"]
    assert "(img-src)" in problems["remote.md"]
    assert "<script>" in problems["images/a.svg"]
