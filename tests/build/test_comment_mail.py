"""Readers are told when someone replies, and the moderator of each held comment.

The comment server is the production-shaped one (Isso under gunicorn, behind
Commons' app, from the configuration `invoke comments-config` writes, with
moderation on); the SMTP server is a real one (aiosmtpd) on 127.0.0.1 that
the test starts, reads and stops. Each reader posts from their own network,
as nginx's X-Forwarded-For passes it.
"""

from __future__ import annotations

import email
import json
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from email import policy

import pytest
from aiosmtpd.controller import Controller

from commons.comments import options as opts
from commons.comments.server import local_server
from commons.servers import free_port

SITE = "http://127.0.0.1:9"  # the site's origin; nothing needs to serve it here
THREAD = "/2026/12/a-post/"
MODERATOR = "moderators@commons.test"
SENDER = "Commons comments <comments@commons.test>"
ADA = "ada@readers.test"


class Mailbox:
    """aiosmtpd's handler: every message the server accepted, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.arrived:
            return [message for message in self.messages if address in message["To"]]

    def wait_for(self, address: str, count: int, timeout: float = 20):
        """The `count`th message to `address`, once it has arrived."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.to(address)) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no message {count} to {address}; got {self.summary()}"
                self.arrived.wait(left)
            return self.to(address)[count - 1]

    def summary(self) -> list[str]:
        return [f"{message['To']}: {message['Subject']}" for message in self.messages]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def smtp_env(controller) -> dict:
    """The comment server's SMTP variables for the test's server: as `comments.env` holds them."""
    return {
        opts.ENV_SMTP["host"]: controller.hostname,
        opts.ENV_SMTP["port"]: str(controller.port),
        opts.ENV_SMTP["security"]: "none",
        opts.ENV_SMTP["from"]: SENDER,
        opts.ENV_SMTP["to"]: MODERATOR,
    }


@pytest.fixture
def mail_server(publish_settings, tmp_path, smtp_server):
    """The production-shaped comment server, sending its mail to `smtp_server`."""
    controller, mailbox = smtp_server
    isso, _password = local_server(
        publish_settings,
        tmp_path / "comments",
        SITE,
        notify_email=True,
        reply_notifications=True,
    )
    isso.env.update(smtp_env(controller))
    log = tmp_path / "comments.log"
    with log.open("w") as log_file:
        isso.start(log_file)
        try:
            yield isso, mailbox, log
        finally:
            isso.stop()


