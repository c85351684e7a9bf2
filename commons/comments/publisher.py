"""The comment publisher: a published comment reaches the static site by itself.

    python -m commons.comments.publisher [--interval 5] [--state .cache/publisher]

A long-running service (systemd: `commons-publisher.service`, written by
`invoke comments-config`) beside the production comment server. Every
`--interval` seconds it asks the server, in one request, for every thread's
version (`GET /commons/thread-versions`, commons/comments/versions.py) and
compares them with the versions it last published (`published.json` in its
state folder). When a thread differs (a comment approved, posted where
moderation is off, edited or deleted, in the widget or in Isso's admin), it:

1. refreshes the snapshots of the changed threads only (the `changed` refresh
   of commons/comments/snapshot.py, into the cache `invoke publish` uses); a
   thread that cannot be fetched fails the round, so nothing is recorded as
   published that is not;
2. builds the site with publishconf.py into its own output folder
   (`<state>/site`), with Pelican's content cache warm (unchanged posts are
   not read again), writing only the pages that show the changed threads
   over a copy of its last build (THREAD_PAGES, plugins/thread_pages): the
   posts' pages, the listings and feeds that list them, the recent
   discussions. A whole build runs instead at the first round and whenever
   what the site is built from changed since the last whole build (the
   content folder, the settings, Commons' code or theme: `site_inputs`);
3. checks the site as `invoke publish` does, the links of the pages whose
   bytes changed only when that is enough (pages_to_check), and sends it with
   the command `invoke publish` runs (rsync `--checksum`: only the files whose
   bytes changed travel, retained and hidden files on the target are left
   alone);
4. records the versions it published, and what the site held.

The queue is the comment database itself: nothing is lost while the service
is down, and at start it publishes whatever changed meanwhile. A failure (the
server down, a failed build, rsync refusing) is logged with its reason and
retried with a growing wait (up to `--max-backoff` seconds); the service
never exits on one. It holds the publish lock (commons.publish.publish_lock)
from the refresh to the end of rsync, so it never interleaves with an
operator's `invoke publish`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from commons import CONTENT_DIR, PUBLISH_SETTINGS, REPO_ROOT
from commons.build import BuildError, build_site, cache_key, os_error_sentence
from commons.digests import files_digest, folder_files
from commons.errors import OperationError
from commons.files import replace_file
from commons.linkcheck import page_anchors
from commons.partial_build import THREAD_PAGES
from commons.publish import PublishError, check_site, publish_lock, publish_site, validate_options

from .snapshot import (
    FetchError,
    ThreadRef,
    fetch_isso_versions,
    fetch_threads,
    server_cache,
)

logger = logging.getLogger("commons.publisher")

DEFAULT_STATE = REPO_ROOT / ".cache" / "publisher"
PUBLISHED_FILE = "published.json"
CHECKED_FILE = "checked.json"
WHOLE_BUILD_FILE = "whole-build.json"
SITE_FOLDER = "site"
INTERVAL = 5.0
MAX_BACKOFF = 300.0
TIMEOUT = 10.0


class PublisherError(OperationError):
    """One round could not publish; the message says why and, where it can, the fix."""


@dataclass(frozen=True)
class Publisher:
    """What one service publishes: the settings it builds with and where it keeps its state."""

    settings_file: Path = PUBLISH_SETTINGS
    state: Path = DEFAULT_STATE
    content: Path = CONTENT_DIR

    def settings(self) -> dict:
        """The settings it builds with, checked (commons/config.py); PublisherError
        lists every bad one."""
        from commons.config import load
        from commons.settings import SettingsError

        try:
            # The content folder as the build's command line gives it to Pelican
            # (a relative snapshot cache is found from it).
            return load(self.settings_file, overrides={"PATH": str(self.content)}).settings
        except SettingsError as error:
            raise PublisherError(str(error)) from None

    @property
    def site(self) -> Path:
        return Path(self.state) / SITE_FOLDER

    @property
    def published_file(self) -> Path:
        return Path(self.state) / PUBLISHED_FILE

    @property
    def checked_file(self) -> Path:
        return Path(self.state) / CHECKED_FILE

    @property
    def whole_build_file(self) -> Path:
        return Path(self.state) / WHOLE_BUILD_FILE


@dataclass(frozen=True)
class SiteRecord:
    """What a published site held: each file's digest, and each page's anchors."""

    files: dict[str, str]
    anchors: dict[str, list[str]]


def site_digests(site: Path) -> dict[str, str]:
    """Every file of the site by its site-relative path, with a digest of its bytes."""
    digests = {}
    for folder, _, names in os.walk(site):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                digest = hashlib.file_digest(file, "sha256").hexdigest()
            digests[os.path.relpath(path, site).replace(os.sep, "/")] = digest
    return digests


def pages_to_check(site: Path, previous: SiteRecord | None) -> tuple[list[str] | None, SiteRecord]:
    """The pages whose links must be checked (None: every page), and the record of `site`.

    Only the pages whose bytes changed since the last published site, which
    passed the whole check: every link of an unchanged page pointed at a file
    that is still there, to an anchor that is still there, unless a file was
    removed or a changed page lost an anchor; then every page is checked.
    """
    files = site_digests(site)
    pages = sorted(path for path in files if path.endswith(".html"))
    if previous is None or previous.files.keys() - files.keys():
        anchors = {page: sorted(page_anchors(site / page)) for page in pages}
        return None, SiteRecord(files, anchors)
    changed = [page for page in pages if previous.files.get(page) != files[page]]
    anchors = {page: previous.anchors.get(page, []) for page in pages}
    lost = False
    for page in changed:
        now = page_anchors(site / page)
        lost = lost or bool(set(anchors[page]) - now)
        anchors[page] = sorted(now)
    return (None if lost else changed), SiteRecord(files, anchors)


def read_record(path: Path) -> SiteRecord | None:
    """The record of the last published site, or None (then the next check is whole)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    anchors = data.get("anchors") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not isinstance(anchors, dict):
        return None
    record = SiteRecord(files, anchors)
    if {page for page in record.files if page.endswith(".html")} != set(record.anchors):
        return None
    return record


