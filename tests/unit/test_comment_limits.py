"""The spam limits' parts (commons/comments/limits.py): the rate shared through
one SQLite file by every process, the reader's address behind the proxy, the
link and size caps, and the limits file `invoke comments-config` writes."""

from __future__ import annotations

import io
from contextlib import closing

import pytest

from commons.comments.limits import (
    LIMITS_FILE,
    Limits,
    RateLimiter,
    client_address,
    request_body,
    text_problem,
)
from commons.comments.options import check_options
from commons.settings import SettingsError


def test_the_rate_is_shared_by_every_limiter_on_one_file_and_slides(tmp_path):
    path = tmp_path / "limits.sqlite"
    # Two workers: each opens the file on its own.
    first, second = RateLimiter(path, 3), RateLimiter(path, 3)
    assert [first.allow("a", 100.0), second.allow("a", 101.0), first.allow("a", 102.0)] == [
        True,
        True,
        True,
    ]
    assert not second.allow("a", 103.0)
    assert second.allow("b", 103.0)  # another address has its own count
    assert not first.allow("a", 159.0)
    assert first.allow("a", 160.5)  # the first hit is a minute old


def test_the_address_is_the_proxys_last_hop_only_behind_the_proxy():
    proxied = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 192.0.2.9"}
    assert client_address(proxied) == "192.0.2.9"
    assert client_address({**proxied, "REMOTE_ADDR": ""}) == "192.0.2.9"  # unix socket
    # A client reaching the server directly cannot choose its address.
    direct = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "192.0.2.9"}
    assert client_address(direct) == "203.0.113.5"


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("See https://a.example and http://b.example", 2),
        ("[one](https://a.example) and ![pic](https://b.example/p.png)", 2),
        ('<a href="https://a.example">a</a> www.b.example', 2),
        ("No link: an e-mail@example.org, a path /x/y", 0),
    ],
)
def test_links_are_counted_once_each(text, links):
    assert text_problem(text, Limits(max_links=links)) is None
    problem = text_problem(text, Limits(max_links=links - 1)) if links else None
    assert links == 0 or f"{links} links; accepted: {links - 1} or fewer" in problem


def test_the_settings_have_defaults_and_reach_the_limits_file(tmp_path):
    options = check_options({"post_rate": 10, "min_seconds": 0})
    limits = Limits.of(options)
    assert (limits.post_rate, limits.min_seconds, limits.max_links) == (10, 0, 3)
    (tmp_path / LIMITS_FILE).write_text(limits.to_json(), encoding="utf-8")
    assert Limits.beside(tmp_path / "isso.cfg") == limits
    assert Limits.beside(tmp_path / "elsewhere" / "isso.cfg") == Limits()
    with pytest.raises(SettingsError, match="post_rate"):
        check_options({"post_rate": 0})
    with pytest.raises(SettingsError, match="moderation"):
        check_options({"moderation": "some"})


