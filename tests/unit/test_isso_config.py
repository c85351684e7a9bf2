"""One Isso configuration writer (commons/comments/isso_config.py) with a local and
a production profile, read back by Isso's own loader; one way to start Isso."""

from __future__ import annotations

import re

from isso import config

from commons import REPO_ROOT
from commons.comments.guard import isso_policy
from commons.comments.isso_config import ISSO_CFG, isso_config, local_profile, production_profile
from commons.comments.options import check_options
from commons.servers import IssoServer

SITE = "https://blog.cohere.coop"


def loaded(tmp_path, text: str):
    path = tmp_path / ISSO_CFG
    path.write_text(text, encoding="utf-8")
    return config.load(config.default_file(), str(path))


def test_the_production_profile_as_isso_reads_it(tmp_path):
    options = check_options({"database": "/var/lib/c/comments.db", "moderation": "first"})
    conf = loaded(tmp_path, isso_config(production_profile(SITE, SITE + "/isso/", options)))
    assert list(conf.getiter("general", "host")) == [SITE]
    assert conf.get("general", "dbpath") == "/var/lib/c/comments.db"
    assert conf.getboolean("admin", "enabled") and conf.getboolean("moderation", "enabled")
    assert conf.getboolean("moderation", "approve-if-email-previously-approved")
    assert conf.get("hash", "salt") == "$COMMONS_ISSO_SALT"
    assert list(conf.getiter("server", "trusted-proxies")) == ["127.0.0.1", "::1"]
    policy = isso_policy(conf)
    assert policy.site_origins == {SITE}
    assert policy.server_origins == {SITE, "http://127.0.0.1:8090"}


def test_the_local_profile_as_isso_reads_it(tmp_path):
    sites = ["http://127.0.0.1:8000", "http://localhost:8000"]
    profile = local_profile(tmp_path, sites, "127.0.0.1", 8081, guard=False, moderation=True)
    conf = loaded(tmp_path, isso_config(profile))
    assert list(conf.getiter("general", "host")) == sites
    assert conf.get("general", "dbpath") == str(tmp_path / "comments.db")
    assert not conf.getboolean("guard", "enabled") and conf.getboolean("guard", "reply-to-self")
    assert conf.getboolean("moderation", "enabled")
    assert not conf.getboolean("moderation", "approve-if-email-previously-approved")
    assert not conf.getboolean("admin", "enabled")
    assert isso_policy(conf).server_origins == {"http://127.0.0.1:8081"}


def test_the_local_server_writes_its_configuration_with_the_one_writer(tmp_path):
    server = IssoServer(tmp_path / "isso", ["http://127.0.0.1:8000"], port=8081)
    written = server.write_config().read_text(encoding="utf-8")
    assert written == isso_config(
        local_profile(tmp_path / "isso", ["http://127.0.0.1:8000"], "127.0.0.1", 8081)
    )
    # Started as every Isso is: gunicorn serving create_app, for that configuration.
    command = server.command()
    assert command[0].endswith("/gunicorn")
    assert command[-1] == "commons.comments.wsgi:create_app(front='local')"
    assert server.environment()["ISSO_SETTINGS"] == str(server.config_path)


def test_no_other_module_writes_or_starts_isso():
    """Isso's configuration sections and its own launchers (`isso run`, werkzeug's
    run_simple) appear in no module but the writer's and the launcher's."""
    writers, launchers = [], []
    sources = [*sorted((REPO_ROOT / "commons").rglob("*.py")), REPO_ROOT / "tasks.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(REPO_ROOT))
        if re.search(r"^\[(general|moderation|guard|hash)\]$", text, re.MULTILINE):
            writers.append(name)
        if re.search(r"run_simple|\"run\"\]|'run'\]|isso\.run\b|comments\.serve\b", text):
            launchers.append(name)
    assert writers == ["commons/comments/isso_config.py"]
    assert launchers == []
