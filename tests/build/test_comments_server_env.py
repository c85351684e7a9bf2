"""The comment server refuses to start under gunicorn when a secret its
configuration names is missing: Isso would otherwise take the literal text
"$COMMONS_ISSO_ADMIN_PASSWORD" as the admin password."""

from __future__ import annotations

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