def write_record(path: Path, record: SiteRecord) -> None:
    _write_json(path, {"files": record.files, "anchors": record.anchors})


def isso_options(settings: dict) -> dict:
    """DISCUSSION['isso'], or PublisherError when the site's comments are not Commons' Isso."""
    discussion = settings.get("DISCUSSION") or {}
    provider = discussion.get("provider", "isso")
    options = discussion.get("isso") or {}
    if provider != "isso" or not options.get("url"):
        raise PublisherError(
            f"DISCUSSION['provider'] is {provider!r}: the publisher follows Commons' own Isso "
            "only. Fix: set the provider to 'isso' with DISCUSSION['isso']['url'], or run "
            "`invoke publish` after each approval."
        )
    return options


def snapshot_root(settings: dict) -> Path:
    """The snapshot cache's root as a build with `settings` (as commons.config loads
    them) finds it: its publish lock is there."""
    from commons.discussion.settings import snapshot_dir

    return snapshot_dir(settings)


def snapshot_cache(settings: dict) -> Path:
    """The snapshot folder of the settings' comment server: the one `invoke publish` uses."""
    return server_cache(snapshot_root(settings), "isso", isso_options(settings))


def server_versions(options: dict) -> dict[str, str]:
    """Every thread's version on the server (FetchError when it does not answer)."""
    versions = fetch_isso_versions(options, TIMEOUT)
    if versions is None:
        raise PublisherError(
            f"{options['url']} answers 404 for its thread versions: it is an Isso without "
            "Commons' app in front. Fix: run it as `invoke comments-config` sets it up "
            "(gunicorn 'commons.comments.wsgi:create_app()'), with nginx passing every path on."
        )
    return versions


def site_inputs(publisher: Publisher) -> str:
    """A digest of what a build of the site reads besides its comments: the
    settings, Commons' plugins, machinery and theme (commons.build.cache_key),
    and every file of the content folder."""
    digest = hashlib.sha256(cache_key(publisher.settings_file, {}).encode("ascii"))
    root = Path(publisher.content)
    return files_digest(folder_files(root), root=root, digest=digest).hexdigest()


def read_whole_build(path: Path) -> str | None:
    """The inputs digest of the last whole build of the publisher's site, or None."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    inputs = data.get("inputs") if isinstance(data, dict) else None
    return inputs if isinstance(inputs, str) else None


def read_published(path: Path) -> dict[str, str]:
    """The versions last published ({} before the first publish, or when the file is unreadable:
    then everything is published again, which loses nothing)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    threads = data.get("threads") if isinstance(data, dict) else None
    if not isinstance(threads, dict):
        return {}
    return {str(thread): str(version) for thread, version in threads.items()}


def write_published(path: Path, versions: dict[str, str]) -> None:
    _write_json(path, {"threads": versions})


def _write_json(path: Path, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, json.dumps(data, sort_keys=True))


def changed_threads(current: dict[str, str], published: dict[str, str]) -> list[str]:
    """The threads whose version differs from the published one (a thread whose last
    published comment was deleted is no longer listed by the server: it changed too)."""
    return sorted(
        thread
        for thread in current.keys() | published.keys()
        if current.get(thread) != published.get(thread)
    )


