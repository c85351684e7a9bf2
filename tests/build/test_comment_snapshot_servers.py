"""The comment snapshot against real comment servers: each server has its own
snapshots, and a build fetches only the threads that changed on its server.

Comments are posted through Isso's API and moderated through its moderation
links (tests/browser/test_comment_snapshot.IssoClient); the production-shaped
server is the configuration `invoke comments-config` writes, run by gunicorn.
"""

from __future__ import annotations

import json
import re
import urllib.request

from commons import PUBLISH_SETTINGS
from commons.build import build_site
from commons.comments.versions import PATH as VERSIONS_PATH
from commons.servers import free_port
from tests.browser.test_comment_snapshot import IssoClient
from tests.conftest import SAMPLE_ARTICLE, SAMPLE_CONTENT, copy_content, parse_html

THREAD_ID = "sharing-your-work-and-coworking-to-share"
LOCAL_ONLY = "Written in the local preview: never published."
PRODUCTION_ONLY = "Written on the live site, approved by the moderator."
POST = """Title: Thread {name}
Date: 2012-05-0{day} 10:00
Slug: thread-{name}

A post with its own discussion.
"""
CHANGED = re.compile(r"Comments snapshot: (\d+) of (\d+) thread\(s\) changed on isso at \S+")


def thread_text(output, path: str) -> str:
    """The text of the comment snapshot on a built page ('' when it has none)."""
    page = parse_html(output / path)
    return " ".join(node.text_content() for node in page.xpath("//*[@data-discussion-snapshot]"))


def changed(log: str) -> tuple[int, int]:
    [found] = CHANGED.findall(log)
    return int(found[0]), int(found[1])


def test_each_server_has_its_own_snapshots(tmp_path, isso_server, comment_server, fetch_comments):
    site = f"http://127.0.0.1:{free_port()}"
    local = isso_server([site], guard=False)
    IssoClient(local, site).post(LOCAL_ONLY, "Ana")
    production, _password = comment_server(site)
    live = IssoClient(production, site, database=production.config_dir / "comments.db")
    live.approve(live.post(PRODUCTION_ONLY, "Bea")["id"])

    # One cache for both builds, as on an editor's machine.
    local_build = {"DISCUSSION": {"provider": "isso", "isso": {"url": local.url}}}
    preview = build_site(tmp_path / "local", content=SAMPLE_CONTENT, overrides=local_build).output
    published = build_site(
        tmp_path / "published",
        content=SAMPLE_CONTENT,
        settings_file=PUBLISH_SETTINGS,
        env={"COMMONS_SITEURL": site, "COMMONS_ISSO_URL": production.url},
    ).output
    assert LOCAL_ONLY in thread_text(preview, SAMPLE_ARTICLE)
    assert PRODUCTION_ONLY not in thread_text(preview, SAMPLE_ARTICLE)
    assert PRODUCTION_ONLY in thread_text(published, SAMPLE_ARTICLE)
    assert LOCAL_ONLY not in thread_text(published, SAMPLE_ARTICLE)

    # From the cache alone (both servers gone), each build still shows only its own.
    local.stop()
    production.stop()
    cached = {"DISCUSSION": {**local_build["DISCUSSION"], "snapshot": {"refresh": "never"}}}
    again = build_site(tmp_path / "local-again", content=SAMPLE_CONTENT, overrides=cached).output
    assert LOCAL_ONLY in thread_text(again, SAMPLE_ARTICLE)
    assert PRODUCTION_ONLY not in thread_text(again, SAMPLE_ARTICLE)
    assert len([folder for folder in fetch_comments.iterdir() if folder.is_dir()]) == 2


