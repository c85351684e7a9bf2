"""Snapshots of comment threads: fetched from the comment server into a cache folder.

The discussion plugin reads this cache on every build and renders each
thread's published comments into the page, so the conversation is readable
without JavaScript and outlives the comment service. The network is touched
only here: for the threads that changed on the server since they were last
fetched (`changed`: Isso tells which in one request, see
commons/comments/versions.py), the threads that have no snapshot yet
(`missing`), or all of them (`all`); a server that does not answer leaves the
cache as it was.

Cache layout: one folder per comment server, so that a build only ever shows
the comments of the server its settings name (the local preview's Isso and
the production one never mix), `<cache>/<provider>-<host>-<hash>/`
(server_cache); in it one JSON file per thread, `<readable-id>-<hash>.json`:

    {"format": 1, "thread": "<thread id>", "provider": "isso",
     "fetched": "2026-11-30T05:00:00Z", "version": "<the server's version>",
     "comments": [{"id": "1", "parent": null, "author": "Ana", "website": "...",
                   "created": "2026-11-29T10:00:00Z", "text": "<p>...</p>",
                   "deleted": false}, ...],
     "mentions": [{"id": 3, "kind": "reply", "author": "...", "author_url": "...",
                   "url": "...", "source": "...", "content": "<p>...</p>",
                   "published": 1764410000.0}, ...]}

`mentions` are the thread's approved webmentions (commons/webmention), from
Commons' own app in front of Isso; an Isso without it has none.

`text` is the server's HTML, kept as the server sent it: it is cleaned when it
is rendered, so a cache edited by hand (or a compromised server) is no more
trusted than the server itself.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from commons import deep_json
from commons.errors import OperationError
from commons.files import replace_file

from .guard import normalise_origin
from .versions import EMPTY_VERSION
from .versions import FORMAT as VERSIONS_FORMAT
from .versions import PATH as VERSIONS_PATH

FORMAT = 1
_UNREADABLE = re.compile(r"[^A-Za-z0-9._-]+")
# The prefix of the one line a build prints about the snapshot
# (commons.build.notes() picks these lines out of Pelican's output).
NOTE_PREFIX = "Comments snapshot: "
# Providers whose public API returns a thread's published comments.
FETCHERS: dict[str, Callable] = {}
# Providers whose server says, in one request, each thread's version.
VERSION_FETCHERS: dict[str, Callable] = {}
USER_AGENT = "Commons comment snapshot"
# Set (to anything but 0): builds read the cache and fetch nothing (the tests
# set it, so that no build contacts the production comment server; so does
# `invoke publish --offline`).
OFFLINE_ENV = "COMMONS_COMMENTS_OFFLINE"
MAX_RESPONSE = 64 * 1024 * 1024


class FetchError(OperationError):
    """One thread could not be fetched; `down` when the server did not answer at all,
    `status` the HTTP status it answered with instead."""

    def __init__(self, message: str, down: bool = False, status: int | None = None):
        super().__init__(message)
        self.down = down
        self.status = status


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(float(timestamp), datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def thread_file_name(thread_id: str) -> str:
    """The cache file name of one thread: a readable part of its id plus a hash of all of it."""
    readable = _UNREADABLE.sub("-", thread_id).strip("-.")[:60] or "thread"
    digest = hashlib.sha256(thread_id.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}.json"


def thread_file(cache_dir: Path, thread_id: str) -> Path:
    """The cache file of one thread."""
    return Path(cache_dir) / thread_file_name(thread_id)


def read_thread(cache_dir: Path, thread_id: str) -> dict | None:
    """The cached snapshot of a thread, or None when there is none (or it is unreadable)."""
    # os.path, not pathlib: a build reads every thread, 1,000 files and more.
    path = os.path.join(cache_dir, thread_file_name(thread_id))
    try:
        with open(path, encoding="utf-8") as file:
            data = deep_json.loads(file.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("thread") != thread_id:
        return None
    if not isinstance(data.get("comments"), list):
        return None
    return data


def server_address(provider: str, options: dict) -> str:
    """What names a comment server: its address (Isso) or its address and site (Remark42)."""
    if provider == "remark42":
        return f"{_normal_url(options.get('host') or '')}?site={options.get('site_id') or ''}"
    return _normal_url(options.get("url") or "")


def _normal_url(value: str) -> str:
    """An address in one spelling: its origin as the cross-site guard writes it
    (lower case, no default port) and its path with one trailing slash
    ('HTTP://Comments.example.org:443/' and 'https://comments.example.org' are one server)."""
    origin = normalise_origin(value) or value.strip()
    return f"{origin}{urlsplit(value.strip()).path.rstrip('/')}/"


def server_cache(cache_root: Path, provider: str, options: dict) -> Path:
    """The cache folder of one comment server: a readable part of its address and a hash."""
    address = server_address(provider, options)
    readable = _UNREADABLE.sub("-", urlsplit(address).netloc).strip("-.")[:60] or "server"
    digest = hashlib.sha256(f"{provider} {address}".encode()).hexdigest()[:12]
    return Path(cache_root) / f"{provider}-{readable}-{digest}"


def write_thread(
    cache_dir: Path,
    thread_id: str,
    provider: str,
    comments: list[dict],
    feed: str | None = None,
    version: str | None = None,
    mentions: list[dict] | None = None,
) -> Path:
    """Store a thread's snapshot atomically (a reader never sees half a file).

    `version` is the server's version of the thread when it was fetched
    (commons/comments/versions.py), None when the server gives none.
    """
    path = thread_file(cache_dir, thread_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "thread": thread_id,
        "provider": provider,
        "fetched": utc_now(),
        "comments": comments,
        "feed": feed,
        "version": version,
        "mentions": mentions or [],
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return replace_file(path, text)


def _get_json(url: str, timeout: float):
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url} answered HTTP {error.code}", status=error.code) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(str(reason), down=True) from None
    if len(body) > MAX_RESPONSE:
        raise FetchError(f"{url} answered more than {MAX_RESPONSE} bytes")
    try:
        return deep_json.loads(body)
    except ValueError:
        raise FetchError(f"{url} did not answer JSON") from None


# Isso: GET /?uri=<thread id> returns the published (mode 1) comments and, so
# that a thread keeps its shape, deleted ones that have replies (mode 4, text
# emptied); comments waiting for moderation (mode 2) are never in it. Replies
# are nested one level deep, as Isso stores them.
# The thread's own Atom feed (`/feed?uri=`) exists when the server sets [rss] base.
def fetch_isso(options: dict, thread: ThreadRef, timeout: float) -> Fetched:
    base = options["url"].rstrip("/")
    url = base + "/?" + urlencode({"uri": thread.thread_id})
    data = _get_json(url, timeout)
    if not isinstance(data, dict) or not isinstance(data.get("replies"), list):
        raise FetchError(f"{url} did not answer an Isso thread")
    comments: list[dict] = []
    for item in data["replies"]:
        _isso_comment(item, None, comments)
        for reply in item.get("replies") or []:
            _isso_comment(reply, item.get("id"), comments)
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    feed = base + "/feed?" + urlencode({"uri": thread.thread_id}) if config.get("feed") else None
    return Fetched(comments, feed, fetch_isso_mentions(options, thread, timeout), requests=2)


def fetch_isso_mentions(options: dict, thread: ThreadRef, timeout: float) -> list[dict]:
    """The thread's approved webmentions (commons/webmention/endpoint.py); none from
    an Isso without Commons' app in front (it answers 404)."""
    from commons.webmention.endpoint import APPROVED_PATH

    url = options["url"].rstrip("/") + APPROVED_PATH + "?" + urlencode({"uri": thread.thread_id})
    try:
        data = _get_json(url, timeout)
    except FetchError as error:
        if error.status == 404:
            return []
        raise
    mentions = data.get("mentions") if isinstance(data, dict) else None
    if not isinstance(mentions, list):
        raise FetchError(f"{url} did not answer the thread's webmentions")
    return [mention for mention in mentions if isinstance(mention, dict)]


