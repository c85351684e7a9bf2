"""A Commons site's commands, as Invoke tasks: the `commons` command runs them
(commons/cli.py), and a site's tasks.py imports them, so `invoke --list` shows them.

Every path here is in the site's root (`commons.site_root`): this repository
in a checkout, else the site the `commons` command or the site's tasks.py names.
"""

from __future__ import annotations

import datetime
import os
import shlex
import signal
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke import Exit, task

from commons import CONTENT_DIR, DEFAULT_OUTPUT, DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.build import (
    BuildError,
    build_notes,
    build_site,
    clean_output,
)
from commons.comments import commands as comments
from commons.comments.publisher import snapshot_root
from commons.comments.snapshot import OFFLINE_ENV, refresh_override
from commons.files import Folder, WriteRefused, slug_name, unsafe_character
from commons.publish import (
    PublishError,
    check_site,
    publish_lock,
    publish_site,
    validate_options,
)
from commons.servers import (
    ISSO_DB_NAME,
    ISSO_PORT_VARIABLE,
    LOCAL_ISSO_DATA,
    SITE_PORT_VARIABLE,
    IssoServer,
    PortInUse,
    PreviewServer,
    StaticSiteServer,
)
from commons.unicode_controls import terminal_safe

ISSO_DATA = LOCAL_ISSO_DATA
PREVIEW_OUTPUT = REPO_ROOT / "output-preview"
# Where `publish` builds when set: a folder kept between runs (default: a new
# temporary folder each time).
PUBLISH_OUTPUT_ENV = "COMMONS_PUBLISH_OUTPUT"


def _settings(settings_file: Path) -> dict:
    """The settings file's settings, every Commons setting checked (commons/config.py):
    a problem stops the task, a deprecated key is said and goes on."""
    from commons.config import load
    from commons.settings import SettingsError

    try:
        loaded = load(settings_file)
    except SettingsError as error:
        raise Exit(terminal_safe(str(error)), code=1) from None
    for warning in loaded.warnings:
        print(terminal_safe(f"WARNING  {settings_file.name}: {warning}"), file=sys.stderr)
    return loaded.settings


def _build(output: Path = DEFAULT_OUTPUT, settings_file: Path = DEV_SETTINGS, **kwargs) -> None:
    started = time.perf_counter()
    try:
        result = build_site(output, settings_file=settings_file, **kwargs)
    except BuildError as error:
        raise Exit(str(error), code=1) from None
    for line in build_notes(result.log):
        print(line)
    print(f"Built {output} in {time.perf_counter() - started:.1f} s")


def search_index_override(settings: dict) -> dict:
    """Pelican setting overrides that make a build index the site with Pagefind."""
    return {"SEARCH": {**settings["SEARCH"], "index": True}}


@task(
    help={
        "refresh_comments": "fetch every thread's comments again (docs/comment-snapshots.md)",
        "search": "also build the search index (local builds skip it; docs/search.md)",
    }
)
def build(c, refresh_comments=False, search=False):
    """Build the site into output/ with the local settings (warnings are fatal)."""
    settings = _settings(DEV_SETTINGS)
    overrides = refresh_override(settings) if refresh_comments else {}
    if search:
        overrides.update(search_index_override(settings))
    _build(overrides=overrides or None, retention=settings["OUTPUT_RETENTION"])


@task
def check(c):
    """List every problem in the site at once, grouped by file, each with its fix."""
    from commons.check import check_site as check_content

    started = time.perf_counter()
    report = check_content()
    print(report.render())
    print(f"Checked {CONTENT_DIR} in {time.perf_counter() - started:.1f} s")
    if report.count:
        raise Exit(code=1)


