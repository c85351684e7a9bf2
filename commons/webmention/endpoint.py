"""The comment server's Webmention endpoint (W3C Webmention, "Receiving Webmentions").

In front of Isso (commons/comments/wsgi.py), two requests:

- `POST /webmention` with form-encoded `source` and `target`: checked at once
  (both http(s) addresses, not the same, the target on one of the site's
  origins, the source's domain not blocked, the sender within the comments'
  rate limit), queued, and answered 202 Accepted. Everything else is done
  later, by a thread of the worker: the target must be a post of this site
  with an open discussion (its page is fetched from the site, and names its
  thread), the source must link to it (commons/webmention/fetch.py and
  verify.py); the mention is then stored, held for moderation. A mention of
  a source already stored is verified again: a source that changed is
  updated (and held again), one that is gone (404, 410) or no longer links
  to the target is removed.
- `GET /commons/webmentions?uri=<thread id>`: the thread's approved mentions,
  public fields only, for the comment snapshot (commons/comments/snapshot.py).

A request from another server carries no Origin, so this app sits outside
the cross-site guard; it changes nothing but its own queue.
"""

from __future__ import annotations

import dataclasses
import json
import os
import smtplib
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml.etree import LxmlError

from commons.comments.answers import answer
from commons.comments.guard import WEBMENTION_PATH, isso_policy
from commons.comments.limits import Limits, RateLimiter, client_address, request_body
from commons.errors import InputError
from commons.html_policy import comment_cleaner
from commons.unicode_controls import terminal_safe
from commons.urls import normalise_origin

from .fetch import AddressRule, FetchLimits, FetchRefused, fetch
from .mail import ModeratorMail
from .store import Job, Store, approved_for_thread, is_blocked_host, store_path
from .verify import NotVerified, normal_url, read_mention, thread_of

ENDPOINT_PATH = WEBMENTION_PATH
APPROVED_PATH = "/commons/webmentions"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY = 8 * 1024
MAX_URL = 2048
# How often a worker looks for jobs queued by the other workers.
POLL_SECONDS = 5.0
APPROVED_FORMAT = 1


class Refused(InputError):
    def __init__(self, status: str, message: str, headers: Iterable = ()):
        super().__init__(message)
        self.status = status
        self.headers = list(headers)


def _is_web_address(value: str) -> bool:
    if not value or len(value) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in value):
        return False
    return normalise_origin(value) is not None


