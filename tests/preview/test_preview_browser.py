"""The preview in Chromium: a save reloads the page; a bad save shows its error over the
last good page, as text (a hostile editor's error runs nothing), and the next good save
clears it without a restart. Nothing is requested from another origin."""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import time

from tests.preview.helpers import PreviewProcess, Site

POST_PATH = "2024/02/post-number-1/"
HOSTILE = "<img src=x onerror=window.pwned=1><script>window.pwned=2</script>"


def _save(site: Site, *, body: str, date: str | None = None) -> None:
    site.write_post(
        "post-1.md",
        title="Post number 1",
        date=datetime.datetime(2024, 2, 3, 9, 30),
        category="Community",
        tags=["garden"],
        body=body,
    )
    if date is not None:
        path = site.content / "post-1.md"
        text = path.read_text(encoding="utf-8").replace("Date: 2024-02-03 09:30", f"Date: {date}")
        path.write_text(text, encoding="utf-8")


def shows(text: str) -> str:
    # While the page reloads there is a moment without a body: not yet, not an error.
    return f"document.body !== null && document.body.textContent.includes({text!r})"


def test_save_reloads_page_and_bad_save_shows_escaped_error_then_recovers(tmp_path, browser):
    site = Site(tmp_path / "site")
    preview = PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log")
    with preview:
        origin = preview.url.rstrip("/")
        requests = []
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto(preview.url + POST_PATH)
        page.wait_for_function("document.querySelector('script[src*=\"preview/client.js\"]')")
        page.wait_for_timeout(300)  # the event stream is open
        page.evaluate("window.beforeReload = true")

        _save(site, body="The body of post 1, with a first paragraph.\n\nA paragraph saved now.")
        page.wait_for_function(shows("A paragraph saved now."))
        assert page.evaluate("window.beforeReload === undefined"), "the page was not reloaded"

        rests = preview.status()["rests"]
        _save(site, body="A paragraph that must never show.", date=HOSTILE)
        page.wait_for_selector("#commons-preview-error", timeout=60_000)
        state = preview.settle(rests)
        overlay = page.locator("#commons-preview-error")
        text = overlay.inner_text()
        # File, field and fix, shown as text: the markup is visible, and nothing ran.
        assert "post-1.md" in text and "'date'" in text and "Fix:" in text
        assert HOSTILE in text
        assert overlay.locator("img, script").count() == 0
        assert page.evaluate("window.pwned") is None
        # The last good site stays served, and the terminal says the same.
        assert "A paragraph saved now." in page.content()
        assert b"A paragraph saved now." in preview.get(POST_PATH)
        assert state["error"] and "post-1.md" in state["error"]
        assert "post-1.md" in preview.log.read_text() and "Fix:" in preview.log.read_text()

        pid = preview.process.pid
        _save(site, body="A paragraph after the fix.")
        page.wait_for_function(shows("A paragraph after the fix."))
        page.wait_for_function("!document.getElementById('commons-preview-error')")
        assert preview.process.pid == pid and preview.process.poll() is None
        assert all(url.startswith(origin) for url in requests), requests


def test_ctrl_c_stops_the_preview_and_its_build(tmp_path):
    site = Site(tmp_path / "site")
    preview = PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log").start()
    try:
        _save(site, body="A save so that a full pass runs while Ctrl-C comes.")
        time.sleep(0.3)
        children = subprocess.run(
            ["pgrep", "-P", str(preview.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        os.kill(preview.process.pid, signal.SIGINT)
        assert preview.process.wait(timeout=30) == 0
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", preview.port)) != 0
        deadline = time.monotonic() + 10
        while any(os.path.exists(f"/proc/{child}") for child in children):
            assert time.monotonic() < deadline, f"left running: {children}"
            time.sleep(0.1)
        assert "Stopped." in preview.log.read_text()
    finally:
        preview.stop()