@task(
    help={
        "dry_run": "Print the diff and change nothing.",
        "patch": "Where a real run saves its diff, inside the repository (undo: "
        "patch -R -p1 < PATCH).",
        "force": "Replace an existing PATCH file.",
        "old_settings": "The old Pelican blog's pelicanconf.py (read as data, never run; "
        "its publishconf.py beside it too): its addresses are redirected.",
        "redirects": "Write content/redirects/pelican.txt (Pelican's default addresses "
        "unless --old-settings is given).",
        "site_url": "The old blog's address (else its SITEURL): links to it become internal.",
        "titles_and_dates": "Also take missing titles from a leading heading and missing "
        "dates from a YYYY-MM-DD file name (shown in the diff).",
    }
)
def migrate_links(
    c,
    dry_run=False,
    patch="migrate-links.patch",
    force=False,
    old_settings="",
    redirects=False,
    site_url="",
    titles_and_dates=False,
):
    """Rewrite links that have one right answer ({static}, {filename}, old addresses);
    with --redirects or --old-settings, keep the old Pelican addresses working."""
    from commons.migrate_links import migrate
    from commons.pelican_addresses import OldSettingsError
    from commons.pelican_addresses import old_settings as read_old_settings

    started = time.perf_counter()
    old, notes = None, []
    if old_settings or redirects:
        try:
            old, notes = read_old_settings(Path(old_settings) if old_settings else None)
        except OldSettingsError as error:
            raise Exit(f"ERROR  {error}", code=1) from None
    try:
        migration = migrate(
            CONTENT_DIR,
            _settings(DEV_SETTINGS),
            dry_run=dry_run,
            patch=(Folder(REPO_ROOT, force=force), patch),
            old_settings=old,
            site_url=site_url,
            titles=titles_and_dates,
        )
    except WriteRefused as refused:
        raise Exit(f"ERROR  {refused}", code=1) from None
    for note in notes:
        print(terminal_safe(f"NOTE   {note}", newlines=False))
    for skipped in migration.skipped:
        print(f"SKIPPED {skipped}")
    if migration.patch:
        if dry_run:
            print(terminal_safe(migration.patch), end="")
        else:
            print(f"Saved the diff to {patch!r}; undo with: patch -R -p1 < {shlex.quote(patch)}")
    if migration.redirects is not None:
        for left_out in migration.redirects.left_out:
            print(terminal_safe(f"NO REDIRECT {left_out}", newlines=False))
    print(
        ("Would make: " if dry_run else "")
        + migration.summary()
        + f" ({time.perf_counter() - started:.1f} s)"
    )


@task
def clean(c):
    """Delete output/ and the content cache, keeping the files in OUTPUT_RETENTION."""
    try:
        kept = clean_output(DEFAULT_OUTPUT, _settings(DEV_SETTINGS)["OUTPUT_RETENTION"])
    except BuildError as error:
        raise Exit(str(error), code=1) from None
    print(f"Cleaned {DEFAULT_OUTPUT} (kept: {', '.join(kept) or 'nothing'}) and the cache")


@task(pre=[clean])
def rebuild(c):
    """Clean, then build from scratch."""
    _build()


def _local_servers(output: Path, local: dict):
    """The local Isso and the static site server, as LOCAL_SERVER places them."""
    origin = f"http://{local['host']}:{local['site_port']}"
    isso = IssoServer(
        ISSO_DATA,
        site_origins=[origin, f"http://localhost:{local['site_port']}"],
        host=local["host"],
        port=local["isso_port"],
    )
    isso.port_variable = ISSO_PORT_VARIABLE
    isso.log_path = ISSO_DATA / "isso.log"
    site = StaticSiteServer(output, host=local["host"], port=local["site_port"])
    site.port_variable = SITE_PORT_VARIABLE
    return isso, site


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_servers_on_terminate() -> None:
    # `kill`, a closed terminal or a CI timeout must stop the servers as Ctrl-C
    # does: each is a child in its own session that would otherwise live on.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)


def _check_ports(servers) -> None:
    """Stop, before anything starts or builds, when a server's port is taken."""
    busy = []
    for server in servers:
        try:
            server.check_port()
        except RuntimeError as error:  # PortInUse, or a port this machine cannot listen on
            busy.append(str(error))
    if busy:
        raise Exit("\n".join(busy), code=1)


def _run_until_interrupted(*steps) -> None:
    """Start each server of `steps` in order (a callable among them is run at
    its place), then wait for Ctrl-C; every server started is stopped.

    Every server's port is checked first: a port another program holds stops
    the task before any server starts or anything is built."""
    _check_ports(step for step in steps if not callable(step))
    _stop_servers_on_terminate()
    started = []
    try:
        for step in steps:
            if callable(step):
                step()
                continue
            try:
                started.append(step.start())
            except PortInUse as error:
                raise Exit(str(error), code=1) from None
            except (RuntimeError, TimeoutError) as error:
                reason = step.failure() if step.process.poll() is not None else str(error)
                raise Exit(f"The {step.name} server did not start: it {reason}", code=1) from None
            print(f"{step.name}: {step.url} (pid {step.pid})")
        print("Press Ctrl-C to stop.")
        while all(server.process.poll() is None for server in started):
            time.sleep(0.5)
        stopped = [
            f"The {server.name} server stopped unexpectedly: it {server.failure()}"
            for server in started
            if server.process.poll() is not None
        ]
        raise Exit("\n".join(stopped), code=1)
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        for server in reversed(started):
            server.stop()


