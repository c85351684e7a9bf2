"""The comment server's own nginx host, as `invoke comments-config` writes it,
passes a real `nginx -t` with its http-block file, sends HSTS and limits logins."""

from __future__ import annotations

import os
import shutil
import subprocess

from commons.comments.config import LOGIN_ZONE, NGINX_FILE, NGINX_HTTP_FILE, write_server_files
from tests.conftest import require
from tests.unit.test_comments_config import production

NGINX = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")


def test_the_comment_servers_own_host_is_valid_nginx(publish_settings, tmp_path):
    require(NGINX is not None, "nginx", "apt-get install nginx")
    require(shutil.which("openssl") is not None, "openssl", "apt-get install openssl")
    files = tmp_path / "files"
    write_server_files(production(publish_settings), files)
    site = (files / NGINX_FILE).read_text()
    assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in site
    assert f"limit_req zone={LOGIN_ZONE} " in site
    assert f"zone={LOGIN_ZONE}:1m rate=5r/m;" in (files / NGINX_HTTP_FILE).read_text()

    # nginx -t with a throw-away certificate in place of Let's Encrypt's.
    root = tmp_path / "nginx"
    root.mkdir()
    key, cert = root / "key.pem", root / "cert.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=comments.cohere.coop", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        ["openssl", *request, *subject],
        check=True,
        capture_output=True,
    )
    live = "/etc/letsencrypt/live/comments.cohere.coop/"
    (root / "site.conf").write_text(
        site.replace(live + "fullchain.pem", str(cert)).replace(live + "privkey.pem", str(key))
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = root / "nginx.conf"
    config.write_text(
        f"{user}pid {root}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        f"    include {files / NGINX_HTTP_FILE};\n    include {root / 'site.conf'};\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(root), "-c", str(config), "-e", str(root / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
