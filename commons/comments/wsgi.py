"""The comment server's WSGI application, for gunicorn:

    ISSO_SETTINGS=/etc/commons-comments/isso.cfg \\
        gunicorn --preload 'commons.comments.wsgi:create_app()'

gunicorn makes the app once, in its master (`--preload`), so that a server
missing a secret refuses to start before it listens. Isso itself is made in
each worker, the first time that worker serves a request (`PerProcessApp`):
with moderation on, Isso starts a thread that purges old pending comments as
soon as it is made. Made in the master, that thread could be inside SQLite
when the master forks a worker, and the worker would inherit SQLite's locks in
that state: its first request would never end, or its writes would fail with
"database is locked". Isso's lock around creating a thread is then one per
worker; SQLite's own locking keeps the database consistent between them.

Isso substitutes `$VARIABLE`s in its configuration from the environment, but
leaves an unset one as the literal text (an admin password of
"$COMMONS_ISSO_ADMIN_PASSWORD"). So before Isso starts, every variable the
configuration names must be set, and not empty unless it is optional (the
SMTP login; the SMTP host, whose absence turns mail off: the server then says
so once); otherwise the server refuses to start, naming each variable and
where to set it. Isso then runs behind the cross-site guard, so the rule holds
even without the nginx snippet.

In front of the guard, the Webmention endpoint (commons/webmention/endpoint.py):
other sites' servers post to it without an Origin, as the specification has them.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path

from . import options as opts
from .mail import mail_off_reason

VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


class ServerEnvironmentError(RuntimeError):
    """The comment server's environment lacks what its configuration names."""


def environment_problems(config_text: str, environ: dict) -> list[str]:
    problems = []
    values = "\n".join(
        line for line in config_text.splitlines() if not line.lstrip().startswith(("#", ";"))
    )
    names = sorted({a or b for a, b in VARIABLE.findall(values)})
    for name in names:
        value = environ.get(name)
        if value is None or (value == "" and name not in opts.ENV_MAY_BE_EMPTY):
            problems.append(
                f"{name} is not set: the comment server's configuration reads it. Fix: set "
                f"it in the environment file (systemd: EnvironmentFile=, "
                f"`invoke comments-config` writes one to fill in)."
            )
    if environ.get(opts.ENV_SMTP["host"]) and opts.ENV_SMTP["host"] in names:
        problems += smtp_problems(environ)
    password = environ.get(opts.ENV_ADMIN_PASSWORD)
    if password and len(password) < opts.MIN_PASSWORD_LENGTH:
        problems.append(
            f"{opts.ENV_ADMIN_PASSWORD} has {len(password)} characters; accepted: "
            f"{opts.MIN_PASSWORD_LENGTH} or more. Fix: choose a longer password."
        )
    return problems


def smtp_problems(environ: dict) -> list[str]:
    """What an SMTP host set in the environment lacks for Isso to send mail."""
    host = opts.ENV_SMTP["host"]
    problems = [
        f"{name} is empty, but {host} is set: the server could not send mail. Fix: set it "
        f"in the environment file, or empty {host} to turn mail off."
        for name in opts.ENV_SMTP_NEEDS
        if not environ.get(name)
    ]
    sender = environ.get(opts.ENV_SMTP["from"])
    if sender and not parseaddr(sender)[0]:
        problems.append(
            f"{opts.ENV_SMTP['from']} is {sender!r}, an address without a name: Isso would "
            "send as 'Ich schrei sonst!'. Fix: write it as Name <address>, such as "
            "Your community <comments@your-domain.org>."
        )
    security = environ.get(opts.ENV_SMTP["security"])
    if security and security not in opts.SMTP_SECURITY:
        problems.append(
            f"{opts.ENV_SMTP['security']} is {security!r}; accepted: "
            f"{', '.join(opts.SMTP_SECURITY)}. Fix: set the one your SMTP server speaks."
        )
    return problems


def create_app(config_path: str | None = None, environ: dict | None = None):
    """Isso for the configuration at `config_path` (default: $ISSO_SETTINGS), behind the
    cross-site guard (commons/comments/guard.py: the same rule as the nginx snippet)."""
    from commons.webmention.endpoint import with_webmentions
    from commons.webmention.fetch import AddressRule

    from .guard import guarded_isso

    environ = os.environ if environ is None else environ
    path = config_path or environ.get("ISSO_SETTINGS")
    if not path or not Path(path).is_file():
        raise ServerEnvironmentError(
            f"ISSO_SETTINGS is {path!r}, not a file. Fix: point it at the isso.cfg that "
            "`invoke comments-config` wrote."
        )
    problems = environment_problems(Path(path).read_text(encoding="utf-8"), environ)
    try:
        AddressRule.from_environ(environ)
    except ValueError as error:
        problems.append(str(error))
    if problems:
        raise ServerEnvironmentError("\n".join(problems))
    announce_mail(path)
    return PerProcessApp(
        lambda: with_webmentions(guarded_isso(path, multiprocessing=True), path, environ)
    )


def announce_mail(config_path: str) -> None:
    """Say once, in gunicorn's master, when the server sends no mail (its workers
    then run Isso without it: commons/comments/mail.py)."""
    from isso import config

    mail_off = mail_off_reason(config.load(config.default_file(), config_path))
    if mail_off:
        print(mail_off, file=sys.stderr, flush=True)


class PerProcessApp:
    """A WSGI app made by `factory` in the process that serves, on its first request.

    Made in one process and forked, an app's threads would not follow it and
    its locks could be copied mid-use; each process makes its own instead.
    """

    def __init__(self, factory: Callable):
        self._factory = factory
        self._made = threading.Lock()
        self._app: Callable | None = None
        self._pid: int | None = None

    def __call__(self, environ, start_response):
        if self._pid != os.getpid():
            with self._made:
                if self._pid != os.getpid():
                    try:
                        self._app = self._factory()
                    except sqlite3.IntegrityError:
                        # Isso writes a new database's session key when it
                        # starts: two server processes starting at once on a
                        # new database both insert it, and the second fails
                        # (a 500 for its first reader). The key is there now.
                        self._app = self._factory()
                    self._pid = os.getpid()
        return self._app(environ, start_response)
