"""docs/comment-server.md, run as written: the nginx and certificate
steps in their order under a real `nginx -t`, and every command they name
exists in a fresh clone."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

from commons.comments.config import write_server_files
from tests.conftest import REPO_ROOT, require

COMMENT_SERVER_PAGE = REPO_ROOT / "docs" / "comment-server.md"
SITE = "https://blog.cohere.coop"
HOST = "comments.cohere.coop"
NGINX = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")


def production_blocks() -> list[tuple[str, str]]:
    """(section heading, shell block) for each ```sh block of the comment server's page."""
    text = COMMENT_SERVER_PAGE.read_text(encoding="utf-8")
    blocks, heading = [], ""
    for match in re.finditer(r"^## ([^\n]*)$|^```sh\n(.*?)^```$", text, re.M | re.S):
        if match.group(1) is not None:
            heading = match.group(1)
        else:
            blocks.append((heading, match.group(2)))
    return blocks


def commands(block: str) -> list[str]:
    """The block's commands: comments dropped, continuation lines joined."""
    lines, pending = [], ""
    for raw in block.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            lines.append(line)
    return lines


def nginx_steps() -> list[str]:
    (block,) = [block for _, block in production_blocks() if "certbot" in block]
    return [line for line in block.splitlines() if line.strip()]


def sandbox_nginx(root):
    """An /etc/nginx with Debian's layout under `root`, for `nginx -t -p`."""
    etc = root / "etc" / "nginx"
    for folder in ("conf.d", "sites-available", "sites-enabled", "temp"):
        (etc / folder).mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (etc / "nginx.conf").write_text(
        f"""{user}pid {root}/nginx.pid;
error_log {root}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {etc}/temp;
    proxy_temp_path {etc}/temp;
    fastcgi_temp_path {etc}/temp;
    uwsgi_temp_path {etc}/temp;
    scgi_temp_path {etc}/temp;
    include {etc}/conf.d/*.conf;
    include {etc}/sites-enabled/*;
}}
""",
        encoding="utf-8",
    )
    return etc


def test_the_nginx_and_certificate_steps_pass_nginx_t_in_their_order(publish_settings, tmp_path):
    require(NGINX is not None, "nginx", "apt-get install nginx")
    require(shutil.which("openssl") is not None, "openssl", "apt-get install openssl")
    webroot, live = tmp_path / "webroot", tmp_path / "live"
    settings = {
        **publish_settings,
        "SITEURL": SITE,
        "DISCUSSION": {**publish_settings["DISCUSSION"], "isso": {"url": f"https://{HOST}/"}},
        "COMMENTS_SERVER": {"acme_webroot": str(webroot), "certificates": str(live)},
    }
    files = tmp_path / "files"
    write_server_files(settings, files)
    etc = sandbox_nginx(tmp_path)
    # The page's paths, moved into the sandbox; certbot's work is done by
    # openssl (a self-signed certificate where certbot puts its own).
    moved = {"/etc/nginx/": f"{etc}/", "/var/www/letsencrypt": str(webroot)}
    certbot = (
        f"mkdir -p {live}/{HOST} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
        f"-subj /CN={HOST} -keyout {live}/{HOST}/privkey.pem -out {live}/{HOST}/fullchain.pem"
    )
    nginx_t = f"{NGINX} -t -p {tmp_path} -c {etc}/nginx.conf"

    checks = []
    for line in nginx_steps():
        if line.lstrip().startswith("#"):
            continue
        words = shlex.split(line, comments=True)
        if words[0] == "certbot":
            # certbot writes into the webroot step 1 serves.
            assert "--webroot -w /var/www/letsencrypt" in line
            line = certbot
        for old, new in moved.items():
            line = line.replace(old, new)
        line = line.replace("nginx -t", nginx_t).replace("systemctl reload nginx", "true")
        result = subprocess.run(
            ["bash", "-c", line], cwd=files, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        if nginx_t in line:
            checks.append((etc / "sites-enabled" / "nginx-comments.conf").read_text())
    # nginx -t ran after step 1 (HTTP only) and after step 3 (TLS), and passed.
    assert len(checks) == 2
    assert "ssl_certificate" not in checks[0] and "acme-challenge" in checks[0]
    assert f"ssl_certificate {live}/{HOST}/fullchain.pem;" in checks[1]
    assert "acme-challenge" in checks[1] and "proxy_pass" in checks[1]


def test_the_tls_block_before_the_certificate_is_what_nginx_refuses(publish_settings, tmp_path):
    """Why the order matters: the TLS step, installed before the certificate exists, fails."""
    require(NGINX is not None, "nginx", "apt-get install nginx")
    settings = {
        **publish_settings,
        "SITEURL": SITE,
        "DISCUSSION": {**publish_settings["DISCUSSION"], "isso": {"url": f"https://{HOST}/"}},
        "COMMENTS_SERVER": {"certificates": str(tmp_path / "live")},
    }
    write_server_files(settings, tmp_path / "files")
    etc = sandbox_nginx(tmp_path)
    shutil.copy(tmp_path / "files" / "nginx-comments.conf", etc / "sites-enabled")
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(etc / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "fullchain.pem" in result.stderr


# What the comment server's page may ask the operator to run besides the
# repository's own commands: Debian's tools, as the page installs them.
SYSTEM_TOOLS = {"adduser", "install", "systemctl", "ln", "nginx", "certbot", "sudo", "cd"}


def invoke_tasks() -> dict[str, set[str]]:
    """Every task tasks.py defines, with the --options it takes."""
    from invoke import Collection

    import tasks

    collection = Collection.from_module(tasks)
    return {
        name: {f"--{a.names[0]}" for a in collection[name].get_arguments()}
        for name in collection.task_names
    }


def simple_commands(line: str) -> list[list[str]]:
    """The commands of a shell line: split at && and ;, without `VAR=value` prefixes."""
    found, current = [], []
    for word in shlex.split(line, comments=True):
        if word in ("&&", ";", "||"):
            found.append(current)
            current = []
        elif not current and re.fullmatch(r"[A-Z_]+=.*", word):
            continue
        else:
            current.append(word)
    return [words for words in [*found, current] if words]


def test_every_command_on_the_comment_server_page_exists_as_written(publish_settings, tmp_path):
    tasks = invoke_tasks()
    settings = {
        **publish_settings,
        "SITEURL": SITE,
        "DISCUSSION": {**publish_settings["DISCUSSION"], "isso": {"url": f"https://{HOST}/"}},
    }
    written = {path.name for path in write_server_files(settings, tmp_path)}
    section = COMMENT_SERVER_PAGE.read_text(encoding="utf-8")
    # The crontab line and the systemd timer's ExecStart are commands too.
    lines = [line for _, block in production_blocks() for line in commands(block)]
    lines += re.findall(r"^\d+ \d+ \* \* \* (.*)$", section, re.M)
    lines += re.findall(r"ExecStart=([^`]*)`", section)
    used = set()
    for line in lines:
        for words in simple_commands(line):
            if words[0] == "sudo":
                words = words[3:] if words[1] == "-u" else words[1:]
            program = words[0]
            if program.endswith("/.venv/bin/invoke") or program == ".venv/bin/invoke":
                args = words[1:]
                if args[:1] == ["-r"]:
                    args = args[2:]
                # Optional arguments are written in brackets: [--keep N].
                flags = [a.strip("[]").split("=")[0] for a in args[1:]]
                task, options = args[0], [flag for flag in flags if flag.startswith("--")]
                assert task in tasks, f"{line}: tasks.py has no task {task!r}"
                assert set(options) <= tasks[task], f"{line}: {task} has no {options}"
                used.add(task)
            elif program.startswith(("bin/", ".venv/bin/")):
                assert (REPO_ROOT / program).exists(), f"{line}: no {program}"
            else:
                assert program in SYSTEM_TOOLS, f"{line}: {program!r} is not a known command"
            if program == "install" and "-d" not in words:
                source = words[-2]
                assert source in written, f"{line}: comments-config writes no {source}"
    assert {"comments-config", "comments-backup", "comments-restore", "comments-move"} <= used
    # Prose names the same commands the same way: `invoke` alone is not on PATH.
    body = re.sub(r"^#.*$", "", section, flags=re.M)
    bare = re.findall(r"(?<![/\w-])invoke [a-z-]+", body)
    assert bare == [], "write these as .venv/bin/invoke: " + ", ".join(bare)
    for task in re.findall(r"\.venv/bin/invoke (?:-r \S+ )?([a-z-]+)", body):
        assert task in tasks, f"the page names a task {task!r} tasks.py lacks"


def test_the_venv_invoke_runs_each_production_task_from_the_repository():
    """`.venv/bin/invoke TASK --help`, run from the repository's folder as the page does."""
    invoke = REPO_ROOT / ".venv" / "bin" / "invoke"
    require(invoke.exists(), ".venv/bin/invoke", "bin/serve (it makes .venv)")
    for task in ("comments-config", "comments-backup", "comments-restore", "comments-move"):
        result = subprocess.run(
            [".venv/bin/invoke", "--help", task],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert f"Usage: inv[oke] [--core-opts] {task}" in result.stdout