def test_a_first_comment_does_not_race_another_process_for_its_thread(tmp_path, monkeypatch):
    """Isso makes a thread on its first comment under its own process's lock only:
    in a second gunicorn worker, the same thread's insert fails on its unique
    address, and Isso answers 500. The forms make the thread first, in one
    statement SQLite runs once whichever worker comes first, so Isso never
    inserts it: here its insert fails as the losing worker's would."""
    import io
    import json
    import sqlite3

    from isso import config as isso_config
    from isso import make_app
    from isso.db.threads import Threads

    from commons.comments.form import CommentForms
    from commons.comments.guard import GuardPolicy

    database = tmp_path / "comments.db"
    conf = isso_config.load(isso_config.default_file())
    conf.set("general", "dbpath", str(database))
    conf.set("general", "host", "http://blog.example.org")
    isso = make_app(conf)

    def lost_the_race(self, uri, title):
        raise sqlite3.IntegrityError("UNIQUE constraint failed: threads.uri")

    monkeypatch.setattr(Threads, "new", lost_the_race)
    forms = CommentForms(
        isso,
        GuardPolicy(frozenset(), frozenset()),
        Limits(),
        tmp_path / "limits.sqlite",
        threads_db=database,
    )

    def post(uri: str, data: dict) -> str:
        body = json.dumps(data).encode()
        answered = []
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/new",
            "QUERY_STRING": f"uri={uri}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8080",
            "HTTP_HOST": "127.0.0.1:8080",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
        }
        b"".join(forms(environ, lambda status, headers, exc_info=None: answered.append(status)))
        return answered[0]

    assert post("/a-post/", {"text": "First words here", "title": "A post"}).startswith("20")
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT uri, title FROM threads").fetchall() == [("/a-post/", "A post")]
    # Without the forms' thread, Isso's own insert is what fails.
    isso_status = []
    bare = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/new",
        "QUERY_STRING": "uri=/another/",
        "CONTENT_TYPE": "application/json",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "wsgi.url_scheme": "http",
    }
    body = json.dumps({"text": "First words here", "title": "Another"}).encode()
    bare.update({"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
    b"".join(isso(bare, lambda status, headers, exc_info=None: isso_status.append(status)))
    assert isso_status[0].startswith("500")


def test_a_server_process_starting_beside_another_on_a_new_database_starts(tmp_path):
    """Two gunicorn workers making Isso at once on a new database both write its
    session key; the second one's first reader must not get a 500."""
    import sqlite3

    from isso import config as isso_config
    from isso.db import SQLite3

    from commons.comments.wsgi import PerProcessApp

    database = tmp_path / "comments.db"
    conf = isso_config.load(isso_config.default_file())
    first, second = SQLite3(str(database), conf), None
    made = []

    def factory():
        # What the second worker meets: the key's row went in after it looked.
        nonlocal second
        made.append(1)
        if len(made) == 1:
            raise sqlite3.IntegrityError("UNIQUE constraint failed: preferences.key")
        second = SQLite3(str(database), conf)
        return lambda environ, start_response: [b"answered"]

    app = PerProcessApp(factory)
    assert app({}, lambda *args: None) == [b"answered"]
    assert len(made) == 2 and second.preferences.get("session-key") == (
        first.preferences.get("session-key")
    )


def test_a_posted_body_is_read_up_to_its_length_and_never_past_the_cap():
    posted = b"x" * 100

    def read(environ: dict, most: int = 100) -> tuple[bytes | None, int]:
        stream = io.BytesIO(posted)
        return request_body({**environ, "wsgi.input": stream}, most), stream.tell()

    assert read({"CONTENT_LENGTH": "100"}) == (posted, 100)
    assert read({"CONTENT_LENGTH": "10"}) == (b"x" * 10, 10)
    # Over the cap: refused with nothing read.
    assert read({"CONTENT_LENGTH": "101"}) == (None, 0)
    # Missing, garbled or negative: nothing read, not the body to its end.
    for environ in (
        {},
        {"CONTENT_LENGTH": ""},
        {"CONTENT_LENGTH": "ten"},
        {"CONTENT_LENGTH": "-1"},
    ):
        assert read(environ) == (b"", 0), environ


def test_the_comment_forms_refuse_a_body_over_their_cap_unread(tmp_path):
    from commons.comments.form import MAX_FORM_BYTES, CommentForms
    from commons.comments.guard import GuardPolicy

    def isso(environ, start_response):
        raise AssertionError("a refused body reached Isso")

    forms = CommentForms(
        isso, GuardPolicy(frozenset(), frozenset()), Limits(), tmp_path / "limits.sqlite"
    )
    stream = io.BytesIO(b"x" * (MAX_FORM_BYTES + 1))
    answered = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/new",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(MAX_FORM_BYTES + 1),
        "REMOTE_ADDR": "192.0.2.1",
        "wsgi.input": stream,
    }
    b"".join(forms(environ, lambda status, headers, exc_info=None: answered.append(status)))
    assert answered == ["413 Content Too Large"]
    assert stream.tell() == 0
