"""Commenting without JavaScript, and the spam limits on every way to post.

Each open post carries a plain HTML form (theme/templates/partials/discussion/
form.html) that posts, form-encoded, to the comment server in two steps:

1. `POST /form/new` answers a page that shows the comment as it will be
   posted, with a Publish button. Its hidden `token` signs the comment and
   the time this page was made (HMAC with a key kept in the limits file, so
   every worker shares it).
2. `POST /form/publish` checks the token and that at least `min_seconds`
   have passed since step 1, then creates the comment through Isso's own
   API (`POST /new` with JSON, inside this process): Isso's validation,
   moderation and notifications apply as for the widget. It answers 303 to
   the post, at `#comment-held` or `#comment-shown`, which the static page
   shows with CSS `:target`.

A static page cannot know when it was loaded, so the "time between page and
post" is the time between the two steps: a bot that posts the form straight
away gets no comment in, and one that does both steps must wait.

Both steps refuse a filled honeypot field; every way to post (the widget's
`POST /new` and the form) is held to the same per-address rate, link count
and size (commons/comments/limits.py). The cross-site guard in front
(commons/comments/guard.py) lets the form through only from the site's
origins, and this app sends its readers back only to the site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import io
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

from .guard import FORM_NEW_PATH, FORM_PUBLISH_PATH, GuardPolicy, normalise_origin, request_origin
from .limits import Limits, RateLimiter, client_address, text_problem

HONEYPOT_FIELD = "subject"
# The fields a reader fills in, and the ones the post's page fills in.
READER_FIELDS = ("author", "email", "website", "notify", "text", "parent")
PAGE_FIELDS = ("uri", "title", "page")
# Whitespace or control characters: never in an address sent back as a header.
UNSAFE_IN_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f]")
# What `quote` keeps of an address: its delimiters, and what is already %-encoded.
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
ERROR_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
HELD_ANCHOR = "comment-held"
SHOWN_ANCHOR = "comment-shown"
# A preview older than this must be made again (the reader went away).
TOKEN_MAX_AGE = 2 * 3600
MAX_FORM_BYTES = 256 * 1024
PAGE_STYLE = (
    "body{font:1.1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
    "blockquote{white-space:pre-wrap;border-left:.25rem solid #888;margin:1rem 0;"
    "padding:.5rem 1rem}"
    "button{font:inherit;padding:.4rem 1.2rem}"
)


class Refused(Exception):
    """A post refused: the status and the sentence that says why and what to do."""

    def __init__(self, status: str, message: str, headers: Iterable = ()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


def signing_key(path: str | Path) -> bytes:
    """The form tokens' key, made once and kept in the limits file for every worker."""
    with closing(sqlite3.connect(str(path), timeout=10)) as db, db:
        db.execute("CREATE TABLE IF NOT EXISTS form_key (id INTEGER PRIMARY KEY, key BLOB)")
        db.execute(
            "INSERT OR IGNORE INTO form_key (id, key) VALUES (1, ?)", (secrets.token_bytes(32),)
        )
        (key,) = db.execute("SELECT key FROM form_key WHERE id = 1").fetchone()
    return key


def _signature(key: bytes, made: int, fields: dict) -> str:
    content = json.dumps([made, *(fields[name] for name in (*PAGE_FIELDS, *READER_FIELDS))])
    return hmac.new(key, content.encode("utf-8"), hashlib.sha256).hexdigest()


def make_token(key: bytes, fields: dict, now: float) -> str:
    made = int(now)
    return f"{made}.{_signature(key, made, fields)}"


def token_age(key: bytes, token: str, fields: dict, now: float) -> float | None:
    """Seconds since the token was made for exactly these fields, or None if it was not."""
    made_text, _, signature = token.partition(".")
    if not made_text.isdigit():
        return None
    made = int(made_text)
    if not hmac.compare_digest(signature, _signature(key, made, fields)):
        return None
    return now - made


