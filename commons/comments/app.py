"""The comment server's WSGI application: Isso with Commons' additions in front.

Isso, then its thread versions (versions.py), the comment forms and spam
limits (form.py, limits.py), the cross-site guard and the login throttle
(guard.py), and in front of them the Webmention endpoint
(commons/webmention/endpoint.py: other sites' servers post to it without an
Origin, as the specification has them). gunicorn serves one of three fronts
(wsgi.create_app): `guarded` in production, `local` for a server on this
machine (the same app answering only loopback host names), `alone` (Isso and
nothing else) for the tests of a proxy's rule in front of it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from commons.loopback import LoopbackHostGuard, allowed_hosts
from commons.webmention.endpoint import WebmentionEndpoint, with_webmentions

from .form import CommentForms
from .guard import CrossSiteGuard, LoginThrottle, isso_policy
from .limits import Limits, limits_db
from .mail import turn_off_mail_without_smtp
from .versions import ThreadVersions


def isso_alone(config_file: str, environ: dict, multiprocessing: bool = False):
    """Isso's own WSGI application for `config_file`, mail turned off without SMTP.

    `environ` is not read: every front takes the server's environment."""
    from isso import config, make_app

    conf = config.load(config.default_file(), config_file)
    turn_off_mail_without_smtp(conf)
    if multiprocessing:
        return make_app(conf, threading=False, multiprocessing=True)
    return make_app(conf)


def public_isso(
    config_file: str, environ: dict, multiprocessing: bool = False
) -> WebmentionEndpoint:
    """`guarded_isso` with the Webmention endpoint in front; `environ` holds the
    endpoint's settings (commons/webmention/fetch.py's AddressRule.from_environ)."""
    return with_webmentions(guarded_isso(config_file, multiprocessing), config_file, environ)


def local_isso(config_file: str, environ: dict, multiprocessing: bool = False) -> LoopbackHostGuard:
    """`public_isso`, answering only the host names of this machine (commons/loopback.py):
    the local server has the endpoint the pages advertise, as production does."""
    from isso import config

    listen = config.load(config.default_file(), config_file).get("server", "listen")
    host = urlsplit(listen).hostname
    app = public_isso(config_file, environ, multiprocessing)
    return LoopbackHostGuard(app, allowed_hosts(host))


def guarded_isso(config_file: str, multiprocessing: bool = False) -> LoginThrottle:
    """Isso's WSGI application for `config_file`, with the comment forms and the spam
    limits (commons/comments/form.py), behind the cross-site guard and the login throttle.

    The allowed site origins are Isso's own `[general] host` list (the origins
    its CORS answers), and its own origin is `[server] public-endpoint`, so
    the guard needs no settings of its own.
    """
    from isso import config

    conf = config.load(config.default_file(), config_file)
    app = isso_alone(config_file, {}, multiprocessing)
    # Commons' one read-only addition to Isso's API (commons/comments/versions.py):
    # what the comment snapshot asks to know which threads changed.
    app = ThreadVersions(app, conf.get("general", "dbpath"))
    policy = isso_policy(conf)
    forms = CommentForms(
        app,
        policy,
        Limits.beside(config_file),
        limits_db(conf.get("general", "dbpath")),
        threads_db=Path(conf.get("general", "dbpath")),
    )
    return LoginThrottle(CrossSiteGuard(forms, policy))


# What `wsgi.create_app(front=…)` serves.
FRONTS = {"guarded": public_isso, "local": local_isso, "alone": isso_alone}
