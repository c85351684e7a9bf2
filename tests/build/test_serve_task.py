"""The README's first command, as an editor runs it: `invoke serve` builds the
site and serves it with a local Isso, both on 127.0.0.1; Ctrl-C stops both."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import time
import urllib.request

import pytest

from commons.servers import wait_for_port
from tests.conftest import (
    SAMPLE_ARTICLE,
    SAMPLE_TITLE,
    isso_snapshots,
    parse_html,
    start_invoke_task,
)


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(
    ("task_name", "stop_signal"),
    [("serve", signal.SIGINT), ("serve", signal.SIGTERM), ("livereload", signal.SIGTERM)],
    ids=["serve-ctrl-c", "serve-kill", "livereload-kill"],
)
def test_serve_starts_site_and_isso_and_stops_both(tmp_path, task_name, stop_signal):
    task, site_port, isso_port = start_invoke_task(task_name, tmp_path)
    try:
        try:
            wait_for_port("127.0.0.1", site_port, task, timeout=60)
        except RuntimeError as error:
            raise AssertionError(f"{error}:\n{task.stdout.read()}") from error
        wait_for_port("127.0.0.1", isso_port, task, timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{site_port}/{SAMPLE_ARTICLE}") as page:
            served = page.read()
        (tmp_path / "page.html").write_bytes(served)
        assert parse_html(tmp_path / "page.html").xpath("normalize-space(//h1)") == SAMPLE_TITLE
        # The page's thread points at this Isso, and this Isso answers.
        with urllib.request.urlopen(f"http://127.0.0.1:{isso_port}/config") as config:
            assert "reply-to-self" in json.loads(config.read())["config"]
        # This Isso is behind the cross-site guard: a post from the site's own
        # origin with no Content-Type (what a no-cors Blob sends) is refused.
        forged = http.client.HTTPConnection("127.0.0.1", isso_port, timeout=10)
        body = json.dumps({"text": "forged", "title": "T"})
        forged.request(
            "POST",
            "/new?uri=%2Fforged%2F",
            body=body,
            headers={"Origin": f"http://127.0.0.1:{site_port}"},
        )
        assert forged.getresponse().status == 403
        forged.close()
    finally:
        if task.poll() is None:
            # Only the task itself is signalled: it must stop its servers.
            os.kill(task.pid, stop_signal)
        output, _ = task.communicate(timeout=30)
    assert task.returncode == 0, output
    deadline = time.monotonic() + 10
    while not (port_is_closed(site_port) and port_is_closed(isso_port)):
        assert time.monotonic() < deadline, f"a server outlived Ctrl-C:\n{output}"
        time.sleep(0.2)
    assert "Stopping." in output


def test_serve_starts_isso_before_the_build_so_new_posts_get_their_snapshot(
    tmp_path, fetch_comments
):
    task, site_port, isso_port = start_invoke_task("serve", tmp_path)
    try:
        wait_for_port("127.0.0.1", site_port, task, timeout=60)
    finally:
        if task.poll() is None:
            os.kill(task.pid, signal.SIGTERM)
        output, _ = task.communicate(timeout=30)
    assert task.returncode == 0, output
    # The build asked the local Isso, which was up: no "did not answer" line,
    # and the sample post's thread is in the snapshot cache (with no comments).
    assert "did not answer" not in output, output
    # In the folder of the local Isso that `serve` started (COMMONS_ISSO_PORT).
    isso_url = f"http://127.0.0.1:{isso_port}/"
    snapshots = isso_snapshots(fetch_comments, isso_url)
    cached = [json.loads(path.read_text()) for path in snapshots.glob("*.json")]
    assert any(thread["comments"] == [] for thread in cached), output


def test_preview_starts_its_isso_before_it_builds_and_snapshots_from_it(tmp_path, fetch_comments):
    task, site_port, isso_port = start_invoke_task(
        "preview", tmp_path, env={"COMMONS_PREVIEW_DATA": str(tmp_path / "preview-data")}
    )
    try:
        wait_for_port("127.0.0.1", site_port, task, timeout=120)
    finally:
        if task.poll() is None:
            os.kill(task.pid, signal.SIGTERM)
        output, _ = task.communicate(timeout=30)
    assert task.returncode == 0, output
    isso_url = f"http://127.0.0.1:{isso_port}/"
    lines = output.splitlines()

    def first(prefix: str) -> int:
        return next(n for n, line in enumerate(lines) if line.startswith(prefix))

    # Its own Isso answered first, then the build took the snapshot from it.
    assert first(f"isso (gunicorn): {isso_url}") < first("Built "), output
    assert "did not answer" not in output, output
    assert f"on isso at {isso_url}; fetched 1" in output, output


def test_a_server_that_stops_says_why(tmp_path):
    task, _site_port, _isso_port = start_invoke_task("serve", tmp_path)
    lines = []
    try:
        for line in task.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        isso_pid = int(
            re.search(r"^isso: \S+ \(pid (\d+)\)$", "".join(lines), re.MULTILINE).group(1)
        )
        os.killpg(isso_pid, signal.SIGKILL)
        output, _ = task.communicate(timeout=30)
    finally:
        if task.poll() is None:
            os.kill(task.pid, signal.SIGTERM)
            task.communicate(timeout=30)
    assert task.returncode == 1, output
    # Which server, how it ended, and its last messages (the local Isso says
    # at start that it sends no mail).
    assert "The isso server stopped unexpectedly: it was killed by signal SIGKILL" in output
    assert ".isso/isso.log:" in output and "Mail is off" in output, output
