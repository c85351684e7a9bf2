"""`invoke import-wordpress`: a WordPress export -> posts, pages, comments and redirects.

Writes one Markdown file per post (content/<slug>.md) and page
(content/pages/<slug>.md), copies the uploads the published posts show into
content/images/, adds the comments to Isso's database under the thread id
Commons gives each post, and lists every old address with its new place in
content/redirects/wordpress.txt (published by plugins/redirects).

Only WordPress's `publish` status is published; every other one is a draft.
Every file goes through one `commons.files.Folder`, and every one is checked
before the first is written: nothing is written when one of them is in the
way (a file, unless `force`; a symbolic link, always).
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import nh3
from lxml import html as lxml_html

from commons.files import Folder, WriteRefused, slug_name

from . import REDIRECTS_FILE
from .body import (
    ISSO,
    UPLOADS_COPIED,
    UPLOADS_SHARED,
    Body,
    Site,
    convert_body,
    convert_fragment,
    old_address,
    one_line,
    this_blogs_files_hosts,
    upload_path,
)
from .isso_db import MODE_APPROVED, MODE_PENDING, NewComment, add_thread, anonymized, open_database
from .wxr import Export, ExportError, Item, read_export

POST_TYPES = ("post", "page")
# The one WordPress status that is published; every other status is a draft.
PUBLISHED_STATUS = "publish"
# WordPress's own statuses that are not published: drafts without a warning.
# Any other (an editorial plugin's `pitch`, `assigned`, a missing one) is a
# draft too, with a warning that names it.
DRAFT_STATUSES = {"draft", "pending", "future", "private"}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
COMMENT_TYPES = {"", "comment"}
BAD_DATE_FIX = (
    "is not a date (WordPress writes YYYY-MM-DD HH:MM:SS); left out. Fix: correct the "
    "date in the export file and import again."
)


def thread_id_function():
    """The discussion plugin's own rule for a post's thread id (never re-derived here)."""
    from commons.layout import plugin_module

    return plugin_module("discussion", "identity").thread_id


def site_thread_id(
    settings: dict,
    *,
    explicit: str | None,
    slug: str,
    is_page: bool,
    source: str,
    date: datetime | None = None,
    category: str = "",
    author: str = "",
) -> str:
    """The thread id the build will give this post: its Comments_id, or the site's
    rule (DISCUSSION['thread_id'] / ['page_thread_id']) over the same fields."""
    from pelican.utils import slugify

    def label_slug(name: str) -> str:
        return slugify(name, regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"]) if name else ""

    config = settings.get("DISCUSSION") or {}
    fields = {
        "slug": slug,
        "lang": settings.get("DEFAULT_LANG", ""),
        "category": label_slug(category),
        "author": label_slug(author),
    }
    if not is_page and date is not None:
        fields["date"] = date
    return thread_id_function()(
        explicit,
        slug,
        is_page,
        source,
        rule=config.get("page_thread_id" if is_page else "thread_id"),
        fields=fields,
    )


@dataclass
class Planned:
    item: Item
    kind: str  # "post" or "page"
    slug: str
    path: Path  # relative to content/
    status: str


@dataclass
class Report:
    """What an import did and what it could not do; printed as the summary."""

    posts: int = 0
    pages: int = 0
    drafts: int = 0
    comments: int = 0
    pending: int = 0
    comments_already: int = 0
    images: int = 0
    redirects: int = 0
    seconds: float = 0.0
    not_posts: Counter = field(default_factory=Counter)
    comments_left_out: Counter = field(default_factory=Counter)
    # Posts and pages left out, by why ("post with a bad date").
    left_out: Counter = field(default_factory=Counter)
    # One sentence per post, page or comment left out for a date that is not one.
    bad_dates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    remote_images: dict[str, list[str]] = field(default_factory=dict)
    images_copied: set[str] = field(default_factory=set)
    draft_images: dict[str, list[str]] = field(default_factory=dict)
    # Of the remote images, those on other sites (not the old site's uploads).
    other_sites_images: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        out = [
            f"Imported {self.posts} posts and {self.pages} pages ({self.drafts} as drafts), "
            f"{self.comments} comments ({self.pending} pending; {self.comments_already} were "
            f"already there), {self.images} images, {self.redirects} redirects "
            f"in {self.seconds:.1f} s.",
        ]
        if self.not_posts:
            items = ", ".join(f"{n} {kind}" for kind, n in sorted(self.not_posts.items()))
            out.append(f"Not posts, left out: {items}.")
        if self.left_out:
            items = ", ".join(f"{n} {kind}" for kind, n in sorted(self.left_out.items()))
            out.append(f"Left out: {items}.")
        if self.comments_left_out:
            items = ", ".join(f"{n} {kind}" for kind, n in sorted(self.comments_left_out.items()))
            out.append(f"Comments left out: {items}.")
        out += [f"BAD DATE {line}" for line in self.bad_dates]
        out += [f"WARNING {warning}" for warning in self.warnings]
        for path, problems in sorted(self.problems.items()):
            for problem, times in Counter(problems).items():
                repeat = f" (x{times})" if times > 1 else ""
                out.append(f"NOT CONVERTED {path}: {problem}{repeat}")
        remote = {image for images in self.remote_images.values() for image in images}
        if remote:
            others = len(remote & self.other_sites_images)
            out.append(
                f"Images left remote: {len(remote) - others} of the old site's (not in the "
                f"uploads folder, or no --uploads), {others} of other sites' (they stay there)."
            )
        for path, images in sorted(self.remote_images.items()):
            for image in images:
                whose = (
                    " (another site's image: it stays there)"
                    if image in self.other_sites_images
                    else ""
                )
                out.append(f"REMOTE IMAGE {path}: {image}{whose}")
        for path, images in sorted(self.draft_images.items()):
            for image in images:
                out.append(
                    f"NOT COPIED {path}: upload {image!r}: only drafts show it, and "
                    "content/images/ is published whole; it stays at its old address. Fix: "
                    "once the post is published in WordPress, import again with --force."
                )
        origins = self.remote_origins
        if origins:
            out.append(
                f"The build refuses images from {', '.join(origins)} (the production "
                "Content-Security-Policy would block them). Fix: run the import again with "
                "--uploads and the old server's wp-content/uploads folder, or, while the "
                "old site stays up, add "
                + ", ".join(repr(origin) for origin in origins)
                + " to SECURITY_HEADERS['extra_sources']['img'] in pelicanconf.py (production "
                "builds read it from there too)."
            )
        return out

    @property
    def remote_origins(self) -> list[str]:
        """The sites that imported posts still load images from."""
        return sorted(
            {
                f"{parts.scheme}://{parts.netloc}"
                for images in self.remote_images.values()
                for parts in map(urlsplit, images)
                if parts.scheme in ("http", "https") and parts.netloc
            }
        )


def own_upload_hosts(export: Export) -> set[str]:
    """The site's other hosts its uploads may be on: its multisite network's, and
    those of its posts' guids (the address a post had when it was written: a
    WordPress.com blog's `<blog>.wordpress.com`, a domain the site moved from)."""
    hosts = set()
    guids = [item.guid for item in export.items if item.post_type in POST_TYPES]
    for address in [export.site_link, *guids]:
        parts = urlsplit(address.strip())
        if parts.scheme in ("http", "https") and parts.netloc:
            hosts.add(parts.netloc.lower())
    # WordPress.com's network address is WordPress.com itself, every blog's.
    return hosts - {"wordpress.com", "www.wordpress.com"}


