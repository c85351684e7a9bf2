"""`invoke preview`: the production build with a production-shaped comment
server beside it (gunicorn, moderation on), so comments work in the preview:
a reader posts from Chromium, the comment waits for moderation, the admin
password from the environment opens the queue; stopping the task stops both."""

from __future__ import annotations

import os
import signal
import time

from commons.servers import wait_for_port
from tests.build.test_comments_backup import admin_queue
from tests.build.test_serve_task import port_is_closed
from tests.conftest import SAMPLE_ARTICLE, start_invoke_task

PASSWORD = "preview-password-for-moderators"


def test_preview_comments_are_held_for_moderation(tmp_path, chromium):
    env = {
        "COMMONS_ISSO_ADMIN_PASSWORD": PASSWORD,
        # A fresh database: the guard counts earlier runs' comments from 127.0.0.1.
        "COMMONS_PREVIEW_DATA": str(tmp_path / "preview-comments"),
    }
    task, site_port, isso_port = start_invoke_task("preview", tmp_path, env)
    isso_url = f"http://127.0.0.1:{isso_port}/"
    try:
        wait_for_port("127.0.0.1", site_port, task, timeout=120)
        wait_for_port("127.0.0.1", isso_port, task, timeout=30)
        context = chromium.new_context()
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{site_port}/{SAMPLE_ARTICLE}", wait_until="networkidle")
        page.click("[data-discussion-load]")
        postbox = page.locator("#isso-thread .isso-postbox").first
        postbox.locator("textarea.isso-textarea").fill("Seen in the preview first.")
        with page.expect_response(lambda r: r.url.startswith(isso_url + "new?")) as answer:
            postbox.locator("input[type=submit]").click()
        comment = answer.value.json()
        assert answer.value.status == 202 and comment["mode"] == 2
        context.close()
        assert comment["id"] in admin_queue(isso_url, PASSWORD)
        assert (tmp_path / "preview-comments" / "comments.db").is_file()
    finally:
        if task.poll() is None:
            os.kill(task.pid, signal.SIGTERM)
        output, _ = task.communicate(timeout=30)
    assert f"approve them at {isso_url}admin/ (password: {PASSWORD})" in output
    deadline = time.monotonic() + 10
    while not (port_is_closed(site_port) and port_is_closed(isso_port)):
        assert time.monotonic() < deadline, f"a server outlived the task:\n{output}"
        time.sleep(0.2)