def fetch_isso_versions(options: dict, timeout: float) -> dict[str, str] | None:
    """Every thread's version on an Isso run by Commons (commons/comments/versions.py);
    None from an Isso without Commons' app in front (it answers 404)."""
    url = options["url"].rstrip("/") + VERSIONS_PATH
    try:
        data = _get_json(url, timeout)
    except FetchError as error:
        if error.status == 404:
            return None
        raise
    threads = data.get("threads") if isinstance(data, dict) else None
    if data.get("format") != VERSIONS_FORMAT or not isinstance(threads, dict):
        raise FetchError(f"{url} did not answer thread versions")
    return {str(thread): str(version) for thread, version in threads.items()}


def _isso_comment(item: dict, parent, comments: list[dict]) -> None:
    if not isinstance(item, dict):
        return
    mode = item.get("mode")
    if mode not in (1, 4):
        return  # 2: waiting for moderation; anything else is not published
    deleted = mode == 4
    comments.append(
        {
            "id": str(item.get("id")),
            "parent": None if parent is None else str(item.get("parent") or parent),
            # Isso stores author and website HTML-escaped; keep them as typed
            # (they are escaped again, once, where they are rendered).
            "author": None if deleted else _unescaped(item.get("author")),
            "website": None if deleted else _unescaped(item.get("website")),
            "created": _utc(item.get("created") or 0),
            "text": "" if deleted else str(item.get("text") or ""),
            "deleted": deleted,
        }
    )


