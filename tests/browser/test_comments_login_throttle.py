"""Guessing the comment server's admin password: a burst of bad logins gets
429 after a few, from gunicorn (the guard) and from nginx (the snippet)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from commons.comments.guard import LOGIN_BURST
from tests.browser.test_comments_nginx_guard import behind_nginx  # noqa: F401 - a fixture

ATTEMPTS = 30


def login_statuses(base: str, origin: str) -> list[int]:
    statuses = []
    for attempt in range(ATTEMPTS):
        request = urllib.request.Request(
            base + "login/",
            data=urllib.parse.urlencode({"password": f"guess-{attempt}"}).encode(),
            headers={"Origin": origin},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


def test_gunicorn_throttles_logins(comment_server):
    # One worker: each worker keeps its own allowance.
    isso, _password = comment_server("http://127.0.0.1:9", workers=1)
    base = f"http://127.0.0.1:{isso.port}/"
    statuses = login_statuses(base, base.rstrip("/"))
    assert 429 not in statuses[:LOGIN_BURST], statuses
    assert statuses[LOGIN_BURST:] == [429] * (ATTEMPTS - LOGIN_BURST), statuses


def test_nginx_throttles_logins(behind_nginx):  # noqa: F811 - the fixture imported above
    _origin, public, _isso = behind_nginx
    statuses = login_statuses(public, public.rstrip("/").rsplit("/", 1)[0])
    assert 429 not in statuses[:LOGIN_BURST], statuses
    assert statuses[LOGIN_BURST:] == [429] * (ATTEMPTS - LOGIN_BURST), statuses