@task
def serve(c):
    """Start a local Isso comment server, build, then serve output/, all on 127.0.0.1."""
    settings = _settings(DEV_SETTINGS)
    isso, site = _local_servers(DEFAULT_OUTPUT, settings["LOCAL_SERVER"])
    # Isso first: the build takes the comment snapshot of new posts from it.
    _run_until_interrupted(isso, partial(_build, retention=settings["OUTPUT_RETENTION"]), site)


@task
def livereload(c):
    """Serve with live reload: a save shows its page at once, then the rest of the site follows."""
    local = _settings(DEV_SETTINGS)["LOCAL_SERVER"]
    isso, _site = _local_servers(DEFAULT_OUTPUT, local)
    site = PreviewServer(
        DEV_SETTINGS, CONTENT_DIR, DEFAULT_OUTPUT, host=local["host"], port=local["site_port"]
    )
    site.port_variable = SITE_PORT_VARIABLE
    _run_until_interrupted(isso, site)


@task
def preview(c):
    """Build with the production settings; serve it and a production-shaped Isso on 127.0.0.1."""
    from commons.comments.config import CommentsConfigError
    from commons.comments.server import local_server

    local = _settings(DEV_SETTINGS)["LOCAL_SERVER"]
    settings = _settings(PUBLISH_SETTINGS)
    siteurl = f"http://{local['host']}:{local['site_port']}"
    try:
        isso, password = local_server(
            settings,
            Path(os.environ.get("COMMONS_PREVIEW_DATA") or ISSO_DATA / "preview"),
            siteurl,
            host=local["host"],
            port=local["isso_port"],
            password=os.environ.get("COMMONS_ISSO_ADMIN_PASSWORD"),
        )
    except (ValueError, CommentsConfigError) as error:
        raise Exit(str(error), code=1) from None
    isso.port_variable = ISSO_PORT_VARIABLE
    isso.log_path = isso.config_dir / "server.log"
    # Served with the _headers file production writes, so the preview shows
    # what the Content-Security-Policy allows before it is published.
    headers_file = settings_headers_file(settings)
    site = StaticSiteServer(
        PREVIEW_OUTPUT, host=local["host"], port=local["site_port"], headers_file=headers_file
    )
    site.port_variable = SITE_PORT_VARIABLE

    def build_preview() -> None:
        # After Isso is up: the build takes its comment snapshots from this
        # server, the one it was told about.
        _build(
            PREVIEW_OUTPUT,
            PUBLISH_SETTINGS,
            env={"COMMONS_SITEURL": siteurl, "COMMONS_ISSO_URL": isso.url},
            retention=settings["OUTPUT_RETENTION"],
        )
        print(
            f"Comments are moderated as in production: approve them at {isso.url}admin/ "
            f"(password: {password})."
        )

    _run_until_interrupted(isso, build_preview, site)


def settings_headers_file(settings: dict) -> str | None:
    """The headers file production writes, when SECURITY_HEADERS is on."""
    options = settings["SECURITY_HEADERS"]
    return options["headers_file"] if options["enabled"] else None


