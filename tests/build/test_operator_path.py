"""The README's production sections, run as written: the nginx and certificate
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

README = REPO_ROOT / "README.md"
PRODUCTION = "## The comment server in production"
SITE = "https://blog.cohere.coop"
HOST = "comments.cohere.coop"
NGINX = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")


def production_blocks() -> list[tuple[str, str]]:
    """(subsection heading, shell block) for each ```sh block of the production sections."""
    text = README.read_text(encoding="utf-8")
    start = text.index(PRODUCTION)
    end = text.index("\n## ", start + len(PRODUCTION))
    blocks, heading = [], ""
    for match in re.finditer(r"^### ([^\n]*)$|^```sh\n(.*?)^```$", text[start:end], re.M | re.S):
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
    for folder in ("sites-available", "sites-enabled", "temp"):
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
    # The README's paths, moved into the sandbox; certbot's work is done by
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
    """Why the order matters: the step the README used to give first fails."""
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