def _plain(text: str) -> str:
    """Text for a one-line metadata value: entities decoded, tags and line breaks gone."""
    text = html.unescape(text or "")
    if "<" in text:
        text = lxml_html.fragment_fromstring(text, create_parent="div").text_content()
    return re.sub(r"\s+", " ", text).strip()


def _local_date(item: Item, zone: ZoneInfo) -> datetime | None:
    if item.date_gmt is not None:
        return item.date_gmt.astimezone(zone)
    if item.date_local is not None:
        return item.date_local.replace(tzinfo=zone)
    return None


def media_elements(settings: dict) -> frozenset[str]:
    """The players (audio, video) the site's sanitiser (GUARD['html']) keeps, with their src."""
    options = (settings.get("GUARD") or {}).get("html") or {}
    if options.get("policy") == "keep":
        return frozenset({"audio", "video"})
    tags = set(nh3.ALLOWED_TAGS) | set(options.get("extra_tags", []))
    attributes = options.get("extra_attributes", {})
    return frozenset(
        tag
        for tag in ("audio", "video")
        if tag in tags and "src" in set(attributes.get(tag, [])) | set(attributes.get("*", []))
    )


def plan(export: Export, settings: dict, report: Report) -> list[Planned]:
    """The posts and pages to import, each with its file name and Commons status.

    A file name is a slug of the item's slug, title or id (`slug_name`), never
    the export's text itself: an export is no more trusted than a comment.
    """
    planned: list[Planned] = []
    used: dict[str, set[str]] = {"post": set(), "page": set()}
    for item in export.items:
        if item.post_type not in POST_TYPES:
            report.not_posts[item.post_type] += 1
            continue
        if item.status in SKIPPED_STATUSES:
            report.not_posts[f"{item.post_type} ({item.status})"] += 1
            continue
        if item.bad_dates:
            report.left_out[f"{item.post_type} with a bad date"] += 1
            report.bad_dates.append(
                f"{item.source}: {item.post_type} {item.post_id} ({_plain(item.title)!r}), "
                f"{', '.join(item.bad_dates)} {BAD_DATE_FIX}"
            )
            continue
        if (
            item.date_gmt is None
            and item.date_local is None
            and item.status in (PUBLISHED_STATUS, "")
        ):
            # Only a stub: WordPress never exports a published post without its date.
            report.not_posts[f"{item.post_type} without a date"] += 1
            continue
        base = (
            slug_name(html.unescape(_unquote(item.slug)), settings)
            or slug_name(_plain(item.title), settings)
            or slug_name(f"{item.post_type}-{item.post_id}", settings)
        )
        if not base:
            raise ExportError(
                f"{export.path}: the {item.post_type} with id {item.post_id!r} "
                f"({_plain(item.title)!r}): no file name can be made from its slug, title or "
                "id with the site's SLUG_REGEX_SUBSTITUTIONS. Fix: give it a slug in WordPress "
                "and export again."
            )
        slug, n = base, 2
        while slug in used[item.post_type]:
            slug, n = f"{base}-{n}", n + 1
        used[item.post_type].add(slug)
        published = item.status == PUBLISHED_STATUS and not item.password
        status = "published" if published else "draft"
        folder = Path("pages") if item.post_type == "page" else Path()
        planned.append(Planned(item, item.post_type, slug, folder / f"{slug}.md", status))
    return planned