@task(
    help={
        "dry_run": "Show what would change on the target, change nothing.",
        "offline": "Ask the comment server nothing: no check, no comment snapshot refresh.",
        "refresh_comments": "Fetch every thread's comments again, not only those that changed.",
    }
)
def publish(c, dry_run=False, offline=False, refresh_comments=False):
    """Build with publishconf.py into a fresh folder, check it, then deploy it.

    The build brings the comment snapshot up to date from the production
    comment server: the threads it says changed (docs/comment-snapshots.md).
    """
    from commons.layout import plugin_module

    example_authority = plugin_module("feeds", "options").example_authority
    settings = _settings(PUBLISH_SETTINGS)
    overrides = refresh_override(settings) if refresh_comments else None
    env = {OFFLINE_ENV: "1"} if offline else None
    try:
        validate_options(settings["PUBLISH"])
        comments.check_discussion(
            settings, offline=offline, problems=filter(None, [example_authority(settings)])
        )
        # One publish at a time, the comment publisher's included (commons/publish.py).
        with (
            publish_lock(snapshot_root(settings)),
            tempfile.TemporaryDirectory(prefix="commons-publish-") as staging,
        ):
            # A kept folder (a CI job's cache) keeps the content cache and the
            # last site, so the build renders only what changed (docs/publishing.md).
            kept = os.environ.get(PUBLISH_OUTPUT_ENV, "")
            site = Path(kept).expanduser().resolve() if kept else Path(staging) / "site"
            _build(
                site,
                PUBLISH_SETTINGS,
                overrides=overrides,
                env=env,
                retention=settings["OUTPUT_RETENTION"],
            )
            check_site(site, settings)
            publish_site(
                site,
                settings["PUBLISH"],
                dry_run=dry_run,
                repo=REPO_ROOT,
                retain=settings["OUTPUT_RETENTION"],
            )
            if not dry_run and not offline:
                _send_webmentions(site, settings)
    except (PublishError, BuildError, comments.CommandError) as error:
        raise Exit(str(error), code=1) from None


def _send_webmentions(site: Path, settings: dict) -> None:
    """Notify the sites the new and changed posts link (docs/webmention.md, "Sending").
    The site is published already: nothing here fails the publish."""
    from commons.layout import plugin_module
    from commons.webmention.fetch import AddressRule
    from commons.webmention.send import SENT_FILE, send_webmentions

    discussion = plugin_module("discussion", "settings")
    if not discussion.validate_settings(settings.get(discussion.SETTING))["webmention"]["send"]:
        return
    try:
        rule = AddressRule.from_environ(os.environ)
        sent_file = snapshot_root(settings).parent / SENT_FILE
        report = send_webmentions(site, settings["SITEURL"], sent_file, rule)
    except (ValueError, OSError) as error:
        print(terminal_safe(f"Webmention: nothing sent: {error}", newlines=False))
        return
    for line in report.lines():
        print(terminal_safe(line, newlines=False))


def _comments(function, *args, **kwargs):
    try:
        return function(_settings(PUBLISH_SETTINGS), *args, **kwargs)
    except comments.CommandError as error:
        raise Exit(str(error), code=1) from None


@task(help={"dest": "Where to write the files (default ~/.config/commons/comments/)."})
def comments_config(c, dest=""):
    """Write the production comment server's files: isso.cfg, its env file, systemd, nginx."""
    _comments(comments.write_config, dest or comments.default_config_dir(), REPO_ROOT)


@task(
    help={
        "interval": "Seconds between two looks at the comment server (default 5).",
        "state": "Its folder: published versions, build output (default .cache/publisher).",
    }
)
def comments_publisher(c, interval=5.0, state=""):
    """Publish each approved comment to the site by itself (docs/comment-publisher.md)."""
    from commons.comments import publisher

    arguments = ["--interval", str(float(interval))]
    if state:
        arguments += ["--state", state]
    publisher.main(arguments)


@task(
    help={
        "database": "The comment database (default COMMENTS_SERVER['database']).",
        "dest": "The backup folder (default COMMENTS_SERVER['backup_dir']).",
        "keep": "How many backups to keep (default COMMENTS_SERVER['backup_keep']).",
    }
)
def comments_backup(c, database="", dest="", keep=0):
    """Copy the live comment database (SQLite online backup), check it, rotate old copies."""
    _comments(comments.backup_database, database, dest, int(keep))


@task(help={"backup_file": "The backup to restore.", "database": "The database to replace."})
def comments_restore(c, backup_file, database=""):
    """Check a backup (integrity, Isso's schema), then put it in place of the database."""
    _comments(comments.restore_database, backup_file, database)


@task(
    help={
        "old": "The thread's old id (Comments_id or slug).",
        "new": "Its new id.",
        "dry_run": "Say what would move, change nothing.",
        "merge": "NEW already has comments: add OLD's to them.",
        "database": "The comment database (default COMMENTS_SERVER['database']).",
        "content": "The content folder, for the redirect line (default: content/).",
    }
)
def comments_move(c, old, new, dry_run=False, merge=False, database="", content=""):
    """Move a thread's comments to a new id, so a renamed post keeps its discussion."""
    _comments(
        comments.move,
        old,
        new,
        dry_run=dry_run,
        merge=merge,
        database=database,
        content_dir=Path(content) if content else CONTENT_DIR,
    )