class WebmentionEndpoint:
    """WSGI middleware: the two Webmention requests; everything else goes to `app`."""

    def __init__(
        self,
        app: Callable,
        *,
        site_origins: Iterable[str],
        store_file: Path,
        limits: Limits,
        rate_file: Path,
        rule: AddressRule,
        fetch_limits: FetchLimits | None = None,
        log: Callable[[str], None] | None = None,
        mail: ModeratorMail | None = None,
    ):
        self.app = app
        self.site_origins = frozenset(filter(None, map(normalise_origin, site_origins)))
        self.store = Store(store_file)
        self.store_file = Path(store_file)
        self.limits = limits
        self.rate = RateLimiter(rate_file, limits.post_rate)
        # The site's own pages (the target) are read wherever they are.
        self.rule = dataclasses.replace(rule, trusted_origins=self.site_origins)
        self.fetch_limits = fetch_limits or FetchLimits()
        self.log = log or _log
        self.mail = mail
        # The comment snapshot's sanitiser: a mention is cleaned as a comment is.
        self.cleaner = comment_cleaner()
        self._wake = threading.Event()
        self._started = threading.Lock()
        self._worker: threading.Thread | None = None
        self._worker_pid: int | None = None

    # -- requests -------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # On any request: jobs queued before a restart are verified without
        # waiting for the next webmention.
        self.start_worker()
        path = environ.get("PATH_INFO", "")
        if path not in (ENDPOINT_PATH, APPROVED_PATH):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            if path == APPROVED_PATH:
                if method not in ("GET", "HEAD"):
                    raise Refused("405 Method Not Allowed", "GET only.", [("Allow", "GET")])
                return self.approved(environ, start_response)
            if method != "POST":
                raise Refused(
                    "405 Method Not Allowed",
                    "This is a Webmention endpoint: POST source and target, form-encoded.",
                    [("Allow", "POST")],
                )
            return self.receive(environ, start_response)
        except Refused as refusal:
            return _answer(start_response, refusal.status, str(refusal), refusal.headers)

    def receive(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        media = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if media != FORM_TYPE:
            raise Refused(
                "415 Unsupported Media Type",
                f"Send source and target as {FORM_TYPE} (W3C Webmention 3.1.2).",
            )
        body = request_body(environ, MAX_BODY)
        if body is None:
            raise Refused("413 Content Too Large", "The request is too large.")
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        source = (fields.get("source") or [""])[0].strip()
        target = (fields.get("target") or [""])[0].strip()
        self.check(source, target)
        if not self.rate.allow(f"webmention:{client_address(environ)}"):
            raise Refused(
                "429 Too Many Requests",
                f"Too many webmentions from your address: {self.limits.post_rate} a minute are "
                "accepted. Try again in a minute.",
                [("Retry-After", "60")],
            )
        self.store.enqueue(source, target)
        self._wake.set()
        return _answer(
            start_response,
            "202 Accepted",
            "Accepted: the source will be verified, then held for moderation.",
        )

    def check(self, source: str, target: str) -> None:
        """What W3C Webmention 3.2.1 checks synchronously, and the blocked domains."""
        for name, value in (("source", source), ("target", target)):
            if not _is_web_address(value):
                raise Refused("400 Bad Request", f"The {name} must be an absolute http(s) address.")
        if normal_url(source) == normal_url(target):
            raise Refused("400 Bad Request", "The source and the target are the same address.")
        if normalise_origin(target) not in self.site_origins:
            raise Refused("400 Bad Request", "The target is not a page of this site.")
        if is_blocked_host(urlsplit(source).hostname or "", self.store.blocked()):
            raise Refused("400 Bad Request", "Webmentions from this domain are not accepted.")

    def approved(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        thread = (parse_qs(environ.get("QUERY_STRING", "")).get("uri") or [""])[0]
        mentions = approved_for_thread(self.store_file, thread) if thread else []
        body = json.dumps(
            {"format": APPROVED_FORMAT, "thread": thread, "mentions": mentions},
            ensure_ascii=False,
            sort_keys=True,
        )
        return _answer(start_response, "200 OK", body, media_type="application/json")

    # -- verification, in a thread of each worker ---------------------------------

    def start_worker(self) -> None:
        """Start this process's verifying thread (again after a fork, or if it died)."""
        worker = self._worker
        if worker is not None and self._worker_pid == os.getpid() and worker.is_alive():
            return
        with self._started:
            alive = self._worker is not None and self._worker.is_alive()
            if alive and self._worker_pid == os.getpid():
                return
            self._worker_pid = os.getpid()
            self._worker = threading.Thread(
                target=self._work, name="webmention-verifier", daemon=True
            )
            self._worker.start()

    def _work(self) -> None:
        while True:
            if not self.verify_next():
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()

    def verify_next(self) -> bool:
        """Verify the next job due; False when none is."""
        job = self.store.claim()
        if job is None:
            return False
        try:
            self.verify(job)
        except (ValueError, LxmlError) as error:
            # A page no parser can read (ValueError: UnicodeError included): nothing to store.
            self.store.done(job)
            self.log(f"Webmention from {job.source} not verified: unreadable page ({error})")
            return True
        except FetchRefused as error:
            if error.lasting or not self.store.retry_later(job):
                self.store.done(job)
                self.log(f"Webmention from {job.source} not verified: {error}")
            else:
                self.log(f"Webmention from {job.source}: {error}; trying again later")
            return True
        self.store.done(job)
        return True

    def verify(self, job: Job) -> None:
        if is_blocked_host(urlsplit(job.source).hostname or "", self.store.blocked()):
            return
        target_page = fetch(job.target, self.rule, self.fetch_limits)
        thread = None
        if normalise_origin(target_page.url) in self.site_origins:
            thread = thread_of(target_page)
        if thread is None:
            self.log(f"Webmention to {job.target} refused: not a post with an open discussion")
            return
        page = fetch(job.source, self.rule, self.fetch_limits)
        try:
            mention = read_mention(page, job.source, job.target, thread, self.limits, self.cleaner)
        except NotVerified as reason:
            if self.store.remove(job.source, job.target):
                self.log(f"Webmention from {job.source} removed: {reason}")
            else:
                self.log(f"Webmention from {job.source} not stored: {reason}")
            return
        identifier, what = self.store.save(mention)
        if what == "same":
            return
        self.log(
            f"Webmention #{identifier} ({mention.kind}) from {job.source} on {job.target}: "
            f"held for moderation. Approve: invoke comments-webmentions --approve {identifier}"
        )
        if self.mail is not None:
            try:
                self.mail.send(identifier, mention)
            except (OSError, smtplib.SMTPException) as error:
                self.log(f"Webmention #{identifier}: the moderator's mail failed ({error})")


def _log(line: str) -> None:
    print(terminal_safe(line, newlines=False), file=sys.stderr, flush=True)


def _answer(
    start_response: Callable,
    status: str,
    text: str,
    headers: Iterable = (),
    media_type: str = "text/plain",
) -> list[bytes]:
    body = (text + ("\n" if not text.endswith("\n") else "")).encode("utf-8")
    return answer(start_response, status, body, media_type, headers)


def with_webmentions(app: Callable, config_file: str, environ: dict) -> WebmentionEndpoint:
    """`app` (Isso behind Commons' guard) with the Webmention endpoint in front, for the
    Isso configuration at `config_file`."""
    from isso import config

    from commons.comments.limits import limits_db
    from commons.comments.mail import turn_off_mail_without_smtp

    conf = config.load(config.default_file(), config_file)
    turn_off_mail_without_smtp(conf)
    database = conf.get("general", "dbpath")
    return WebmentionEndpoint(
        app,
        site_origins=isso_policy(conf).site_origins,
        store_file=store_path(database),
        limits=Limits.beside(config_file),
        rate_file=limits_db(database),
        rule=AddressRule.from_environ(environ),
        mail=ModeratorMail.of(conf),
    )
