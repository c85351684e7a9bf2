"""Moderating webmentions: what `invoke comments-webmentions` does (tasks.py parses).

Webmentions are moderated where comments are: on the comment server's
machine, in its data folder, beside Isso's database. The task lists the held
ones, approves or deletes one by its number, and blocks a domain (its
mentions are deleted, and the endpoint refuses it from then on). An approved
mention reaches the post's page at the next build or publisher round, as an
approved comment does: the thread's version changes (commons/comments/versions.py).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from commons.comments import options as opts
from commons.comments.commands import CommandError
from commons.settings import SettingsError
from commons.unicode_controls import terminal_safe

from .store import APPROVED, HELD, Store, Stored, store_path


def _line(item: Stored) -> str:
    mention = item.mention
    when = datetime.datetime.fromtimestamp(item.received, datetime.UTC).strftime("%Y-%m-%d %H:%M")
    text = (
        f"#{item.id} {item.status} {mention.kind} from {mention.source} on {mention.target} "
        f"by {mention.author!r} (received {when} UTC)"
    )
    return terminal_safe(text, newlines=False)


def moderate(
    settings: dict,
    *,
    approve: int = 0,
    delete: int = 0,
    block: str = "",
    unblock: str = "",
    show_all: bool = False,
    database: str = "",
) -> None:
    if not database:
        try:
            database = opts.check_options(settings.get(opts.NAME))["database"]
        except SettingsError as error:
            raise CommandError(str(error)) from None
    database_path = Path(database)
    path = store_path(database_path)
    if not database_path.parent.is_dir():
        raise CommandError(
            f"{database_path.parent} does not exist: there is no comment server data here. "
            "Fix: run this on the comment server's machine, or give --database."
        )
    store = Store(path)
    if approve:
        if not store.approve(approve):
            raise CommandError(
                f"There is no webmention #{approve}. Fix: list them without options."
            )
        print(
            f"Approved webmention #{approve}; it is shown from the next build or publisher round."
        )
    if delete:
        if not store.delete(delete):
            raise CommandError(f"There is no webmention #{delete}. Fix: list them without options.")
        print(f"Deleted webmention #{delete}.")
    if block:
        domain = block.strip().lower()
        if not domain or "/" in domain or any(c.isspace() for c in domain):
            raise CommandError(
                f"{block!r} is not a domain name. Fix: give one such as spam.example."
            )
        removed = store.block(domain)
        print(f"Blocked {domain} and its subdomains; deleted {removed} webmention(s) from them.")
    if unblock:
        if not store.unblock(unblock):
            raise CommandError(f"{unblock!r} is not blocked.")
        print(f"Unblocked {unblock.strip().lower()}.")
    if approve or delete or block or unblock:
        return
    shown = store.listing(None if show_all else HELD)
    for item in shown:
        print(_line(item))
    held = sum(1 for item in store.listing(HELD))
    approved = sum(1 for item in store.listing(APPROVED))
    blocked = sorted(store.blocked())
    print(
        f"{held} webmention(s) held, {approved} approved"
        + (f"; blocked: {', '.join(blocked)}" if blocked else "")
        + ". Approve one: invoke comments-webmentions --approve N."
    )