def _unquote(slug: str) -> str:
    from urllib.parse import unquote

    return unquote(slug)


def uploads_of(entry: Planned) -> str:
    """What becomes of the uploads a post shows: only published posts copy theirs."""
    return UPLOADS_COPIED if entry.status == "published" else UPLOADS_SHARED


def metadata(entry: Planned, export: Export, zone: ZoneInfo, body: Body, site: Site) -> dict:
    item = entry.item
    teaser = body.teaser
    fields = {"Title": _plain(item.title) or f"Untitled {entry.kind} {item.post_id}"}
    date = _local_date(item, zone)
    if date is not None:
        fields["Date"] = f"{date:%Y-%m-%d %H:%M}"
    if item.modified_gmt is not None and item.date_gmt and item.modified_gmt > item.date_gmt:
        fields["Modified"] = f"{item.modified_gmt.astimezone(zone):%Y-%m-%d %H:%M}"
    fields["Slug"] = entry.slug
    if entry.kind == "post":
        categories = [_term(t.name) for t in item.terms if t.domain == "category"]
        tags = [_term(t.name) for t in item.terms if t.domain == "post_tag"]
        if categories:
            fields["Category"] = ", ".join(dict.fromkeys(c for c in categories if c))
        if tags:
            fields["Tags"] = ", ".join(dict.fromkeys(t for t in tags if t))
    author = export.authors.get(item.author, item.author)
    if author:
        fields["Author"] = _plain(author)
    summary = teaser
    if item.excerpt.strip():
        summary = one_line(convert_fragment(item.excerpt, site, body, uploads_of(entry)))
    if summary:
        fields["Summary"] = summary
    if entry.status != "published":
        fields["Status"] = entry.status
    return fields


def _term(name: str) -> str:
    # Pelican splits these fields on commas: a comma inside one name would make two.
    return _plain(name).replace(",", " ")


def front_matter(fields: dict) -> str:
    return "".join(f"{key}: {_plain_line(value)}\n" for key, value in fields.items())


def _plain_line(value) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def _comment_time(comment, zone: ZoneInfo) -> float:
    if comment.date_gmt is not None:
        return comment.date_gmt.timestamp()
    if comment.date_local is not None:
        return comment.date_local.replace(tzinfo=zone).timestamp()
    return datetime.now(UTC).timestamp()


