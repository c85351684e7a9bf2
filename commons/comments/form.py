"""Commenting without JavaScript, and the spam limits on every way to post.

Each open post carries one link, "Leave a comment" (theme/templates/partials/
discussion/form.html), to the comment server's form page; the form posts,
form-encoded, to the comment server in two steps:

0. `GET /form/new?uri=…&title=…&page=…` answers the empty form for that post
   (and, when Isso's database is at hand, a choice of the published comment
   to reply to). It is a page of the comment server's own origin, so the
   article carries no form and weighs less.
1. `POST /form/new` answers a page that shows the comment as it will be
   posted, with a Publish button. Its hidden `token` signs the comment and
   the time this page was made (HMAC with a key kept in the limits file, so
   every worker shares it).
2. `POST /form/publish` checks the token and that at least `min_seconds`
   have passed since step 1, then creates the comment through Isso's own
   API (`POST /new` with JSON, inside this process): Isso's validation,
   moderation and notifications apply as for the widget. It answers a
   thank-you page that says whether the comment is held or published, with
   a link back to the post.

A static page cannot know when it was loaded, so the "time between page and
post" is the time between the two steps: a bot that posts the form straight
away gets no comment in, and one that does both steps must wait.

Both steps refuse a filled honeypot field; every way to post (the widget's
`POST /new` and the form) is held to the same per-address rate, link count
and size (commons/comments/limits.py). The cross-site guard in front
(commons/comments/guard.py) lets the form through only from the comment
server's own origin (the form page) and the site's, and every page here links
readers back only to the site: the post's address must be on one of the
site's origins (`check_post`), whichever step names it.
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
from urllib.parse import parse_qs, urlencode

from .guard import FORM_NEW_PATH, FORM_PUBLISH_PATH, GuardPolicy, normalise_origin, request_origin
from .limits import Limits, RateLimiter, client_address, request_body, text_problem

HONEYPOT_FIELD = "subject"
# The fields a reader fills in, and the ones the post's page fills in.
READER_FIELDS = ("author", "email", "website", "notify", "text", "parent")
PAGE_FIELDS = ("uri", "title", "page")
# Whitespace or control characters: never in an address sent back as a header.
UNSAFE_IN_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f]")
ERROR_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
# The longest post address, thread id or title the form page takes: a link
# longer than this was not made by the theme.
MAX_PAGE_FIELD = 2048
# A preview older than this must be made again (the reader went away).
TOKEN_MAX_AGE = 2 * 3600
MAX_FORM_BYTES = 256 * 1024
PAGE_STYLE = (
    "body{font:1.1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
    "blockquote{white-space:pre-wrap;border-left:.25rem solid #888;margin:1rem 0;"
    "padding:.5rem 1rem}"
    "button{font:inherit;padding:.4rem 1.2rem}"
    "label{display:block;font-weight:600}"
    "input,textarea,select{font:inherit;width:100%;box-sizing:border-box}"
    "[type=checkbox]{width:auto}[type=checkbox]+label{display:inline;font-weight:400}"
    ".trap{position:absolute;left:-100vw}"
)
# The published comments of a thread in Isso's database, for the reply choice.
PUBLISHED_COMMENTS = (
    "SELECT comments.id, comments.author, comments.created FROM comments "
    "JOIN threads ON threads.id = comments.tid "
    "WHERE threads.uri = ? AND comments.mode = 1 ORDER BY comments.created, comments.id"
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
    body = request_body(environ, MAX_FORM_BYTES)
    if body is None:
        raise Refused("413 Content Too Large", "The comment is too large. Fix: shorten it.")
    return body


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
            if method in ("GET", "HEAD") and path == FORM_NEW_PATH:
                return self.form(environ, start_response)
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
        self.check_post(fields)
        self.check_text(fields["text"])

    def check_post(self, fields: dict) -> None:
        """The post a form names: a thread id, and an address on one of the site's
        origins (never another site's, nor a `javascript:` one, nor a header's end)."""
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

    def form(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The empty form for the post the query names (the article's link)."""
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        fields = {name: (query.get(name) or [""])[0].strip() for name in PAGE_FIELDS}
        missing = [name for name in PAGE_FIELDS if not fields[name]]
        if missing:
            raise Refused(
                "400 Bad Request",
                f"The link to this form lacks the post's {' and '.join(missing)}. "
                'Fix: follow the "Leave a comment" link on the post\'s page.',
            )
        long = [name for name in PAGE_FIELDS if len(fields[name]) > MAX_PAGE_FIELD]
        if long:
            raise Refused(
                "400 Bad Request",
                f"The post's {' and '.join(long)} in the link to this form is longer than "
                f'{MAX_PAGE_FIELD} characters. Fix: follow the "Leave a comment" '
                "link on the post's page.",
            )
        fields["page"] = self.absolute_page(fields["page"], environ)
        self.check_post(fields)
        return self.answer(
            start_response, "200 OK", "", page=self.form_page(fields), title=fields["title"]
        )

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
            return self.answer(
                start_response,
                "200 OK",
                "",
                page=self.thanks_page(fields, held=answer.get("mode") == 2),
            )
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
        fields["page"] = self.absolute_page(fields["page"], environ)
        self.check_form(fields)
        return fields

    def absolute_page(self, page: str, environ: dict) -> str:
        """A site built without SITEURL names its posts by path: the post is then on
        the site origin the request came from (its Origin, or its Referer's)."""
        origin = request_origin(environ)
        if (
            page.startswith("/")
            and not page.startswith("//")
            and origin in self.policy.site_origins
        ):
            return origin + page
        return page

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

    def published_comments(self, uri: str) -> list[tuple[int, str, float]]:
        """(id, author, created) of the thread's published comments, oldest first."""
        if self.threads_db is None or not self.threads_db.exists():
            return []
        with closing(sqlite3.connect(self.threads_db, timeout=10)) as db:
            return db.execute(PUBLISHED_COMMENTS, (uri,)).fetchall()

    def form_page(self, fields: dict) -> str:
        """The empty form for one post: what the article's form held before."""
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(fields[name])}">'
            for name in PAGE_FIELDS
        )
        replies = self.published_comments(fields["uri"])
        reply_choice = ""
        if replies:
            options = "".join(
                f'<option value="{identifier}">{html.escape(author or "Anonymous")}, '
                f"{time.strftime('%Y-%m-%d', time.gmtime(created))}</option>"
                for identifier, author, created in replies
            )
            reply_choice = (
                '<p><label for="comment-parent">In reply to</label>'
                '<select id="comment-parent" name="parent"><option value="">The post</option>'
                f"{options}</select></p>"
            )
        return (
            f"<h1>{html.escape(fields['title'])}</h1>"
            f'<p><a href="{html.escape(fields["page"])}">Back to the post</a></p>'
            '<form method="post" action="new">'
            "<h2>Leave a comment</h2>"
            f"{hidden}"
            '<p><label for="comment-name">Name</label>'
            '<input id="comment-name" name="author" autocomplete="name" required></p>'
            '<p><label for="comment-email">E-mail (optional, never shown)</label>'
            '<input id="comment-email" name="email" type="email" autocomplete="email"></p>'
            '<p><input id="comment-notify" name="notify" type="checkbox" value="1"> '
            '<label for="comment-notify">E-mail me replies (needs your e-mail)</label></p>'
            '<p><label for="comment-website">Website (optional)</label>'
            '<input id="comment-website" name="website" type="url" autocomplete="url"></p>'
            f"{reply_choice}"
            '<p><label for="comment-text">Comment</label>'
            '<textarea id="comment-text" name="text" rows="8" required></textarea></p>'
            '<p class="trap" aria-hidden="true"><label for="comment-trap">Leave this empty</label>'
            f'<input id="comment-trap" name="{HONEYPOT_FIELD}" tabindex="-1" autocomplete="off">'
            "</p>"
            '<p><button type="submit">Preview and publish</button></p></form>'
        )

    def thanks_page(self, fields: dict, held: bool) -> str:
        """What the reader sees once the comment is in: held or published, and the way back."""
        said = (
            "Thank you: your comment is held for moderation."
            if held
            else "Thank you: your comment is published; it appears on the post once the site "
            "is updated."
        )
        return (
            "<h1>Comment sent</h1>"
            f'<p role="status">{said}</p>'
            f'<p><a href="{html.escape(fields["page"])}">Back to '
            f"{html.escape(fields['title'] or 'the post')}</a></p>"
        )

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
        title: str = "Comment",
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
            f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
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