def test_a_build_fetches_only_the_threads_that_changed(tmp_path, isso_server, fetch_comments):
    content = copy_content(tmp_path / "content")
    names = ["new", "approved", "edited", "deleted", "same"]
    for day, name in enumerate(names, start=1):
        (content / f"thread-{name}.md").write_text(POST.format(name=name, day=day))
    site = f"http://127.0.0.1:{free_port()}"
    isso = isso_server([site], moderation=True, guard=False)
    client = {name: IssoClient(isso, site, thread_id=f"thread-{name}") for name in names}
    first = {}
    for name in names[1:]:
        first[name] = client[name].post(f"The first word on {name}.", "Ana")["id"]
        client[name].approve(first[name])
    pending = client["approved"].post("Held until the moderator approves it.", "Pat")["id"]
    doomed = client["deleted"].post("A comment its author regrets.", "Cy")["id"]
    client["deleted"].approve(doomed)

    overrides = {"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}}

    def build(name: str):
        return build_site(tmp_path / name, content=content, overrides=overrides)

    first_build = build("first")
    wanted, threads = changed(first_build.log)
    assert wanted == threads == len(names) + 1  # every thread: none had a snapshot
    assert "Held until" not in thread_text(first_build.output, "2012/05/thread-approved/index.html")
    assert changed(build("unchanged").log) == (0, threads)

    # A new comment, an approval, a moderator's edit, a deletion; one thread untouched.
    client["new"].approve(client["new"].post("A brand new comment.", "Dee")["id"])
    client["approved"].approve(pending)
    client["edited"].edit(first["edited"], "The first word, corrected.")
    client["deleted"].delete(doomed)
    same_before = (first_build.output / "2012/05/thread-same/index.html").read_bytes()

    result = build("second")
    assert changed(result.log) == (4, threads)
    assert "fetched 4 in" in result.log
    output = result.output
    assert "A brand new comment." in thread_text(output, "2012/05/thread-new/index.html")
    assert "Held until the moderator" in thread_text(output, "2012/05/thread-approved/index.html")
    edited = thread_text(output, "2012/05/thread-edited/index.html")
    assert "The first word, corrected." in edited and "The first word on edited" not in edited
    assert "regrets" not in thread_text(output, "2012/05/thread-deleted/index.html")
    assert "The first word on deleted." in thread_text(output, "2012/05/thread-deleted/index.html")
    assert (output / "2012/05/thread-same/index.html").read_bytes() == same_before


def test_the_versions_answer_holds_no_private_field_and_refuses_writes(isso_server):
    site = f"http://127.0.0.1:{free_port()}"
    isso = isso_server([site], guard=False)
    client = IssoClient(isso, site)
    client.post("Public words.", "Ana", website="https://ana.example/")
    with urllib.request.urlopen(isso.url.rstrip("/") + VERSIONS_PATH, timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.headers.get("Access-Control-Allow-Origin") is None
        body = answer.read().decode()
    data = json.loads(body)
    assert list(data["threads"]) == [THREAD_ID]
    for private in ("127.0.0.1", "Ana", "Public words", "ana.example", "email"):
        assert private not in body
    request = urllib.request.Request(
        isso.url.rstrip("/") + VERSIONS_PATH,
        data=b"{}",
        headers={"Origin": site, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 405
    else:
        raise AssertionError("a POST to the versions endpoint was accepted")


def test_an_isso_without_commons_app_gets_threads_without_a_snapshot(
    tmp_path, isso_server, fetch_comments
):
    # Plain `isso run` has no thread versions (404): the build falls back to `missing`.
    site = f"http://127.0.0.1:{free_port()}"
    isso = isso_server([site], guard=False, cross_site_guard=False)
    IssoClient(isso, site).post("Through plain Isso.", "Ana")
    overrides = {"DISCUSSION": {"provider": "isso", "isso": {"url": isso.url}}}
    result = build_site(tmp_path / "first", content=SAMPLE_CONTENT, overrides=overrides)
    assert "Comments snapshot: fetched 1 of 1 thread(s)" in result.log
    assert "Through plain Isso." in thread_text(result.output, SAMPLE_ARTICLE)
    again = build_site(tmp_path / "again", content=SAMPLE_CONTENT, overrides=overrides)
    assert "Comments snapshot" not in again.log
