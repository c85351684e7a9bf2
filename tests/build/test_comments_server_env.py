"""The comment server refuses to start under gunicorn when a secret its
configuration names is missing: Isso would otherwise take the literal text
"$COMMONS_ISSO_ADMIN_PASSWORD" as the admin password."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from commons.comments import options as opts
from commons.comments.server import GunicornIsso, local_server


def test_gunicorn_refuses_to_start_without_the_admin_password(publish_settings, tmp_path):
    isso, _ = local_server(publish_settings, tmp_path / "data", "http://127.0.0.1:9")
    env = {name: value for name, value in isso.env.items() if name != opts.ENV_ADMIN_PASSWORD}
    env[opts.ENV_ADMIN_PASSWORD] = ""
    refused = GunicornIsso(isso.config_dir, env)
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log, pytest.raises(RuntimeError, match="exited with code"):
        refused.start(log)
    log = log_path.read_text()
    assert f"{opts.ENV_ADMIN_PASSWORD} is not set" in log and "Fix:" in log
    # With it, the same configuration starts.
    with open(tmp_path / "ok.log", "w") as log:
        isso.start(log)
        isso.stop()


def test_the_gunicorn_app_refuses_forged_cross_site_posts_itself(comment_server):
    import json
    import urllib.error
    import urllib.request

    site = "http://127.0.0.1:9"
    isso, _ = comment_server(site)

    def post(origin: str, content_type: str) -> int:
        request = urllib.request.Request(
            f"{isso.url}new?uri=guarded",
            data=json.dumps({"text": "Is this let through?", "title": "t"}).encode(),
            headers={"Origin": origin, "Content-Type": content_type},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    assert post("http://evil.test", "application/json") == 403
    assert post(site, "text/plain") == 403
    assert post(site, "application/json") == 202


def test_the_gunicorn_master_runs_no_isso_thread_when_it_forks_workers(comment_server):
    """gunicorn's master forks every worker, and forks again for each one that
    dies. Had it made Isso's app (`--preload`), Isso's purge thread could be
    inside SQLite at that moment, and the worker would inherit SQLite's locks
    mid-use: a first request that never ends, or "database is locked"."""
    isso, _ = comment_server("http://127.0.0.1:9")
    time.sleep(1)  # Isso starts its purge thread as soon as its app is made
    status = Path(f"/proc/{isso.pid}/status").read_text(encoding="ascii")
    threads = int(re.search(r"^Threads:\s+(\d+)$", status, re.MULTILINE).group(1))
    assert threads == 1, f"gunicorn's master (pid {isso.pid}) runs {threads} threads"