def _request_body(environ: dict) -> bytes:
    """The request's body, refused past MAX_FORM_BYTES (a form's or the widget's JSON)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_FORM_BYTES:
        raise Refused("413 Content Too Large", "The comment is too large. Fix: shorten it.")
    return environ["wsgi.input"].read(length)


def _form_fields(environ: dict) -> dict:
    body = _request_body(environ).decode("utf-8", "replace")
    values = parse_qs(body, keep_blank_values=True)
    return {name: (values.get(name) or [""])[0] for name in values}


def make_thread(database: Path, query: str, body: bytes) -> None:
    """The thread of a `POST /new` to Isso (its `uri`, and the `title` Isso takes from
    a first comment), unless it exists; nothing when the request names neither."""
    uri = (parse_qs(query).get("uri") or [""])[0]
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return
    title = data.get("title") if isinstance(data, dict) else None
    if not uri or not isinstance(title, str) or not title:
        return  # Isso refuses it, or reads the title from the page itself
    with closing(sqlite3.connect(database, timeout=10)) as db, db:
        db.execute("INSERT OR IGNORE INTO threads (uri, title) VALUES (?, ?)", (uri, title))


class CommentForms:
    """WSGI middleware in front of Isso: the two form steps, and the limits on `POST /new`."""

    def __init__(
        self,
        isso: Callable,
        policy: GuardPolicy,
        limits: Limits,
        limits_file: Path,
        threads_db: Path | None = None,
    ):
        self.isso = isso
        self.policy = policy
        self.limits = limits
        # Isso's database, where a post's thread is made before its first comment.
        self.threads_db = threads_db
        self.rate = RateLimiter(limits_file, limits.post_rate)
        self.key = signing_key(limits_file)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "")
        try:
            if method == "POST" and path == FORM_NEW_PATH:
                return self.preview(environ, start_response)
            if method == "POST" and path == FORM_PUBLISH_PATH:
                return self.publish(environ, start_response)
            if method == "POST" and path == "/new":
                return self.api_new(environ, start_response)
        except Refused as refusal:
            return self.answer(start_response, refusal.status, refusal.message, refusal.headers)
        return self.isso(environ, start_response)

    # -- the checks every post passes ------------------------------------

    def check_rate(self, environ: dict, step: str) -> None:
        if not self.rate.allow(f"{step}:{client_address(environ)}"):
            raise Refused(
                "429 Too Many Requests",
                f"Too many comments from your address: {self.limits.post_rate} a minute are "
                "accepted. Fix: wait a minute, then post again.",
                [("Retry-After", "60")],
            )

    def check_text(self, text: str) -> None:
        problem = text_problem(text, self.limits)
        if problem:
            raise Refused("400 Bad Request", problem)

    def check_form(self, fields: dict) -> None:
        if self.limits.honeypot and fields.get(HONEYPOT_FIELD, ""):
            raise Refused("400 Bad Request", "The comment was refused.")
        if not fields.get("text", "").strip():
            raise Refused("400 Bad Request", "The comment is empty. Fix: write something.")
        page = fields.get("page", "")
        if (
            not fields.get("uri")
            or UNSAFE_IN_ADDRESS.search(page)
            or normalise_origin(page) not in self.policy.site_origins
        ):
            raise Refused(
                "400 Bad Request",
                "The form does not name a post of this site. Fix: post from the post's page.",
            )
        self.check_text(fields["text"])

    # -- the endpoints ----------------------------------------------------

    def api_new(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Isso's own `POST /new` (the widget), held to the same limits as the form."""
        self.check_rate(environ, "post")
        body = _request_body(environ)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            self.check_text(data["text"])
        return self.isso_new({**environ, "CONTENT_LENGTH": str(len(body))}, body, start_response)

    def isso_new(self, environ: dict, body: bytes, start_response: Callable) -> Iterable[bytes]:
        """Isso's `POST /new` with `body`, its post's thread made first.

        Isso makes a thread on its first comment under a lock of its own
        process only: two first comments at once in two server processes both
        insert the thread, and the second fails on the thread's unique address.
        Isso answers that with a 500 (it catches the error itself). The thread
        is made here beforehand, by one statement SQLite runs once whichever
        process comes first; Isso then finds it.
        """
        if self.threads_db is not None:
            make_thread(self.threads_db, environ.get("QUERY_STRING", ""), body)
        return self.isso({**environ, "wsgi.input": io.BytesIO(body)}, start_response)

    def preview(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        fields = self.fields(environ)
        self.check_rate(environ, "preview")
        token = make_token(self.key, fields, time.time())
        return self.answer(start_response, "200 OK", "", page=self.preview_page(fields, token))

    def publish(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        fields = self.fields(environ)
        age = token_age(self.key, fields.get("token", ""), fields, time.time())
        if age is None or age > TOKEN_MAX_AGE:
            raise Refused(
                "400 Bad Request",
                "This form has expired or was changed. Fix: go back to the post and send "
                "the comment again.",
            )
        if age < self.limits.min_seconds:
            wait = max(1, int(self.limits.min_seconds - age + 0.999))
            page = self.preview_page(
                fields,
                fields["token"],
                note=f"That was quick: please read your comment once more, then publish it "
                f"(in {wait} seconds or later).",
            )
            return self.answer(
                start_response, "429 Too Many Requests", "", [("Retry-After", str(wait))], page
            )
        self.check_rate(environ, "post")
        status, answer = self.create(environ, fields)
        if status in (201, 202):
            anchor = HELD_ANCHOR if answer.get("mode") == 2 else SHOWN_ANCHOR
            # ASCII for the header: the page's address as a browser would send it.
            page = quote(fields["page"].split("#", 1)[0], safe=URL_SAFE)
            location = page + "#" + anchor
            start_response("303 See Other", [("Location", location), ("Content-Length", "0")])
            return [b""]
        raise Refused(
            f"{status} Refused",
            f"The comment server refused the comment: {answer.get('reason', 'no reason given')}.",
        )

    def fields(self, environ: dict) -> dict:
        raw = _form_fields(environ)
        fields = {name: raw.get(name, "").strip() for name in (*PAGE_FIELDS, *READER_FIELDS)}
        fields["text"] = raw.get("text", "")
        fields[HONEYPOT_FIELD] = raw.get(HONEYPOT_FIELD, "")
        fields["token"] = raw.get("token", "")
        # A site built without SITEURL names its posts by path: the post is then on
        # the origin the form came from (one of the site's, or the guard refused it).
        page, origin = fields["page"], request_origin(environ)
        if (
            page.startswith("/")
            and not page.startswith("//")
            and origin in self.policy.site_origins
        ):
            fields["page"] = origin + page
        self.check_form(fields)
        return fields

    def create(self, environ: dict, fields: dict) -> tuple[int, dict]:
        """Post the comment to Isso's `POST /new` as the widget does; (status, JSON answer)."""
        comment = {
            "text": fields["text"],
            "author": fields["author"] or None,
            "email": fields["email"] or None,
            "website": fields["website"] or None,
            "title": fields["title"] or None,
        }
        if fields["parent"].isdigit():
            comment["parent"] = int(fields["parent"])
        # Isso mails replies to a commenter who asked, when it can reach them.
        if fields["notify"] and fields["email"]:
            comment["notification"] = 1
        body = json.dumps(comment).encode("utf-8")
        inner = {
            key: value
            for key, value in environ.items()
            if not key.startswith("HTTP_") or key in ("HTTP_X_FORWARDED_FOR", "HTTP_HOST")
        }
        inner.update(
            {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": "/new",
                "QUERY_STRING": urlencode({"uri": fields["uri"]}),
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body)),
            }
        )
        answered = {}

        def start(status, headers, exc_info=None):
            answered["status"] = int(status.split(" ", 1)[0])

        chunks = self.isso_new(inner, body, start)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        try:
            answer = json.loads(data)
        except ValueError:
            # An HTML error page (Isso's guard): its message is the paragraph.
            text = data.decode("utf-8", "replace")
            paragraph = ERROR_PARAGRAPH.search(text)
            reason = html.unescape(paragraph.group(1) if paragraph else text).strip()
            answer = {"reason": reason[:300]}
        if not isinstance(answer, dict):
            answer = {}
        return answered["status"], answer

    # -- pages --------------------------------------------------------------

    def preview_page(self, fields: dict, token: str, note: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(fields[name])}">'
            for name in (*PAGE_FIELDS, *READER_FIELDS)
        )
        author = html.escape(fields["author"] or "Anonymous")
        note_html = f'<p role="status">{html.escape(note)}</p>' if note else ""
        return (
            "<h1>Check your comment</h1>"
            f"{note_html}"
            f'<p>On <a href="{html.escape(fields["page"])}">{html.escape(fields["title"])}</a>, '
            f"as {author}:</p>"
            f"<blockquote>{html.escape(fields['text'])}</blockquote>"
            '<form method="post" action="publish">'
            f'{hidden}<input type="hidden" name="token" value="{html.escape(token)}">'
            '<p><button type="submit">Publish the comment</button></p></form>'
            "<p>To change it, go back with your browser's Back button.</p>"
        )

    def answer(
        self,
        start_response: Callable,
        status: str,
        message: str,
        headers: Iterable = (),
        page: str = "",
    ) -> Iterable[bytes]:
        """A small page of the comment server's own, under a CSP that allows its style
        and its one form (which may go back to the site)."""
        body = page or f"<h1>Your comment was not posted</h1><p>{html.escape(message)}</p>"
        style_hash = hashlib.sha256(PAGE_STYLE.encode("utf-8")).digest()

        sites = " ".join(sorted(self.policy.site_origins))
        csp = (
            "default-src 'none'; "
            f"style-src 'sha256-{base64.b64encode(style_hash).decode('ascii')}'; "
            f"form-action 'self' {sites}; frame-ancestors 'none'; base-uri 'none'"
        )
        document = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Comment</title><style>{PAGE_STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>"
        ).encode()
        start_response(
            status,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(document))),
                ("Content-Security-Policy", csp),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
                # Not no-referrer: the Publish form must send its Origin to the guard.
                ("Referrer-Policy", "same-origin"),
                *headers,
            ],
        )
        return [document]
