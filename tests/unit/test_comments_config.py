"""`invoke comments-config`: the production comment server's files, written
from the site's settings, read back by Isso's own configuration loader and
checked by systemd-analyze."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from commons.comments import options as opts
from commons.comments.config import (
    CommentsConfigError,
    write_server_files,
)
from commons.comments.guard import GuardPolicy, nginx_origin_pattern, nginx_string
from commons.comments.wsgi import environment_problems
from commons.urls import normalise_origin
from tests.conftest import REPO_ROOT, require

SITE = "https://blog.cohere.coop"
SERVER = "https://comments.cohere.coop/"
SECRETS = {
    opts.ENV_ADMIN_PASSWORD: "correct horse battery staple",
    opts.ENV_SALT: "per-site-salt-0123456789",
    "COMMONS_SMTP_HOST": "smtp.cohere.coop",
    "COMMONS_SMTP_PORT": "465",
    "COMMONS_SMTP_SECURITY": "ssl",
    "COMMONS_SMTP_USERNAME": "isso",
    "COMMONS_SMTP_PASSWORD": "smtp-secret-value",
    "COMMONS_SMTP_FROM": "Cohere comments <comments@cohere.coop>",
    "COMMONS_SMTP_TO": "moderators@cohere.coop",
}


def production(publish_settings, **changes) -> dict:
    settings = {**publish_settings, "SITEURL": SITE}
    settings["DISCUSSION"] = {**settings["DISCUSSION"], "isso": {"url": SERVER}}
    settings.update(changes)
    return settings


def load_isso(config_path, monkeypatch):
    """The configuration as Isso itself reads it, with the secrets in the environment."""
    from isso import config

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return config.load(config.default_file(), str(config_path))


def test_example_addresses_fail_with_each_key_and_fix(publish_settings, tmp_path):
    with pytest.raises(CommentsConfigError) as error:
        write_server_files(publish_settings, tmp_path)
    message = str(error.value)
    assert "SITEURL is 'https://commons.example.org'" in message
    assert "DISCUSSION['isso']['url'] is 'https://comments.commons.example.org/'" in message
    assert message.count("Fix: set COMMONS_") == 2
    assert list(tmp_path.iterdir()) == []


def test_every_bad_server_setting_is_reported_at_once(publish_settings, tmp_path):
    bad = {"bind": "0.0.0.0:80", "workers": 0, "database": "comments.db", "notify_email": "yes"}
    with pytest.raises(CommentsConfigError) as error:
        write_server_files(production(publish_settings, COMMENTS_SERVER=bad), tmp_path)
    message = str(error.value)
    for key in bad:
        assert f"COMMENTS_SERVER['{key}'] is {bad[key]!r}" in message
    assert message.count("Fix:") == len(bad)


def test_a_hosted_provider_has_no_server_to_configure(publish_settings, tmp_path):
    discussion = {"provider": "giscus", "giscus": {}}
    with pytest.raises(CommentsConfigError, match=r"hosted elsewhere.*docs/comment-server.md"):
        write_server_files(production(publish_settings, DISCUSSION=discussion), tmp_path)


def test_isso_reads_the_production_choices(publish_settings, tmp_path, monkeypatch):
    write_server_files(production(publish_settings), tmp_path)
    text = (tmp_path / "isso.cfg").read_text()
    for secret in SECRETS.values():
        if len(secret) > 5:
            assert secret not in text
    conf = load_isso(tmp_path / "isso.cfg", monkeypatch)
    assert list(conf.getiter("general", "host")) == [SITE]
    assert conf.getboolean("moderation", "enabled")
    assert conf.getboolean("admin", "enabled")
    assert conf.get("admin", "password") == SECRETS[opts.ENV_ADMIN_PASSWORD]
    assert conf.getboolean("guard", "enabled")
    assert conf.getint("guard", "ratelimit") == 2
    assert conf.getlist("general", "notify") == ["smtp"]
    assert conf.get("smtp", "password") == "smtp-secret-value"
    assert conf.getint("smtp", "port") == 465
    assert conf.get("smtp", "to") == "moderators@cohere.coop"
    assert conf.get("rss", "base") == SITE + "/"
    assert conf.getboolean("general", "latest-enabled")
    assert conf.get("hash", "salt") == SECRETS[opts.ENV_SALT]
    assert conf.get("server", "public-endpoint") == SERVER.rstrip("/")
    assert conf.get("general", "dbpath") == "/var/lib/commons-comments/comments.db"
    assert list(conf.getiter("server", "trusted-proxies")) == ["127.0.0.1", "::1"]


def test_the_salt_is_generated_once_per_site_and_kept_private(publish_settings, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_server_files(production(publish_settings), first)
    env = first / "comments.env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600

    def salt(path):
        lines = path.read_text().splitlines()
        return next(line for line in lines if line.startswith(opts.ENV_SALT + "="))

    kept = salt(env)
    assert len(kept) > len(opts.ENV_SALT) + 20
    env.write_text(
        env.read_text().replace(
            f"{opts.ENV_ADMIN_PASSWORD}=", f"{opts.ENV_ADMIN_PASSWORD}=mine-and-long-enough"
        )
    )
    write_server_files(production(publish_settings), first)
    assert salt(env) == kept
    assert f"{opts.ENV_ADMIN_PASSWORD}=mine-and-long-enough" in env.read_text()
    write_server_files(production(publish_settings), second)
    assert salt(second / "comments.env") != kept


def test_missing_or_weak_secrets_stop_the_server(publish_settings, tmp_path):
    write_server_files(production(publish_settings), tmp_path)
    text = (tmp_path / "isso.cfg").read_text()
    assert environment_problems(text, SECRETS) == []
    problems = environment_problems(text, {**SECRETS, opts.ENV_ADMIN_PASSWORD: "short"})
    assert problems == [
        f"{opts.ENV_ADMIN_PASSWORD} has 5 characters; accepted: 12 or more. Fix: choose a "
        "longer password."
    ]
    missing = {k: v for k, v in SECRETS.items() if k != opts.ENV_SALT}
    (problem,) = environment_problems(text, missing)
    assert problem.startswith(f"{opts.ENV_SALT} is not set") and "Fix:" in problem
    # An SMTP relay without login may leave its user and password empty.
    relay = {**SECRETS, "COMMONS_SMTP_USERNAME": "", "COMMONS_SMTP_PASSWORD": ""}
    assert environment_problems(text, relay) == []
    # No SMTP host: mail is off (the server says so), not a refusal to start.
    no_mail = {**SECRETS, **{name: "" for name in opts.ENV_SMTP.values()}}
    assert environment_problems(text, no_mail) == []
    # A host without where to send from, or how: refused, naming each.
    half = {**SECRETS, "COMMONS_SMTP_FROM": "", "COMMONS_SMTP_SECURITY": "tls"}
    problems = environment_problems(text, half)
    assert len(problems) == 2, problems
    assert problems[0].startswith("COMMONS_SMTP_FROM is empty, but COMMONS_SMTP_HOST is set")
    assert "'tls'; accepted: none, starttls, ssl" in problems[1]
    # A sender without a name would be shown with Isso's own placeholder name.
    (nameless,) = environment_problems(text, {**SECRETS, "COMMONS_SMTP_FROM": "c@cohere.coop"})
    assert nameless.startswith("COMMONS_SMTP_FROM is 'c@cohere.coop', an address without a name")


def test_the_systemd_unit_verifies(publish_settings, tmp_path):
    require(
        shutil.which("systemd-analyze") is not None, "systemd-analyze", "apt-get install systemd"
    )
    venv = str(Path(sys.executable).parent.parent)
    for name, venv_path, code in (("good", venv, 0), ("bad", "/nonexistent/venv", 1)):
        dest = tmp_path / name
        server = {"venv": venv_path, "app_dir": str(REPO_ROOT)}
        write_server_files(production(publish_settings, COMMENTS_SERVER=server), dest)
        unit = dest / "commons-comments.service"
        result = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
        )
        assert result.returncode == code, result.stderr
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(tmp_path / "good" / "commons-comments.service")
    service = unit["Service"]
    assert "gunicorn --bind 127.0.0.1:8090 --workers 2 --preload" in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/commons-comments/comments.env"
    assert service["ReadWritePaths"] == "/var/lib/commons-comments"


def test_the_publisher_unit_verifies_and_runs_the_publisher(publish_settings, tmp_path):
    require(
        shutil.which("systemd-analyze") is not None, "systemd-analyze", "apt-get install systemd"
    )
    venv = str(Path(sys.executable).parent.parent)
    publish = {"method": "rsync", "rsync_target": "deploy@web.cohere.coop:/var/www/blog/"}
    for name, venv_path, code in (("good", venv, 0), ("bad", "/nonexistent/venv", 1)):
        dest = tmp_path / name
        server = {"venv": venv_path, "app_dir": str(REPO_ROOT), "publisher_interval": 3}
        settings = production(publish_settings, COMMENTS_SERVER=server, PUBLISH=publish)
        write_server_files(settings, dest)
        unit = dest / "commons-publisher.service"
        result = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
        )
        assert result.returncode == code, result.stderr
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(tmp_path / "good" / "commons-publisher.service")
    service = unit["Service"]
    assert service["ExecStart"] == (f"{venv}/bin/python -m commons.comments.publisher --interval 3")
    assert service["User"] == "commons-publisher"
    assert service["WorkingDirectory"] == str(REPO_ROOT)
    assert service["ReadWritePaths"] == f"{REPO_ROOT}/.cache"
    assert service["EnvironmentFile"] == "/etc/commons-comments/publisher.env"
    assert service["Restart"] == "always"
    env = tmp_path / "good" / "publisher.env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    values = dict(
        line.split("=", 1) for line in env.read_text().splitlines() if not line.startswith("#")
    )
    assert values == {
        "COMMONS_PUBLISH_METHOD": "rsync",
        "COMMONS_RSYNC_TARGET": "deploy@web.cohere.coop:/var/www/blog/",
        "COMMONS_SSH_PORT": "22",
    }

    # A target that would break the environment file is refused, and nothing written.
    for target in ("web:/var/www\nCOMMONS_SITEURL=https://evil.test", "a b:/x", "h:/$HOME"):
        refused = tmp_path / "refused"
        with pytest.raises(CommentsConfigError, match=r"PUBLISH\['rsync_target'\]"):
            write_server_files(
                production(publish_settings, PUBLISH={**publish, "rsync_target": target}),
                refused,
            )
        assert list(refused.iterdir()) == []


def test_nginx_carries_the_cross_site_guard(publish_settings, tmp_path):
    write_server_files(production(publish_settings), tmp_path / "host")
    conf = (tmp_path / "host" / "nginx-comments.conf").read_text()
    assert "server_name comments.cohere.coop;" in conf
    # The guard's maps, in the http block's file, name the site and the server as such.
    http = (tmp_path / "host" / "nginx-comments-http.conf").read_text()
    for origin, kind in ((SITE, "site"), ("https://comments.cohere.coop", "server")):
        assert f"{nginx_string('~*' + nginx_origin_pattern(origin))} {kind};" in http
    assert "if ($commons_refuse) {" in conf
    assert "return 403;" in conf and "proxy_pass http://127.0.0.1:8090/;" in conf
    assert conf.count("{") == conf.count("}")
    # Under the site's own host: a location to include in the site's server block.
    sub = production(publish_settings)
    sub["DISCUSSION"] = {**sub["DISCUSSION"], "isso": {"url": SITE + "/isso/"}}
    write_server_files(sub, tmp_path / "sub")
    conf = (tmp_path / "sub" / "nginx-comments.conf").read_text()
    assert "server {" not in conf and "location /isso/ {" in conf
    assert "proxy_set_header X-Script-Name /isso;" in conf


@pytest.mark.parametrize(
    ("provider", "options", "file", "expected"),
    [
        (
            "remark42",
            {"host": "https://remark.cohere.coop", "site_id": "cohere"},
            "remark42.env",
            [
                "REMARK_URL=https://remark.cohere.coop",
                "SITE=cohere",
                f"ALLOWED_HOSTS='self',{SITE}",
            ],
        ),
        (
            "comentario",
            {"url": "https://talk.cohere.coop/"},
            "comentario.env",
            ["BASE_URL=https://talk.cohere.coop", "add the domain blog.cohere.coop"],
        ),
    ],
)
def test_self_hosted_providers_get_an_env_file(
    publish_settings, tmp_path, provider, options, file, expected
):
    settings = production(publish_settings, DISCUSSION={"provider": provider, provider: options})
    (written,) = write_server_files(settings, tmp_path)
    assert written.name == file
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    text = written.read_text()
    for line in expected:
        assert line in text
    if provider == "remark42":
        secret = next(x for x in text.splitlines() if x.startswith("SECRET="))
        write_server_files(settings, tmp_path)
        assert secret in written.read_text()


def test_the_task_refuses_example_addresses_and_a_folder_in_the_repository(tmp_path):
    invoke = [sys.executable, "-m", "invoke", "-r", str(REPO_ROOT), "comments-config"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONS_")}
    result = subprocess.run(
        [*invoke, "--dest", str(tmp_path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 1
    assert "SITEURL is 'https://commons.example.org'" in result.stderr
    assert "Traceback" not in result.stderr
    env.update(COMMONS_SITEURL=SITE, COMMONS_ISSO_URL=SERVER)
    inside = REPO_ROOT / "comments-server"
    result = subprocess.run(
        [*invoke, "--dest", str(inside)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 1 and "inside the repository" in result.stderr
    assert not inside.exists()
    result = subprocess.run(
        [*invoke, "--dest", str(tmp_path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote 9 file(s)" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "comments.env",
        "commons-comments.service",
        "commons-publisher.service",
        "isso.cfg",
        "limits.json",
        "nginx-comments-acme.conf",
        "nginx-comments-http.conf",
        "nginx-comments.conf",
        "publisher.env",
    ]


@pytest.mark.parametrize(
    "siteurl",
    [
        "https://blog.cohere.coop\n[admin]\nenabled = false",
        "https://blog.cohere.coop/$HOME",
        'https://blog.cohere.coop";} server {',
    ],
)
def test_an_address_cannot_write_into_the_server_files(publish_settings, tmp_path, siteurl):
    with pytest.raises(CommentsConfigError, match="without spaces, quotes"):
        write_server_files(production(publish_settings, SITEURL=siteurl), tmp_path)
    assert list(tmp_path.iterdir()) == []


# Values an Origin or Referer header may carry, and how each must be read.
ORIGIN_SPELLINGS = [
    "https://blog.cohere.coop",
    "HTTPS://BLOG.Cohere.COOP",
    "https://blog.cohere.coop:443",
    "https://blog.cohere.coop:0443/",
    "https://blog.cohere.coop:",
    "https://blog.cohere.coop/post/?x=1#y",
    "https://blog.cohere.coop/café/\tx",
    "\x1fhttps://blog.cohere.coop",
    "https://blog.cohere.coop\t/",
    "https:\t//blog.cohere.coop",
    "https://é@blog.cohere.coop",
    "https://reader:secret@blog.cohere.coop/",
    "https://blog.cohere.coop@evil.test/",
    "https://blog.cohere.coop:443@evil.test",
    "https://a@blog.cohere.coop@evil.test",
    "https://blog.cohere.coop.evil.test",
    "https://blog.cohere.coop:8443",
    "https://blog.cohere.coop:443:1",
    "https://blog.cohere.coop:+443",
    "http://blog.cohere.coop",
    "https://blog.cohere.\tcoop",
    "https://blog.cohère.coop",
    "https://[blog.cohere.coop",
    "https://]@blog.cohere.coop",
    "https://blog.cohere.coop\\@evil.test",
    "https://blog.cohere.coop.",
    "null",
    "",
    "http://[::1]:8081/x",
    "http://[::1]:08081",
    "http://[::1]",
]


@pytest.mark.parametrize("value", ORIGIN_SPELLINGS)
def test_the_nginx_origin_patterns_read_each_value_as_the_guard_does(value):
    """What nginx's map matches (PCRE; Python's `re` reads these patterns alike)
    is what `normalise_origin` makes of the value, for every allowed origin."""
    import re

    policy = GuardPolicy.of([SITE, "http://[::1]:8081"], ["https://comments.cohere.coop"])
    for origin in policy.site_origins | policy.server_origins:
        pattern = re.compile(nginx_origin_pattern(origin), re.IGNORECASE)
        assert bool(pattern.search(value)) == (normalise_origin(value) == origin), origin


@pytest.mark.parametrize(
    ("path", "origin", "refused"),
    [
        ("/webmention", None, False),
        ("/webmention", "http://evil.example", False),
        ("/webmention/", None, True),
        ("/form/webmention", None, True),
        ("/new", None, True),
    ],
)
def test_the_webmention_endpoint_is_the_one_path_open_to_every_origin(path, origin, refused):
    """Other sites' servers post webmentions without an Origin: the policy lets that
    one path through (the nginx rules written from it do too:
    tests/build/test_comment_guard_rules.py), and nothing else."""
    policy = GuardPolicy.of([SITE])
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "CONTENT_TYPE": "text/plain"}
    if origin:
        environ["HTTP_ORIGIN"] = origin
    assert (policy.refusal(environ) is not None) == refused