def comments_for(item: Item, site: Site, zone: ZoneInfo, report: Report) -> list[NewComment]:
    kept = []
    for comment in item.comments:
        kind = comment.type or "comment"
        if comment.type not in COMMENT_TYPES:
            report.comments_left_out[kind] += 1
            continue
        if comment.approved == "1":
            mode = MODE_APPROVED
        elif comment.approved == "0":
            mode = MODE_PENDING
        else:
            report.comments_left_out[comment.approved or "unknown"] += 1
            continue
        if comment.bad_dates:
            report.comments_left_out["with a bad date"] += 1
            report.bad_dates.append(
                f"{item.source}: comment {comment.id} by {_plain(comment.author)!r} on "
                f"{item.post_type} {item.post_id} ({_plain(item.title)!r}), "
                f"{', '.join(comment.bad_dates)} {BAD_DATE_FIX}"
            )
            continue
        text = convert_fragment(comment.content, site, dialect=ISSO).strip()
        if not text:
            report.comments_left_out["empty"] += 1
            continue
        website = comment.url if urlsplit(comment.url).scheme in ("http", "https") else ""
        kept.append(
            NewComment(
                key=comment.id,
                parent=comment.parent,
                created=_comment_time(comment, zone),
                mode=mode,
                author=_plain(comment.author),
                email=comment.email,
                website=website,
                remote_addr=anonymized(comment.ip),
                text=text,
            )
        )
    return kept


def _old_paths(export: Export, entry: Planned, base: str) -> list[str]:
    paths = []
    hosts = {urlsplit(export.link).netloc.lower(), urlsplit(entry.item.link).netloc.lower()}
    address = old_address(entry.item.link, Site(hosts, Path(), None))
    if address:
        paths.append(address)
    if entry.item.post_id:
        paths.append(f"{base}?p={entry.item.post_id}")
        if entry.kind == "page":
            paths.append(f"{base}?page_id={entry.item.post_id}")
    return list(dict.fromkeys(paths))


def category_path(export: Export, nicename: str) -> str:
    """`parent/child` as WordPress writes a nested category's archive address."""
    path, seen = [nicename], {nicename}
    while (parent := export.category_parents.get(path[0])) and parent not in seen:
        path.insert(0, parent)
        seen.add(parent)
    return "/".join(path)


def _encode(path: str) -> str:
    return quote(path, safe="/?=&%-._~")


def redirect_lines(export: Export, planned: list[Planned], settings: dict) -> list[str]:
    base = (urlsplit(export.link).path.rstrip("/") or "") + "/"
    lines = [
        "# Old WordPress addresses and their new place: OLD-PATH TARGET, one a line.",
        "# TARGET is {filename}/<file>, {category}<name>, {tag}<name>, {author}<name>",
        "# or a path in the built site. Written by `invoke import-wordpress`.",
    ]
    categories, tags, authors = {}, {}, {}
    seen: set[str] = set()
    for entry in planned:
        if entry.status != "published":
            continue
        target = "{filename}/" + entry.path.as_posix()
        for path in _old_paths(export, entry, base):
            # Two items with one id or link (an export's duplicates): the first keeps it.
            if path not in seen:
                seen.add(path)
                lines.append(f"{_encode(path)} {target}")
        if entry.kind == "post":
            for term in entry.item.terms:
                if term.domain == "category" and term.nicename and _term(term.name):
                    categories[term.nicename] = _term(term.name)
                elif term.domain == "post_tag" and term.nicename and _term(term.name):
                    tags[term.nicename] = _term(term.name)
            login = entry.item.author
            if login:
                authors[login] = _plain(export.authors.get(login, login))
    for nicename, name in sorted(categories.items()):
        for path in dict.fromkeys([nicename, category_path(export, nicename)]):
            lines.append(f"{_encode(f'{base}category/{_unquote(path)}/')} {{category}}{name}")
    for nicename, name in sorted(tags.items()):
        lines.append(f"{_encode(f'{base}tag/{_unquote(nicename)}/')} {{tag}}{name}")
    for login, name in sorted(authors.items()):
        lines.append(f"{_encode(f'{base}author/{_unquote(login)}/')} {{author}}{name}")
    feed = settings.get("FEED_ALL_ATOM")
    if feed:
        lines.append(f"{base}feed/ /{feed}")
    return lines


@dataclass
class Converted:
    """One post or page converted, not yet written."""

    title: str
    text: str
    body: Body


def convert_post(
    entry: Planned, export: Export, site: Site, zone: ZoneInfo, comments: list
) -> Converted:
    """One post or page as the text of its file; nothing is written."""
    body = convert_body(
        entry.item.content, site, entry.item.post_id, entry.item.footnotes, uploads_of(entry)
    )
    fields = metadata(entry, export, zone, body, site)
    state = None
    if entry.item.comment_status == "closed" and (entry.kind == "post" or comments):
        state = "closed"
    elif entry.kind == "page" and comments:
        state = "on"
    if state:
        fields["Comments"] = state
    return Converted(fields["Title"], front_matter(fields) + "\n" + body.markdown, body)