# Remark42: GET /api/v1/find?site=&url=&format=tree returns the thread as a
# tree; deleted comments carry `delete: true` (kept, emptied, when they have
# replies). Remark42 keys threads by the post's absolute URL.
def fetch_remark42(options: dict, thread: ThreadRef, timeout: float) -> Fetched:
    if not thread.url.startswith(("http://", "https://")):
        raise FetchError(
            f"Remark42 keys threads by absolute URL and {thread.url!r} is not one (set SITEURL)"
        )
    query = urlencode({"site": options["site_id"], "url": thread.url, "format": "tree"})
    url = options["host"].rstrip("/") + "/api/v1/find?" + query
    data = _get_json(url, timeout)
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list):
        raise FetchError(f"{url} did not answer a Remark42 thread")
    comments: list[dict] = []
    _remark42_nodes(data["comments"], None, comments)
    return Fetched(comments)


def _remark42_nodes(nodes: list, parent: str | None, comments: list[dict]) -> None:
    """Append the tree's comments to `comments`, each before its replies, in
    the server's order. A stack, not recursion: a reply chain may be any depth."""
    pending = [(node, parent) for node in reversed(nodes)]
    while pending:
        node, parent = pending.pop()
        if not isinstance(node, dict) or not isinstance(node.get("comment"), dict):
            continue
        item = node["comment"]
        deleted = bool(item.get("delete"))
        replies = node.get("replies") or []
        if deleted and not replies:
            continue
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        identifier = str(item.get("id"))
        comments.append(
            {
                "id": identifier,
                "parent": parent,
                "author": None if deleted else _text_or_none(user.get("name")),
                "website": None,
                "created": _remark42_time(item.get("time")),
                "text": "" if deleted else str(item.get("text") or ""),
                "deleted": deleted,
            }
        )
        if isinstance(replies, list):
            pending.extend((reply, identifier) for reply in reversed(replies))


def _remark42_time(value) -> str:
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return "1970-01-01T00:00:00Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unescaped(value) -> str | None:
    text = _text_or_none(value)
    return html.unescape(text) if text else None