@task(
    help={
        "approve": "Approve the held webmention with this number.",
        "delete": "Delete the webmention with this number.",
        "block": "Block a domain (and its subdomains): delete its mentions, refuse new ones.",
        "unblock": "Accept mentions from a blocked domain again.",
        "show_all": "List the approved ones too.",
        "database": "The comment database (default COMMENTS_SERVER['database']).",
    }
)
def comments_webmentions(c, approve=0, delete=0, block="", unblock="", show_all=False, database=""):
    """List the held webmentions; approve, delete, or block a domain (docs/webmention.md)."""
    from commons.webmention import commands as webmentions

    _comments(
        webmentions.moderate,
        approve=int(approve),
        delete=int(delete),
        block=block,
        unblock=unblock,
        show_all=show_all,
        database=database,
    )


@task(help={"title": "The post's title, in quotes."})
def new_post(c, title):
    """Write content/<slug>.md with its metadata filled in (a draft) and print its path."""
    settings = _settings(DEV_SETTINGS)
    # One line: a line break in the title would start another metadata field.
    title = " ".join(title.split())
    slug = slug_name(title, settings)
    if not slug or unsafe_character(title) is not None:
        raise Exit(
            f"Cannot make a post from the title {title!r}: use some letters, and no control "
            "characters.",
            code=1,
        )
    folder = Folder(CONTENT_DIR)
    if folder.exists(f"{slug}.md"):
        raise Exit(
            f"{folder.path(f'{slug}.md')} already exists: choose another title or edit that file.",
            code=1,
        )
    now = datetime.datetime.now(ZoneInfo(settings["TIMEZONE"]))
    text = (
        f"Title: {title}\n"
        f"Date: {now:%Y-%m-%d %H:%M}\n"
        f"Slug: {slug}\n"
        "Status: draft\n"
        "Category: Community\n"
        "\n"
        "Write your post here. End with a question for readers to answer in the comments.\n"
    )
    try:
        path = folder.write_text(f"{slug}.md", text)
    except WriteRefused as refused:
        raise Exit(str(refused), code=1) from None
    print(path)


@task(
    help={
        "export": "The .xml file from WordPress's Tools > Export (All content).",
        "uploads": "wp-content/uploads copied from the old server: images become local files.",
        "force": "Replace files an earlier import (or anyone) wrote.",
        "isso_db": "The Isso database to add the comments to (default: the local one, .isso/).",
        "content": "The content folder to write into (default: content/).",
        "comments_only": "Write no file: only add the comments to the Isso database.",
    }
)
def import_wordpress(
    c, export, uploads="", force=False, isso_db="", content="", comments_only=False
):
    """Import a WordPress export: posts, pages, images, comments (into Isso) and redirects."""
    from commons.importers.wordpress import ExportError
    from commons.importers.wordpress import import_wordpress as run_import

    try:
        run_import(
            Path(export),
            content_dir=Path(content) if content else CONTENT_DIR,
            settings=_settings(DEV_SETTINGS),
            uploads=Path(uploads) if uploads else None,
            force=force,
            isso_db=Path(isso_db) if isso_db else ISSO_DATA / ISSO_DB_NAME,
            comments_only=comments_only,
        )
    except (ExportError, WriteRefused) as error:
        raise Exit(f"ERROR  {error}", code=1) from None


@task(
    help={
        "export": "The .xml file Disqus sent (Admin > Moderation > Export), uncompressed.",
        "isso_db": "The Isso database to add the comments to (default: the local one, .isso/).",
        "content": "The content folder whose posts the threads are matched with.",
    }
)
def import_disqus(c, export, isso_db="", content=""):
    """Import a Disqus export's comments into Isso, matching each thread's URL with a post."""
    from commons.importers.disqus import import_disqus as run_import
    from commons.importers.wxr import ExportError

    try:
        run_import(
            Path(export),
            content_dir=Path(content) if content else CONTENT_DIR,
            settings=_settings(DEV_SETTINGS),
            isso_db=Path(isso_db) if isso_db else ISSO_DATA / ISSO_DB_NAME,
        )
    except ExportError as error:
        raise Exit(f"ERROR  {error}", code=1) from None
