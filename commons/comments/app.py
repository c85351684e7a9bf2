"""The comment server's WSGI application: Isso with Commons' additions in front.

Isso, then its thread versions (versions.py), the comment forms and spam
limits (form.py, limits.py), the cross-site guard and the login throttle
(guard.py): what every way of serving comments runs.
"""

from __future__ import annotations

from .form import CommentForms
from .guard import CrossSiteGuard, LoginThrottle, isso_policy
from .limits import Limits, limits_db
from .mail import turn_off_mail_without_smtp
from .versions import ThreadVersions


def guarded_isso(config_file: str, multiprocessing: bool = False) -> LoginThrottle:
    """Isso's WSGI application for `config_file`, with the comment forms and the spam
    limits (commons/comments/form.py), behind the cross-site guard and the login throttle.

    The allowed site origins are Isso's own `[general] host` list (the origins
    its CORS answers), and its own origin is `[server] public-endpoint`, so
    the guard needs no settings of its own. With gunicorn:
    `gunicorn 'commons.comments.app:guarded_isso("/etc/isso.cfg", True)'`.
    """
    from isso import config, make_app

    conf = config.load(config.default_file(), config_file)
    turn_off_mail_without_smtp(conf)
    if multiprocessing:
        app = make_app(conf, threading=False, multiprocessing=True)
    else:
        app = make_app(conf)
    # Commons' one read-only addition to Isso's API (commons/comments/versions.py):
    # what the comment snapshot asks to know which threads changed.
    app = ThreadVersions(app, conf.get("general", "dbpath"))
    policy = isso_policy(conf)
    forms = CommentForms(
        app, policy, Limits.beside(config_file), limits_db(conf.get("general", "dbpath"))
    )
    return LoginThrottle(CrossSiteGuard(forms, policy))