def record(report: Report, entry: Planned, shown: Path, body: Body) -> None:
    """What one written post adds to the report."""
    status = entry.item.status
    if status != PUBLISHED_STATUS and status not in DRAFT_STATUSES:
        said = f"the status {status!r}" if status else "no status"
        report.warnings.append(
            f"{shown}: has {said} in WordPress, which is not 'publish'; imported as a draft. "
            "Fix: delete its 'Status: draft' line once it is ready."
        )
    if entry.item.password:
        report.warnings.append(
            f"{shown}: was password-protected in WordPress; imported as a draft (Commons "
            "has no passwords: publish it only if everyone may read it)"
        )
    if entry.kind == "page":
        report.pages += 1
    else:
        report.posts += 1
    report.drafts += entry.status != "published"
    if body.problems:
        report.problems[str(shown)] = body.problems
    if body.remote_images:
        report.remote_images[str(shown)] = list(dict.fromkeys(body.remote_images))
        report.other_sites_images.update(body.other_sites_images)
    if body.draft_images:
        report.draft_images[str(shown)] = body.draft_images
    report.images_copied.update(body.images_copied)


def images_to_copy(folder: Folder, converted: list[Converted]) -> dict[str, Path]:
    """content/images/… path -> upload to copy there; an identical file already there is
    kept as it is (an earlier import's), so it is neither a clash nor copied again."""
    wanted: dict[str, Path] = {}
    for post in converted:
        for candidate, source in post.body.images_copied.items():
            wanted.setdefault(f"images/{candidate}", source)
    copies = {}
    for relative, source in wanted.items():
        if folder.exists(relative) and same_file(folder, relative, source):
            continue
        copies[relative] = source
    return copies


def same_file(folder: Folder, relative: str, source: Path) -> bool:
    """Whether the regular file at `relative` (not a link) has the bytes of `source`."""
    if folder.refusal(relative, force=True) is not None:
        return False
    if folder.path(relative).stat().st_size != source.stat().st_size:
        return False
    return folder.read_bytes(relative) == source.read_bytes()


def refusals(folder: Folder, relatives: list) -> list[str]:
    """Every write of the import that would be refused, each a sentence with its fix."""
    found = (folder.refusal(relative) for relative in relatives)
    return [problem for problem in found if problem is not None]


def add_comments(
    db, export, settings, zone, entry: Planned, shown: Path, title: str, comments, report
) -> tuple[int, int]:
    """Add one post's comments to its thread; returns (added, already there)."""
    categories = [_term(t.name) for t in entry.item.terms if t.domain == "category"]
    thread = site_thread_id(
        settings,
        explicit=None,
        slug=entry.slug,
        is_page=entry.kind == "page",
        source=str(shown),
        date=_local_date(entry.item, zone),
        category=categories[0] if categories and entry.kind == "post" else "",
        author=_plain(export.authors.get(entry.item.author, entry.item.author)),
    )
    added, existing_count, pending = add_thread(
        db, thread, title, comments, left_out=report.comments_left_out
    )
    report.comments += added
    report.comments_already += existing_count
    report.pending += pending
    return added, existing_count