def _text_or_none(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


FETCHERS.update({"isso": fetch_isso, "remark42": fetch_remark42})
VERSION_FETCHERS.update({"isso": fetch_isso_versions})


def can_snapshot(provider: str) -> bool:
    return provider in FETCHERS


@dataclass(frozen=True)
class Fetched:
    comments: list[dict]
    feed: str | None = None
    mentions: list[dict] = field(default_factory=list)
    # HTTP requests it took (Isso: the thread, then its webmentions).
    requests: int = 1


@dataclass(frozen=True)
class ThreadRef:
    """What a fetcher needs to find one thread on the server."""

    thread_id: str
    url: str


@dataclass
class Report:
    """What one snapshot run did, for the one line the build prints."""

    wanted: int = 0
    fetched: int = 0
    failed: list[str] = field(default_factory=list)
    down: str | None = None
    seconds: float = 0.0
    # HTTP requests made to the comment server (the versions, then the threads).
    requests: int = 0
    # `changed`: the threads the build has (None: the server gives no versions).
    compared: int | None = None

    def line(self, server: str) -> str | None:
        if self.down:
            text = (
                f"{NOTE_PREFIX}{server} did not answer ({self.down}); the cache was left as it is"
            )
            if self.wanted:
                text += f" ({self.wanted - self.fetched} of {self.wanted} thread(s) not fetched)"
            return text + "."
        if self.compared is not None:
            text = f"{NOTE_PREFIX}{self.wanted} of {self.compared} thread(s) changed on {server}"
            if self.wanted:
                text += f"; fetched {self.fetched} in {self.seconds:.1f} s"
        elif not self.wanted:
            return None
        else:
            text = f"{NOTE_PREFIX}fetched {self.fetched} of {self.wanted} thread(s) from {server}"
            text += f" in {self.seconds:.1f} s"
        if self.failed:
            text += f"; {len(self.failed)} failed (first: {self.failed[0]}), their cache kept"
        return text + "."


REFRESH_MODES = ("changed", "missing", "all")


def fetch_threads(
    cache_dir: Path,
    provider: str,
    options: dict,
    threads: Iterable[ThreadRef],
    *,
    refresh: str = "missing",
    concurrency: int = 4,
    timeout: float = 10.0,
) -> Report:
    """Fetch threads into the cache: those whose version on the server differs from
    the cached one or that have none (`changed`), those without a snapshot
    (`missing`), or every one (`all`).

    `changed` asks the server for every thread's version in one request; a
    server that gives none is treated as `missing`. At most `concurrency`
    requests run at once, each with `timeout` seconds. When the server does
    not answer at all, the remaining threads are not tried: the cache stays as
    it was and the report says so.
    """
    if refresh not in REFRESH_MODES:
        raise ValueError(f"refresh is {refresh!r}; accepted: {', '.join(REFRESH_MODES)}")
    fetcher = FETCHERS[provider]
    cache_dir = Path(cache_dir)
    threads = list(threads)
    report = Report()
    started = time.perf_counter()
    versions = None
    if refresh in ("changed", "all") and provider in VERSION_FETCHERS:
        report.requests += 1
        try:
            versions = VERSION_FETCHERS[provider](options, timeout)
        except FetchError as error:
            # Nothing is fetched: which threads changed is not known.
            report.down = str(error)
            return report
    if refresh == "all":
        wanted = threads
    elif refresh == "changed" and versions is not None:
        report.compared = len(threads)
        wanted = [
            thread
            for thread in threads
            if _cached_version(cache_dir, thread.thread_id)
            != versions.get(thread.thread_id, EMPTY_VERSION)
        ]
    else:
        cached = _file_names(cache_dir)
        wanted = [thread for thread in threads if thread_file_name(thread.thread_id) not in cached]
    report.wanted = len(wanted)
    if not wanted:
        report.seconds = time.perf_counter() - started
        return report
    stop = threading.Event()
    lock = threading.Lock()

    def one(thread: ThreadRef) -> None:
        if stop.is_set():
            return
        with lock:
            report.requests += 1
        try:
            fetched = fetcher(options, thread, timeout)
        except FetchError as error:
            with lock:
                if error.down:
                    stop.set()
                    report.down = report.down or str(error)
                else:
                    report.failed.append(f"{thread.thread_id}: {error}")
            return
        # The version read before the thread: a comment that came in between
        # makes the next run fetch the thread again, never miss it.
        version = None if versions is None else versions.get(thread.thread_id, EMPTY_VERSION)
        write_thread(
            cache_dir,
            thread.thread_id,
            provider,
            fetched.comments,
            fetched.feed,
            version,
            fetched.mentions,
        )
        with lock:
            report.fetched += 1
            report.requests += fetched.requests - 1

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(one, wanted))
    report.failed.sort()
    report.seconds = time.perf_counter() - started
    return report


def _cached_version(cache_dir: Path, thread_id: str) -> str | None:
    """The server's version of the cached snapshot (None: no snapshot, or no version)."""
    data = read_thread(cache_dir, thread_id)
    version = data.get("version") if data else None
    return version if isinstance(version, str) else None


def _file_names(folder: Path) -> set[str]:
    """The names of the regular files in `folder` (none when it does not exist yet)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def server_name(provider: str, options: dict) -> str:
    address = options.get("url") or options.get("host") or ""
    return f"{provider} at {address}" if address else provider


def refresh_override(settings: dict) -> dict:
    """Pelican setting overrides that make a build fetch every thread again
    (`settings`: the site's, as commons.config loads them)."""
    discussion = settings["DISCUSSION"]
    return {"DISCUSSION": {**discussion, "snapshot": {**discussion["snapshot"], "refresh": "all"}}}
