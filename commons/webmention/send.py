"""Sending webmentions for the links in new and changed posts (W3C Webmention 3.1).

After `invoke publish` has sent the site, each post page of the built site is
read: its address (the h-entry's `u-url`), a digest of its content
(`e-content`) and the http(s) links in that content to other sites. A post
that is new, or whose content changed since the last publish, notifies every
site it links and every site it linked before (so that a receiver can see
the link is gone and remove the mention); a post that is gone notifies the
sites it linked. What was sent is remembered in a JSON file; a post whose
notifications did not all go through is tried again at the next publish.
The first publish that sends (no such file yet) only records the posts: the
posts already published are not new.

Each target's endpoint is discovered as the specification says: the HTTP
`Link` header with rel="webmention" first, then the first `<link>` or `<a>`
element with that rel in the page, resolved against the page's address
(after redirects). Every request goes through commons/webmention/fetch.py
(the same address rule and limits as receiving), and the whole round stops
after `budget` seconds: sending never holds up a publish, and what was not
sent is sent next time.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import lxml.html

from commons.files import replace_file
from commons.urls import normalise_origin

from .fetch import AddressRule, FetchLimits, FetchRefused, fetch, post_form

SENT_FILE = "webmentions-sent.json"
BUDGET_SECONDS = 120.0
# `<url>; param; rel="a b"`: one value of a Link header.
LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
REL_PARAM = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class Post:
    url: str
    digest: str
    targets: frozenset[str]


@dataclass
class SendReport:
    sent: list[tuple[str, str, int]] = field(default_factory=list)  # source, target, status
    no_endpoint: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    left_for_later: int = 0
    # The first round records the posts and sends nothing (see send_webmentions).
    recorded: int | None = None

    def lines(self) -> list[str]:
        if self.recorded is not None:
            return [
                f"Webmention: recorded the links of {self.recorded} post(s), sent nothing; new "
                "and changed posts notify the sites they link from the next publish on."
            ]
        lines = [
            f"Webmention: {source} -> {target}: {status}" for source, target, status in self.sent
        ]
        lines += [f"Webmention: {target} has no endpoint" for _s, target in self.no_endpoint]
        lines += [
            f"Webmention: {source} -> {target} failed ({reason}); tried again at the next publish"
            for source, target, reason in self.failed
        ]
        summary = (
            f"Webmention: sent {len(self.sent)}, {len(self.no_endpoint)} target(s) without an "
            f"endpoint, {len(self.failed)} failed"
        )
        if self.left_for_later:
            summary += f", {self.left_for_later} post(s) left for the next publish (time budget)"
        return [*lines, summary + "."]


def site_posts(site: Path, siteurl: str) -> dict[str, Post]:
    """The post pages of a built site by address, with their content's digest and links."""
    own = normalise_origin(siteurl)
    posts: dict[str, Post] = {}
    for page in sorted(Path(site).rglob("*.html")):
        document = lxml.html.document_fromstring(page.read_bytes())
        # The page's own h-entry: not one inside another (related posts are
        # h-entries in the post's); a listing has several, and is not a post.
        entry_class = _HAS_CLASS % "h-entry"
        entries = document.xpath(f"//*[{entry_class} and not(ancestor::*[{entry_class}])]")
        if len(entries) != 1:
            continue
        entry = entries[0]
        contents = [
            node
            for node in entry.xpath(f".//*[{_HAS_CLASS % 'e-content'}]")
            if _entry_of(node) is entry
        ]
        urls = [
            node
            for node in entry.xpath(f".//a[{_HAS_CLASS % 'u-url'}]")
            if _entry_of(node) is entry
        ]
        if not contents or not urls:
            continue
        url = urljoin(siteurl.rstrip("/") + "/", urls[0].get("href") or "")
        content = contents[0]
        targets = set()
        for link in content.iter("a"):
            href = urljoin(url, (link.get("href") or "").strip()).split("#", 1)[0]
            origin = normalise_origin(href)
            if origin and origin != own:
                targets.add(href)
        digest = hashlib.sha256(lxml.html.tostring(content)).hexdigest()
        posts[url] = Post(url, digest, frozenset(targets))
    return posts


_HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' %s ')"


def _entry_of(node):
    """The nearest h-entry around `node` (an h-cite or h-card between does not matter)."""
    for ancestor in node.iterancestors():
        if "h-entry" in (ancestor.get("class") or "").split():
            return ancestor
    return None


def endpoint_of(target: str, rule: AddressRule, limits: FetchLimits) -> str | None:
    """The target's Webmention endpoint (Link header, then <link>/<a>), or None."""
    page = fetch(target, rule, limits)
    for match in LINK_VALUE.finditer(page.headers.get("link", "")):
        for rel in REL_PARAM.finditer(match.group(2)):
            if "webmention" in (rel.group(1) or rel.group(2) or "").lower().split():
                return urljoin(page.url, match.group(1).strip())
    if not page.is_html or not page.body.strip():
        return None
    document = lxml.html.document_fromstring(page.body)
    for element in document.iter("link", "a"):
        rel = (element.get("rel") or "").lower().split()
        if "webmention" in rel and element.get("href") is not None:
            return urljoin(page.url, element.get("href").strip())
    return None


def read_sent(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    posts = data.get("posts") if isinstance(data, dict) else None
    return posts if isinstance(posts, dict) else {}


def write_sent(path: Path, posts: dict[str, dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, json.dumps({"posts": posts}, indent=1, sort_keys=True))


def send_webmentions(
    site: Path,
    siteurl: str,
    sent_file: Path,
    rule: AddressRule,
    limits: FetchLimits | None = None,
    budget: float = BUDGET_SECONDS,
) -> SendReport:
    """Notify the sites that new, changed and removed posts link (or linked)."""
    limits = limits or FetchLimits()
    started = time.monotonic()
    report = SendReport()
    posts = site_posts(site, siteurl)
    if not Path(sent_file).exists():
        # The first publish that sends: the posts already published are not new,
        # and announcing every link they ever had would flood the sites they link.
        write_sent(
            sent_file,
            {url: {"digest": p.digest, "targets": sorted(p.targets)} for url, p in posts.items()},
        )
        report.recorded = len(posts)
        return report
    before = read_sent(sent_file)
    after = dict(before)
    work: list[tuple[str, set[str], dict | None]] = []
    for url, post in posts.items():
        old = before.get(url)
        if old is None or old.get("digest") != post.digest:
            previous = set(old.get("targets", [])) if isinstance(old, dict) else set()
            record = {"digest": post.digest, "targets": sorted(post.targets)}
            work.append((url, set(post.targets) | previous, record))
    for url, old in before.items():
        if url not in posts and isinstance(old, dict):
            work.append((url, set(old.get("targets", [])), None))
    endpoints: dict[str, str | None] = {}
    for index, (source, targets, record) in enumerate(work):
        if time.monotonic() - started > budget:
            report.left_for_later = len(work) - index
            break
        all_sent = True
        for target in sorted(targets):
            try:
                if target not in endpoints:
                    endpoints[target] = endpoint_of(target, rule, limits)
                endpoint = endpoints[target]
                if endpoint is None:
                    report.no_endpoint.append((source, target))
                    continue
                answer = post_form(endpoint, {"source": source, "target": target}, rule, limits)
            except FetchRefused as error:
                report.failed.append((source, target, str(error)))
                all_sent = False
                continue
            if 200 <= answer.status < 300:
                report.sent.append((source, target, answer.status))
            else:
                report.failed.append((source, target, f"HTTP {answer.status}"))
                all_sent = all_sent and 400 <= answer.status < 500  # refused: final
        if all_sent:
            if record is None:
                after.pop(source, None)
            else:
                after[source] = record
    write_sent(sent_file, after)
    return report
