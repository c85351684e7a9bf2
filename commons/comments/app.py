"""The comment server's WSGI application: Isso with Commons' additions in front.

Isso, then its thread versions (versions.py), the comment forms and spam
limits (form.py, limits.py), the cross-site guard and the login throttle
(guard.py). gunicorn serves one of three fronts (wsgi.create_app):
`guarded` in production, `local` for a server on this machine (the guarded
app answering only loopback host names), `alone` (Isso and nothing else) for
the tests of a proxy's rule in front of it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from commons.loopback import LoopbackHostGuard, allowed_hosts

from .form import CommentForms
from .guard import CrossSiteGuard, LoginThrottle, isso_policy
from .limits import Limits, limits_db
from .mail import turn_off_mail_without_smtp
from .versions import ThreadVersions


def isso_alone(config_file: str, multiprocessing: bool = False):
    """Isso's own WSGI application for `config_file`, mail turned off without SMTP."""
    from isso import config, make_app

    conf = config.load(config.default_file(), config_file)
    turn_off_mail_without_smtp(conf)
    if multiprocessing:
        return make_app(conf, threading=False, multiprocessing=True)
    return make_app(conf)


def local_isso(config_file: str, multiprocessing: bool = False) -> LoopbackHostGuard:
    """`guarded_isso`, answering only the host names of this machine (commons/loopback.py)."""
    from isso import config

    listen = config.load(config.default_file(), config_file).get("server", "listen")
    host = urlsplit(listen).hostname
    return LoopbackHostGuard(guarded_isso(config_file, multiprocessing), allowed_hosts(host))


def guarded_isso(config_file: str, multiprocessing: bool = False) -> LoginThrottle:
    """Isso's WSGI application for `config_file`, with the comment forms and the spam
    limits (commons/comments/form.py), behind the cross-site guard and the login throttle.

    The allowed site origins are Isso's own `[general] host` list (the origins
    its CORS answers), and its own origin is `[server] public-endpoint`, so
    the guard needs no settings of its own. With gunicorn:
    `gunicorn 'commons.comments.app:guarded_isso("/etc/isso.cfg", True)'`.
    """
    from isso import config

    conf = config.load(config.default_file(), config_file)
    app = isso_alone(config_file, multiprocessing)
    # Commons' one read-only addition to Isso's API (commons/comments/versions.py):
    # what the comment snapshot asks to know which threads changed.
    app = ThreadVersions(app, conf.get("general", "dbpath"))
    policy = isso_policy(conf)
    forms = CommentForms(
        app, policy, Limits.beside(config_file), limits_db(conf.get("general", "dbpath"))
    )
    return LoginThrottle(CrossSiteGuard(forms, policy))


# What `wsgi.create_app(front=…)` serves.
FRONTS = {"guarded": guarded_isso, "local": local_isso, "alone": isso_alone}
