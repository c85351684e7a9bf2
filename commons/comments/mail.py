"""Whether the comment server sends e-mail, and Isso's settings when it cannot.

Isso sends two kinds of mail: each new comment to the moderator (`[general]
notify = smtp`, with its approve and delete links) and each reply to the
commenters who asked for it (`reply-notifications = true`, with an
unsubscribe link). Both go through `[smtp]`. With no SMTP host there, Isso
would still try `localhost:587` and log a traceback for every comment; so
mail is turned off in the loaded configuration instead (new comments are then
logged with their links), and the server says so once when it starts.
"""

from __future__ import annotations

from . import options as opts


def mail_wanted(conf) -> bool:
    """Whether the configuration asks Isso to send any e-mail."""
    notify = {backend.lower() for backend in conf.getlist("general", "notify")}
    return "smtp" in notify or conf.getboolean("general", "reply-notifications")


def smtp_host(conf) -> str:
    """`[smtp] host` with its $VARIABLE expanded; empty when it is not set."""
    host = (conf.get("smtp", "host") or "").strip()
    # Isso leaves an unset $VARIABLE as its own text.
    return "" if host.startswith("$") else host


def mail_off_reason(conf) -> str | None:
    """The sentence the server says at start when it sends no mail, or None when it does."""
    if not mail_wanted(conf):
        return (
            "Mail is off: this configuration sends none ([general] notify has no smtp and "
            "reply-notifications is false); new comments and their approve links are logged."
        )
    if smtp_host(conf):
        return None
    return (
        "Mail is off: no SMTP server is set ([smtp] host, "
        f"{opts.ENV_SMTP['host']} in the environment file), so the moderator gets no "
        "mail for new comments and readers get none for replies; new comments and their "
        "approve links are logged, and wait in the admin interface. Fix: set "
        f"{opts.ENV_SMTP['host']} and the other {opts.ENV_SMTP['host'][:-4]}* variables, "
        "then restart the comment server."
    )


def turn_off_mail_without_smtp(conf) -> None:
    """Make Isso send no mail (log new comments instead) when no SMTP server is set."""
    if mail_wanted(conf) and not smtp_host(conf):
        conf.set("general", "notify", "stdout")
        conf.set("general", "reply-notifications", "false")
