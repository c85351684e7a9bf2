"""`invoke import-disqus`: a Disqus export's comments -> Isso, in the threads of Commons' posts.

Disqus names a thread by the page's URL. Each thread's URL is matched, by its
path, with a post: the post's own URL in Commons (the same pattern as before),
or an old address that a redirect file (content/redirects/*.txt, as the
WordPress importer writes) sends to the post's file. Comments go into Isso
under the thread id Commons gives that post (the discussion plugin's rule).
Threads that match no post are listed and left out. A comment whose date is
not one is listed and left out; the file is read by `xml_export.parse_export`,
which repairs what it can and says so.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

from commons.files import Folder

from .body import ISSO, Site, convert_fragment
from .isso_db import MODE_APPROVED, NewComment, add_thread, anonymized, open_database
from .wordpress import site_thread_id
from .wxr import ExportError
from .xml_export import ExportSyntaxError, parse_export

DISQUS = "http://disqus.com"
INTERNALS = "http://disqus.com/disqus-internals"
DSQ_ID = f"{{{INTERNALS}}}id"


@dataclass(frozen=True)
class Post:
    """A content file as the discussion plugin sees it."""

    source: str  # relative to content/
    slug: str
    comments_id: str | None
    title: str
    is_page: bool
    url: str  # its Commons URL path, "/…/"
    # What DISCUSSION['thread_id'] may use besides the slug.
    date: datetime | None = None
    category: str = ""
    author: str = ""


@dataclass
class DisqusReport:
    comments: int = 0
    comments_already: int = 0
    threads: int = 0
    seconds: float = 0.0
    left_out: Counter = field(default_factory=Counter)
    unmatched: dict[str, int] = field(default_factory=dict)
    # One sentence per comment left out for a date that is not one.
    bad_dates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Imported {self.comments} comments ({self.comments_already} were already there) "
            f"into {self.threads} threads in {self.seconds:.1f} s."
        ]
        if self.left_out:
            items = ", ".join(f"{n} {kind}" for kind, n in sorted(self.left_out.items()))
            out.append(f"Comments left out: {items}.")
        out += [
            f"NO POST FOR {url}: {n} comments left out. Fix: add a line `{urlsplit(url).path} "
            "{filename}/<the post>.md` to a file in content/redirects/ and run again."
            for url, n in sorted(self.unmatched.items())
        ]
        out += [f"BAD DATE {line}" for line in self.bad_dates]
        out += [f"WARNING {warning}" for warning in self.warnings]
        return out


def _front_matter(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


def _normal(path: str) -> str:
    path = re.sub(r"/{2,}", "/", unquote(path) or "/")
    path = re.sub(r"/index\.html?$", "/", path)
    return path if path.endswith("/") or "." in path.rsplit("/", 1)[-1] else path + "/"


def content_posts(content_dir: Path, settings: dict) -> list[Post]:
    """Every Markdown post and page under `content_dir`, with its URL where it can be computed."""
    from pelican.utils import slugify

    pages_dirs = [content_dir / p for p in settings.get("PAGE_PATHS", ["pages"])]
    posts = []
    # Through a Folder: a symbolic link in content/ is not followed out of it.
    content = Folder(content_dir)
    for relative in content.files((".md",))[0]:
        path = content.path(relative)
        fields = _front_matter(content.read_text(relative))
        if "title" not in fields:
            continue
        is_page = any(folder in path.parents for folder in pages_dirs)
        slug = fields.get("slug") or slugify(
            fields["title"], regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"]
        )
        url = ""
        try:
            date = datetime.strptime(fields.get("date", "")[:16].strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            try:
                date = datetime.strptime(fields.get("date", "")[:10], "%Y-%m-%d")
            except ValueError:
                date = None
        pattern = settings["PAGE_URL" if is_page else "ARTICLE_URL"]
        try:
            url = "/" + pattern.format(slug=slug, date=date, lang=settings.get("DEFAULT_LANG"))
        except (KeyError, AttributeError, TypeError, ValueError):
            url = ""
        posts.append(
            Post(
                source=path.relative_to(content_dir).as_posix(),
                slug=slug,
                comments_id=fields.get("comments_id"),
                title=fields["title"],
                is_page=is_page,
                url=_normal(url) if url else "",
                date=date.replace(tzinfo=ZoneInfo(settings["TIMEZONE"])) if date else None,
                category=fields.get("category", "").split(",")[0].strip(),
                author=fields.get("author", fields.get("authors", "")).split(",")[0].strip(),
            )
        )
    return posts


def url_map(content_dir: Path, settings: dict, posts: list[Post]) -> dict[str, Post]:
    """Old or current URL path -> the post it belongs to."""
    by_source = {post.source: post for post in posts}
    mapping = {post.url: post for post in posts if post.url}
    content = Folder(content_dir)
    folder = PurePosixPath((settings.get("REDIRECTS") or {}).get("folder", "redirects"))
    lists = [name for name in content.files((".txt",))[0] if PurePosixPath(name).parent == folder]
    for name in lists:
        for line in content.read_text(name).splitlines():
            old, _, target = line.strip().partition(" ")
            target = target.strip()
            if old.startswith("/") and "?" not in old and target.startswith("{filename}"):
                post = by_source.get(target.removeprefix("{filename}").lstrip("/"))
                if post is not None:
                    mapping.setdefault(_normal(old), post)
    return mapping


def read_disqus(path: Path, report: DisqusReport | None = None):
    """The export's root element; what was repaired to read it goes to `report`."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(
            f"{path}: no such file. Fix: give the .xml file Disqus sent (Admin > "
            "Moderation > Export), uncompressed."
        )
    try:
        parsed = parse_export(path)
    except ExportSyntaxError as error:
        raise ExportError(
            f"{path}: line {error.line}: is not well-formed XML ({error.message}). Fix: export "
            "again from Disqus and uncompress the .gz file it sends."
        ) from None
    root = parsed.root
    if root.tag != f"{{{DISQUS}}}disqus":
        raise ExportError(
            f"{path}: is not a Disqus export: its root is <{etree.QName(root).localname}>. "
            "Fix: give the .xml file Disqus sent."
        )
    if report is not None:
        report.warnings += [f"{path}: {repair}" for repair in parsed.repairs]
    return root