def import_wordpress(
    export_path: Path,
    *,
    content_dir: Path,
    settings: dict,
    uploads: Path | None = None,
    force: bool = False,
    isso_db: Path | None = None,
    comments_only: bool = False,
    say=print,
) -> Report:
    """Import `export_path` into `content_dir`; returns the report (also printed via `say`).

    `comments_only`: write no file, only add the comments to `isso_db` (for a
    production comment server, after the posts were imported and perhaps edited).
    """
    started = time.monotonic()
    report = Report()
    export = read_export(export_path)
    report.warnings += export.repairs
    if uploads is not None and not Path(uploads).is_dir():
        raise ExportError(
            f"{uploads}: no such folder. Fix: copy wp-content/uploads from the old server and "
            "give that folder, or leave --uploads out to keep images on the old host."
        )
    zone = ZoneInfo(settings["TIMEZONE"])
    content_dir = Path(content_dir)
    folder = Folder(content_dir, force=force)
    planned = plan(export, settings, report)
    others = [part.name for part in export.parts if part != Path(export_path)]
    more = f" and its other part(s), {', '.join(others)}," if others else ""
    say(
        f"Reading {export_path}{more}: WXR {export.wxr_version}, {len(export.items)} items, "
        f"{len(planned)} posts and pages to import"
    )
    # The posts' and pages' own addresses: an attachment's may be another blog's
    # (WordPress.com lists an image taken from another blog as an attachment).
    hosts = {urlsplit(export.link).netloc.lower()} | {
        urlsplit(item.link).netloc.lower()
        for item in export.items
        if item.link and item.post_type in POST_TYPES
    }
    old_hosts = {h for h in hosts if h}
    upload_hosts = old_hosts | own_upload_hosts(export)
    site = Site(
        old_hosts=old_hosts,
        content_dir=content_dir,
        uploads=Path(uploads) if uploads else None,
        media_elements=media_elements(settings),
        old_base=export.link.rstrip("/") + "/" if export.link else "",
        upload_hosts=upload_hosts,
        files_hosts=this_blogs_files_hosts(upload_hosts),
        blog_path=urlsplit(export.link).path.rstrip("/"),
    )
    for item in export.items:
        if item.post_type == "attachment" and item.attachment_url:
            caption = _plain(item.excerpt) or _plain(item.title)
            site.attachments[item.post_id] = (item.attachment_url, caption)
            site.children.setdefault(item.parent_id, []).append(item.post_id)
            listed = upload_path(item.attachment_url, site)
            if listed:
                site.attachment_uploads.add(listed)
    base = (urlsplit(export.link).path.rstrip("/") or "") + "/"
    for entry in planned:
        if entry.status == "published":
            for path in _old_paths(export, entry, base):
                site.links.setdefault(path, "{filename}/" + entry.path.as_posix())
    comments = [comments_for(entry.item, site, zone, report) for entry in planned]
    converted: dict[int, Converted] = {}
    copies: dict[str, Path] = {}
    if not comments_only:
        # Published posts first: a draft shows an upload from content/images/
        # only when a published post copies it there.
        for index in sorted(range(len(planned)), key=lambda i: planned[i].status != "published"):
            entry = planned[index]
            post = convert_post(entry, export, site, zone, comments[index])
            converted[index] = post
            if entry.status == "published":
                site.published_uploads.update(post.body.images_copied)
        copies = images_to_copy(folder, list(converted.values()))
        in_the_way = refusals(folder, [entry.path for entry in planned] + [*copies, REDIRECTS_FILE])
        if in_the_way:
            shown = "\n  ".join(in_the_way[:20])
            more = f"\n  … and {len(in_the_way) - 20} more" if len(in_the_way) > 20 else ""
            raise ExportError(
                f"{len(in_the_way)} file(s) the import would write are in the way; nothing "
                f"was written:\n  {shown}{more}"
            )
    db = None
    try:
        for number, entry in enumerate(planned, 1):
            shown = (content_dir / entry.path).relative_to(content_dir.parent)
            if comments_only:
                title = _plain(entry.item.title) or f"Untitled {entry.kind} {entry.item.post_id}"
            else:
                post = converted[number - 1]
                folder.write_text(entry.path, post.text)
                title = post.title
                record(report, entry, shown, post.body)
            added = existing_count = 0
            if comments[number - 1]:
                if db is None:
                    db = open_database(isso_db)
                added, existing_count = add_comments(
                    db, export, settings, zone, entry, shown, title, comments[number - 1], report
                )
            note = f", {added} comments" if added else ""
            note += f" ({existing_count} already there)" if existing_count else ""
            say(f"[{number}/{len(planned)}] {entry.kind} {shown} ({entry.status}{note})")
        if not comments_only:
            for relative, source in copies.items():
                folder.copy_file(source, relative)
            lines = redirect_lines(export, planned, settings)
            folder.write_text(REDIRECTS_FILE, "\n".join(lines) + "\n")
            report.redirects = sum(1 for line in lines if not line.startswith("#"))
    except WriteRefused as refused:
        # Only when something changed after the check above (a file, a link made since).
        raise ExportError(str(refused)) from None
    provider = (settings.get("DISCUSSION") or {}).get("provider", "isso")
    if provider != "isso" and report.comments:
        report.warnings.append(
            f"the site's comment provider is {provider!r}: the comments went into Isso's "
            f"database {isso_db}, which {provider} does not read"
        )
    report.images = len(report.images_copied)
    report.seconds = time.monotonic() - started
    for line in report.lines():
        say(line)
    return report


__all__ = ["ExportError", "Report", "import_wordpress"]
