"""Run Isso behind the cross-site guard on the address its configuration listens on.

`python -m commons.comments.serve isso.cfg`: what `invoke serve`, `invoke
livereload` and the tests start instead of `isso run`, so that the local
comment server refuses forged cross-site posts, and receives webmentions, as
production does.
"""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urlsplit

from commons.loopback import LoopbackHostGuard, allowed_hosts
from commons.webmention.endpoint import with_webmentions

from .guard import guarded_isso
from .mail import mail_off_reason


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="the Isso configuration file")
    args = parser.parse_args(argv)

    from isso import config
    from werkzeug.serving import run_simple

    conf = config.load(config.default_file(), args.config)
    listen = conf.get("server", "listen")
    if not listen.startswith("http://"):
        print(f"{args.config}: [server] listen must be http://HOST:PORT/, not {listen!r}")
        return 2
    address = urlsplit(listen)
    mail_off = mail_off_reason(conf)
    if mail_off:
        print(mail_off, file=sys.stderr, flush=True)
    # Local only: production runs create_app (wsgi.py) behind nginx, with the site's host.
    # The Webmention endpoint in front, as there (commons/webmention/endpoint.py).
    isso = with_webmentions(guarded_isso(args.config), args.config, os.environ)
    app = LoopbackHostGuard(isso, allowed_hosts(address.hostname))
    run_simple(address.hostname, address.port, app, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
