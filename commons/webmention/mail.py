"""The moderator's mail for a held webmention: the same SMTP server, sender and
recipient as Isso's mail for a held comment (`[smtp]` of isso.cfg, through
Isso's own SMTP connection), sent when the configuration sends the moderator
mail (`[general] notify = smtp` and an SMTP host: commons/comments/mail.py).

Every value from the source is text in a text/plain message; the name and
the addresses go in the body, never in a header but the subject, where the
e-mail library encodes them.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formatdate

from commons.comments.mail import mail_wanted, smtp_host

from .store import Mention

# A subject is one line: no controls, nothing long.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ModeratorMail:
    """Sends one message per held mention through Isso's SMTP settings."""

    def __init__(self, smtp_section):
        self.smtp = smtp_section

    @classmethod
    def of(cls, conf) -> ModeratorMail | None:
        notify = {backend.lower() for backend in conf.getlist("general", "notify")}
        if "smtp" not in notify or not mail_wanted(conf) or not smtp_host(conf):
            return None
        return cls(conf.section("smtp"))

    def message(self, identifier: int, mention: Mention) -> EmailMessage:
        message = EmailMessage()
        author = _CONTROLS.sub(" ", mention.author)[:80]
        message["Subject"] = f"New {mention.kind} from {author}, held (webmention #{identifier})"
        message["From"] = self.smtp.get("from")
        message["To"] = self.smtp.get("to")
        message["Date"] = formatdate(localtime=True)
        message.set_content(
            f"{mention.author} ({mention.source})\n"
            f"{mention.kind} on {mention.target}\n\n"
            "It is held for moderation. On the comment server:\n"
            f"  invoke comments-webmentions --approve {identifier}\n"
            f"  invoke comments-webmentions --delete {identifier}\n"
        )
        return message

    def send(self, identifier: int, mention: Mention) -> None:
        """Raises OSError or smtplib.SMTPException when the SMTP server refuses."""
        from isso.ext.notifications import SMTPConnection

        message = self.message(identifier, mention)
        with SMTPConnection(self.smtp) as connection:
            connection.send_message(message, self.smtp.get("from"), self.smtp.get("to"))
