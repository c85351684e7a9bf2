"""What the comment-server tasks do (tasks.py only parses arguments and calls these).

Each prints what it did and ends with a one-line summary; each raises
CommandError, with the fix, for anything it refuses.
"""

from __future__ import annotations

import os
from pathlib import Path

from commons.errors import OperationError
from commons.settings import SettingsError

from . import options as opts
from .check import address_problems, server_problems
from .config import CommentsConfigError, write_server_files
from .database import DatabaseError, backup, move_thread, restore
from .running import listening, processes_using


class CommandError(OperationError):
    """A comment-server task cannot go ahead; the message says why and the fix."""


def default_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "commons" / "comments"


def write_config(settings: dict, dest: Path, repo: Path) -> list[Path]:
    dest = Path(dest).expanduser().resolve()
    if dest == repo or repo in dest.parents:
        raise CommandError(
            f"{dest} is inside the repository, and the files include the server's secrets "
            f"(comments.env). Fix: give --dest outside {repo}, or leave the default "
            f"({default_config_dir()})."
        )
    try:
        written = write_server_files(settings, dest)
    except CommentsConfigError as error:
        raise CommandError(str(error)) from None
    for path in written:
        print(path)
    print(
        f"Wrote {len(written)} file(s) to {dest}; see docs/comment-server.md for where each goes."
    )
    return written


def _server_options(settings: dict) -> dict:
    try:
        return opts.check_options(settings.get(opts.NAME))
    except SettingsError as error:
        raise CommandError(str(error)) from None


def backup_database(settings: dict, database: str = "", dest: str = "", keep: int = 0) -> Path:
    options = _server_options(settings)
    database = Path(database or options["database"])
    dest = Path(dest or options["backup_dir"])
    keep = keep or options["backup_keep"]
    try:
        made, removed = backup(database, dest, keep)
    except DatabaseError as error:
        raise CommandError(str(error)) from None
    for old in removed:
        print(f"removed {old} (keeping {keep})")
    print(f"Backed up {database} to {made} ({made.stat().st_size:,} bytes, checked).")
    return made


def restore_database(settings: dict, backup_file: str, database: str = "") -> None:
    options = _server_options(settings)
    database = Path(database or options["database"])
    # A comment posted while the file is replaced would be lost.
    signs = []
    pids = processes_using(database)
    if pids:
        signs.append(f"process {', '.join(map(str, pids))} runs Isso on it")
    if database == Path(options["database"]) and listening(options["bind"]):
        signs.append(
            f"the configured server answers at {options['bind']} (COMMENTS_SERVER['bind'])"
        )
    if signs:
        raise CommandError(
            f"Nothing was restored: the comment server is running on {database} "
            f"({'; '.join(signs)}). Fix: stop it (`systemctl stop commons-comments`), "
            "restore, then start it again (`systemctl start commons-comments`)."
        )
    try:
        kept = restore(Path(backup_file), database)
    except DatabaseError as error:
        raise CommandError(f"Nothing was restored: {error}") from None
    if kept:
        print(f"The database it replaced is kept as {kept}; remove it when the restore is good.")
    else:
        print(f"There was no database at {database}: nothing to keep.")
    print(
        f"Restored {backup_file} into {database} (checked before and after), with a new "
        "session key: moderators log in to Isso's admin again."
    )


def move(
    settings: dict,
    old: str,
    new: str,
    *,
    dry_run: bool,
    merge: bool,
    database: str = "",
    content_dir: Path | None = None,
) -> None:
    database = Path(database or _server_options(settings)["database"])
    try:
        result = move_thread(database, old, new, merge=merge, dry_run=dry_run)
    except DatabaseError as error:
        raise CommandError(str(error)) from None
    verb = "Would move" if dry_run else "Moved"
    into = f"into the {result.existing} comment(s) of" if result.merged else "to the new thread"
    print(f"{verb} {result.comments} comment(s) of {old!r} {into} {new!r}.")
    if content_dir is not None:
        print(redirect_advice(settings, Path(content_dir), old, new))


def redirect_advice(settings: dict, content_dir: Path, old: str, new: str) -> str:
    """What to add to content/redirects/ so the post's old address keeps working."""
    from commons.moved import REDIRECTS_DIR, moved_post

    post = moved_post(settings, content_dir, old, new)
    redirects = content_dir / REDIRECTS_DIR
    if post is None:
        return (
            f"No post in {content_dir} has the thread id {new!r} yet. Rename the post (its "
            "slug or Comments_id), then run this again with --dry-run for the redirect line "
            "its old address needs."
        )
    if post.redirect is None:
        return (
            f"The post is {post.source}; no redirect line is needed ({post.why}). If its "
            f"address changed too, add `/old/address/ {{filename}}/{post.source}` to a "
            f"file in {redirects}/."
        )
    return (
        f"The post {post.source} had another address. So that the old one redirects to it, "
        f'add this line to a .txt file in {redirects}/ (docs/migration.md, "Redirects"):\n'
        f"{post.redirect}"
    )


def check_discussion(settings: dict, offline: bool, problems=()) -> None:
    """Refuse to publish with an example address or, unless offline, an unreachable server.

    `problems`: what the other checks of the production settings found; they are
    reported with these, all at once, and the server is not asked while any stands.
    """
    problems = [*problems, *address_problems(settings)]
    if not problems and not offline:
        problems = server_problems(settings)
    if problems:
        raise CommandError("Nothing was published:\n  " + "\n  ".join(problems))
    print(
        "Discussion: "
        + (
            "addresses checked (--offline: the server was not asked)"
            if offline
            else "the comment server answers and allows the site"
        )
    )