def publish_round(publisher: Publisher) -> list[str]:
    """Publish what changed since the last round; return the threads that changed
    (empty: nothing to do). Raises FetchError, PublisherError, BuildError or PublishError."""
    settings = publisher.settings()
    options = isso_options(settings)
    validate_options(settings["PUBLISH"])
    published = read_published(publisher.published_file)
    first = not publisher.published_file.exists()
    versions = server_versions(options)
    changed = changed_threads(versions, published)
    if not changed and not first:
        return []
    cache = snapshot_cache(settings)
    clock = Clock()
    with publish_lock(snapshot_root(settings)):
        report = fetch_threads(
            cache,
            "isso",
            options,
            [ThreadRef(thread, "") for thread in changed],
            refresh="changed",
            timeout=TIMEOUT,
        )
        if report.down or report.failed:
            reason = report.down or report.failed[0]
            raise PublisherError(f"The snapshot of the changed threads failed: {reason}")
        clock.lap("fetch")
        inputs = site_inputs(publisher)
        whole = (
            first
            or not publisher.site.is_dir()
            or read_whole_build(publisher.whole_build_file) != inputs
        )
        # Its own output, built only by this service: its content cache holds
        # what its last production build read, so unchanged posts are not read.
        overrides: dict = {"LOAD_CONTENT_CACHE": True}
        if not whole:
            # Only the changed threads' pages, in this process: a few dozen
            # pages cost less than forking render children.
            overrides[THREAD_PAGES] = {"threads": changed}
            overrides["PARALLEL_RENDER"] = {"enabled": False}
        # The build refreshes the snapshot as `invoke publish`'s does: the threads
        # above are up to date, so it fetches only those of the site without one
        # (a post without a comment yet), and a failure there hides no comment.
        build_site(
            publisher.site,
            settings_file=publisher.settings_file,
            content=publisher.content,
            overrides=overrides,
            over_last=not whole,
        )
        if whole:
            _write_json(publisher.whole_build_file, {"inputs": inputs})
        clock.lap("whole build" if whole else "build of their pages")
        pages, record = pages_to_check(publisher.site, read_record(publisher.checked_file))
        check_site(publisher.site, settings, pages, record.anchors)
        clock.lap("check" if pages is None else f"check of {len(pages)} page(s)")
        publish_site(
            publisher.site,
            settings["PUBLISH"],
            dry_run=False,
            repo=REPO_ROOT,
            retain=settings.get("OUTPUT_RETENTION", []),
        )
        clock.lap("send")
    write_record(publisher.checked_file, record)
    write_published(publisher.published_file, versions)
    if first:
        what = f"the whole site ({len(changed)} thread(s) with comments: no earlier round)"
    else:
        shown = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
        what = f"{len(changed)} changed thread(s) ({shown})"
    logger.info("Published %s; %s.", what, clock.line())
    return changed


class Clock:
    """The seconds each step of a round took, for the one line it logs."""

    def __init__(self):
        self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.last))
        self.last = now

    def line(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps)


def serve(publisher: Publisher, interval: float = INTERVAL, max_backoff: float = MAX_BACKOFF):
    """Publish rounds every `interval` seconds until stopped; a failed round is logged
    and tried again after a wait that doubles each time, up to `max_backoff`."""
    logger.info(
        "Publishing approved comments of %s every %.0f s (state: %s).",
        publisher.settings_file,
        interval,
        publisher.state,
    )
    wait = interval
    while True:
        try:
            publish_round(publisher)
        except (FetchError, PublisherError, BuildError, PublishError) as error:
            wait = min(max(wait * 2, interval), max_backoff)
            logger.error("Not published: %s Trying again in %.0f s.", _sentence(error), wait)
        except OSError as error:
            wait = min(max(wait * 2, interval), max_backoff)
            sentence = os_error_sentence(error, publisher.site)
            logger.error("Not published: %s Trying again in %.0f s.", sentence, wait)
        else:
            wait = interval
        time.sleep(wait)


def _sentence(error: Exception) -> str:
    text = str(error).strip()
    return text if text.endswith((".", ")")) else text + "."


def _stop(signum, frame):
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", type=Path, default=PUBLISH_SETTINGS)
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE)
    parser.add_argument("--content", type=Path, default=CONTENT_DIR)
    parser.add_argument("--interval", type=float, default=INTERVAL)
    parser.add_argument("--max-backoff", type=float, default=MAX_BACKOFF)
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    signal.signal(signal.SIGTERM, _stop)
    publisher = Publisher(
        options.settings.resolve(), options.state.resolve(), options.content.resolve()
    )
    try:
        serve(publisher, options.interval, options.max_backoff)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