def post(isso_url: str, network: str, **comment) -> int:
    """Post a comment from the site's page as a reader in `network`; return its id."""
    request = urllib.request.Request(
        f"{isso_url}new?uri={urllib.parse.quote(THREAD)}",
        data=json.dumps({"title": "A post", **comment}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": SITE,
            "X-Forwarded-For": network,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202, "moderation is on: a new comment is held"
        return json.load(answer)["id"]


def link(message, label: str) -> str:
    found = re.search(rf"^{label}: (\S+)$", message.get_content(), re.MULTILINE)
    assert found, f"no {label!r} link in:\n{message.get_content()}"
    return found.group(1)


def follow(url: str, origin: str, method: str) -> tuple[int, str]:
    """Open a link from a mail as the browser does: Isso's confirmation page
    (GET) posts back to the same address from Isso's own origin."""
    request = urllib.request.Request(url, method=method, headers={"Origin": origin})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def comment_row(database, comment_id: int):
    with closing(sqlite3.connect(database)) as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM comments WHERE id = ?", (comment_id,)).fetchone()


def moderate(isso, mailbox, count: int, comment_id: int, action: str) -> None:
    """Follow the `action` link of the moderator's `count`th mail, as the moderator does."""
    held = mailbox.wait_for(MODERATOR, count)
    url = link(held, {"activate": "Activate comment", "delete": "Delete comment"}[action])
    public = isso.url.rstrip("/")
    # The links point at the comment server's public address, for this comment.
    assert url.startswith(f"{public}/id/{comment_id}/{action}/"), url
    status, page = follow(url, public, "GET")
    assert status == 200 and "Are you sure?" in page
    assert comment_row(isso.config_dir / "comments.db", comment_id)["mode"] == 2
    status, answer = follow(url, public, "POST")
    assert status == 200, answer


def test_moderator_and_replies_are_mailed_and_unsubscribing_works(mail_server):
    isso, mailbox, log = mail_server
    database = isso.config_dir / "comments.db"
    # The comment form offers replies by mail (Isso's client reads /config).
    with urllib.request.urlopen(f"{isso.url}config", timeout=10) as answer:
        assert json.load(answer)["config"]["reply-notifications"] is True

    # Ada comments and asks to hear of replies: held, so the moderator is told.
    first = post(
        isso.url,
        "198.51.100.7",
        text="Ada's first thoughts",
        author="Ada",
        email=ADA,
        notification=1,
    )
    held = mailbox.wait_for(MODERATOR, 1)
    assert "Ada's first thoughts" in held.get_content()
    assert held["From"] == SENDER
    moderate(isso, mailbox, 1, first, "activate")
    assert comment_row(database, first)["mode"] == 1

    # Spam is held too, and its delete link deletes it.
    spam = post(isso.url, "192.0.2.44", text="Cheap watches", author="Spam")
    moderate(isso, mailbox, 2, spam, "delete")
    assert comment_row(database, spam) is None

    # Bob replies; once the moderator approves, Ada gets one mail with the reply.
    reply = post(
        isso.url, "203.0.113.9", text="Bob agrees", author="Bob", parent=first, email="b@b.test"
    )
    moderate(isso, mailbox, 3, reply, "activate")
    told = mailbox.wait_for(ADA, 1)
    assert "Bob agrees" in told.get_content()
    unsubscribe = link(told, "Unsubscribe from this conversation")
    assert unsubscribe.startswith(f"{isso.url}id/{first}/unsubscribe/"), unsubscribe
    assert told["List-Unsubscribe"] == unsubscribe
    time.sleep(2)  # a second mail would have been sent by now
    assert len(mailbox.to(ADA)) == 1, mailbox.summary()

    # Ada unsubscribes: the next reply, approved, reaches only the moderator.
    status, page = follow(unsubscribe, isso.url.rstrip("/"), "GET")
    assert status == 200 and "unsubscribed" in page
    assert comment_row(database, first)["notification"] == 0
    again = post(isso.url, "192.0.2.77", text="Cy too", author="Cy", parent=first)
    moderate(isso, mailbox, 4, again, "activate")
    time.sleep(2)
    assert len(mailbox.to(ADA)) == 1, mailbox.summary()
    assert "Traceback" not in log.read_text()


def test_without_smtp_the_server_says_once_that_mail_is_off(publish_settings, tmp_path):
    # The environment file as `invoke comments-config` writes it: no SMTP host.
    isso, _password = local_server(
        publish_settings,
        tmp_path / "comments",
        SITE,
        notify_email=True,
        reply_notifications=True,
    )
    assert isso.env[opts.ENV_SMTP["host"]] == ""
    log = tmp_path / "comments.log"
    with log.open("w") as log_file:
        isso.start(log_file)
        try:
            for reader in range(3):
                post(isso.url, f"10.0.{reader}.1", text=f"Comment {reader}", author=f"r{reader}")
            with urllib.request.urlopen(f"{isso.url}config", timeout=10) as answer:
                client_config = json.load(answer)["config"]
        finally:
            isso.stop()
    text = log.read_text()
    assert text.count("Mail is off") == 1, text
    assert opts.ENV_SMTP["host"] in text
    assert "Traceback" not in text and "unable to connect to SMTP" not in text, text
    # Each held comment is logged with its approve link instead.
    assert len(re.findall(r"Activate comment: http://127\.0\.0\.1:\d+/id/", text)) == 3, text
    # Readers are not offered replies by mail that would never come.
    assert client_config["reply-notifications"] is False