def created_at(text: str) -> datetime | None:
    """Disqus's `createdAt` (ISO 8601, `Z` for UTC), or None when it is not a date."""
    try:
        created = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # A date without a zone is Disqus's UTC.
    return created if created.tzinfo else created.replace(tzinfo=UTC)


def import_disqus(
    export_path: Path, *, content_dir: Path, settings: dict, isso_db: Path, say=print
) -> DisqusReport:
    started = time.monotonic()
    report = DisqusReport()
    root = read_disqus(export_path, report)
    d = f"{{{DISQUS}}}"
    threads = {
        element.get(DSQ_ID): (element.findtext(f"{d}link") or "").strip()
        for element in root.findall(f"{d}thread")
    }
    posts = url_map(Path(content_dir), settings, content_posts(Path(content_dir), settings))
    site = Site(old_hosts=set(), content_dir=Path(content_dir), uploads=None)
    grouped: dict[str, tuple[Post, list[NewComment]]] = {}
    for element in root.findall(f"{d}post"):
        if element.findtext(f"{d}isDeleted") == "true":
            report.left_out["deleted"] += 1
            continue
        if element.findtext(f"{d}isSpam") == "true":
            report.left_out["spam"] += 1
            continue
        thread = element.find(f"{d}thread")
        link = threads.get(thread.get(DSQ_ID) if thread is not None else None)
        if not link:
            report.left_out["without a thread"] += 1
            continue
        post = posts.get(_normal(urlsplit(link).path))
        if post is None:
            report.unmatched[link] = report.unmatched.get(link, 0) + 1
            continue
        parent = element.find(f"{d}parent")
        written = element.findtext(f"{d}createdAt") or ""
        created = created_at(written)
        if created is None:
            report.left_out["with a bad date"] += 1
            when = element.find(f"{d}createdAt")
            line = when.sourceline if when is not None else element.sourceline
            report.bad_dates.append(
                f"{export_path}: line {line}: comment {element.get(DSQ_ID)!r} by "
                f"{(element.findtext(f'{d}author/{d}name') or '').strip()!r} in thread "
                f"{link!r}: createdAt {written.strip()!r} is not a date (Disqus writes "
                "2013-10-10T10:10:10Z); left out. Fix: correct it in the export file and "
                "import again."
            )
            continue
        comment = NewComment(
            key=element.get(DSQ_ID),
            parent=parent.get(DSQ_ID) if parent is not None else None,
            created=created.timestamp(),
            mode=MODE_APPROVED,
            author=(element.findtext(f"{d}author/{d}name") or "").strip(),
            email=(element.findtext(f"{d}author/{d}email") or "").strip(),
            website="",
            remote_addr=anonymized(element.findtext(f"{d}ipAddress") or ""),
            text=convert_fragment(
                element.findtext(f"{d}message") or "", site, dialect=ISSO
            ).strip(),
        )
        if not comment.text:
            report.left_out["empty"] += 1
            continue
        key = site_thread_id(
            settings,
            explicit=post.comments_id,
            slug=post.slug,
            is_page=post.is_page,
            source=post.source,
            date=post.date,
            category=post.category,
            author=post.author,
        )
        grouped.setdefault(key, (post, []))[1].append(comment)
    db = open_database(isso_db) if grouped else None
    for number, (key, (post, comments)) in enumerate(sorted(grouped.items()), 1):
        added, existing, _pending = add_thread(
            db, key, post.title, comments, left_out=report.left_out
        )
        report.comments += added
        report.comments_already += existing
        report.threads += 1
        say(f"[{number}/{len(grouped)}] {post.source} (thread {key!r}): {added} comments")
    report.seconds = time.monotonic() - started
    for line in report.lines():
        say(line)
    return report
