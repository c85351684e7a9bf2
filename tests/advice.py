"""Follow the fix a `check` message gives, literally, as an editor would.

Each message ends in "Fix: …"; `follow` reads that sentence and makes the
one change it names, in the post or in the site's `pelicanconf.py`, with no
other knowledge of the problem. A fix this module cannot follow raises
`NotFollowable`: a fix that names no exact change is itself a defect.

The tests use it to prove that every fix removes its problem (tests/build/
test_check_advice.py); the real-blog measurement uses it to act on a whole
first run's list.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from commons import REPO_ROOT
from tests.conftest import SAMPLE_CONTENT


class NotFollowable(ValueError):
    """The fix names no change an editor could make without guessing."""


@dataclass(frozen=True)
class Site:
    """A site folder laid out as Commons': content/, pelicanconf.py, publishconf.py."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def settings(self) -> Path:
        return self.root / "pelicanconf.py"

    @property
    def publish_settings(self) -> Path:
        return self.root / "publishconf.py"


def new_site(root: Path, content: Path | None = None) -> Site:
    """A copy of Commons' settings (the theme linked) around `content` (default: the sample)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(REPO_ROOT / name, root / name)
    (root / "theme").symlink_to(REPO_ROOT / "theme")
    shutil.copytree(content or SAMPLE_CONTENT, root / "content")
    return Site(root)


# --------------------------------------------------------------- the fixes
FIX = re.compile(r"Fix: (?P<fix>.*)$", re.DOTALL)
ADD_LINE = re.compile(r"^add the line `(?P<line>[^`]+)` (?:to the metadata block|inside the file)")
WRITE_DATE = re.compile(
    r"^write (?:it as .*?, for example (?P<example>[\d:\- ]+?)|(?P<padded>[\d:\- ]+?))\.$"
)
BAD_VALUE = re.compile(
    r"metadata field '(?P<field>\w+)' has the value (?P<value>'[^']*'|\"[^\"]*\")"
)
LABEL = re.compile(
    r"metadata field '(?P<field>\w+)' has the name (?P<name>'[^']*'), .*"
    r"for example (?P<suggestion>'[^']*'), or remove it"
)
SLUG = re.compile(r"^write `Slug: (?P<slug>[^`]+)`")
ALT = re.compile(r"the image (?P<src>\S+) has no alt text")
DESCRIBE = "what it shows"
INSTEAD = re.compile(r"^write (?P<new>\S+) instead of (?P<old>\S+) \(")
REMOVE_LINK = re.compile(r"remove the link to (?P<url>\S+)\.$")
REMOVE_PART = re.compile(r"remove #(?P<fragment>\S+) from the link\.$")
REMOVE_IMAGE = re.compile(r"the image (?P<url>\S+) is not a file under content/")
STATIC_FOLDER = re.compile(r"add '(?P<folder>[^']+)' to STATIC_PATHS in pelicanconf\.py")
EXTRA_SOURCE = re.compile(
    r"add '(?P<origin>[^']+)' to SECURITY_HEADERS\['extra_sources'\]\['(?P<directive>\w+)'\] "
    r"in pelicanconf\.py"
)
SET_LIMIT = re.compile(
    r"set GUARD\['(?P<setting>\w+)'\]\['(?P<key>\w+)'\] to (?P<value>[\d_]+) in pelicanconf"
)
TRUST_FILE = re.compile(r"list '(?P<path>[^']+)' in GUARD\['media'\]\['trusted_files'\]")
STATIC_INSTEAD = "write {static} instead of {filename} in this link"
MOVE_OUT = "move it out of content/"


def follow(site: Site, source: str, message: str) -> str:
    """Make the change `message`'s fix names; return what was done, in words."""
    found = FIX.search(message)
    if not found:
        raise NotFollowable(f"no Fix: in {message!r}")
    fix = found["fix"].strip()
    post = site.content / source
    # Site-wide settings first: a fix may name a folder and offer a move too.
    if match := STATIC_FOLDER.search(fix):
        return _add_static_folder(site, match["folder"])
    if match := EXTRA_SOURCE.search(fix):
        return _add_extra_source(site, match["directive"], match["origin"])
    if match := SET_LIMIT.search(fix):
        return _set_limit(site, match["setting"], match["key"], match["value"])
    if match := TRUST_FILE.search(fix):
        # The fix that keeps the posts' links to it working (a maintainer read it).
        return _trust_file(site, match["path"])
    if match := ADD_LINE.match(fix):
        return _add_metadata_line(post, match["line"])
    if (match := WRITE_DATE.match(fix)) and (bad := BAD_VALUE.search(message)):
        return _replace_value(
            post, bad["field"], bad["value"][1:-1], match["example"] or match["padded"]
        )
    if (match := LABEL.search(message)) and "add a word" in fix:
        return _replace_value(
            post, match["field"], match["name"][1:-1], match["suggestion"][1:-1], label=True
        )
    if (match := SLUG.match(fix)) and (bad := BAD_VALUE.search(message)):
        return _replace_value(post, "slug", bad["value"][1:-1], match["slug"])
    if (match := ALT.search(message)) and fix.startswith("describe what it shows"):
        return _describe_image(post, match["src"])
    if match := INSTEAD.match(fix):
        return _replace_text(post, match["old"], match["new"])
    if fix.startswith(STATIC_INSTEAD):
        return _replace_text(post, "{filename}", "{static}")
    if match := REMOVE_LINK.search(fix):
        return _remove_link(post, match["url"])
    if match := REMOVE_PART.search(fix):
        return _remove_fragment(post, match["fragment"])
    if (match := REMOVE_IMAGE.search(message)) and fix.endswith("or remove the image."):
        return _remove_image(post, match["url"])
    if MOVE_OUT in fix:
        moved = site.root / "moved-out" / source
        moved.parent.mkdir(parents=True, exist_ok=True)
        post.rename(moved)
        return f"moved {source} out of content/"
    raise NotFollowable(f"cannot follow {fix!r} ({source})")


def _add_metadata_line(post: Path, line: str) -> str:
    text = post.read_text(encoding="utf-8")
    if post.suffix.lower() in (".html", ".htm"):
        head = re.search(r"<head[^>]*>", text, re.IGNORECASE)
        if not head:
            raise NotFollowable(f"{post.name} has no <head> to add {line} to")
        text = text[: head.end()] + line + text[head.end() :]
    elif post.suffix.lower() == ".rst":
        lines = text.split("\n")
        # The fields follow the document's title (a line and its underline).
        at = 2 if len(lines) > 1 and re.fullmatch(r"([=\-#~*^])\1+", lines[1].strip()) else 0
        text = "\n".join([*lines[:at], line, *lines[at:]])
    else:
        lines = text.split("\n")
        # A YAML-style block opens with ---: the field goes inside it.
        at = 1 if lines and lines[0].strip() == "---" else 0
        text = "\n".join([*lines[:at], line, *lines[at:]])
    post.write_text(text, encoding="utf-8")
    return f"added {line!r} to {post.name}"


def _replace_value(post: Path, field: str, old: str, new: str, label: bool = False) -> str:
    text = post.read_text(encoding="utf-8")
    line = re.compile(rf"^(?P<key>:?{re.escape(field)}:?\s*)(?P<value>.*)$", re.IGNORECASE | re.M)
    for match in line.finditer(text):
        value = match["value"]
        if old not in value:
            continue
        replaced = (
            ", ".join(new if part.strip() == old else part.strip() for part in value.split(","))
            if label
            else value.replace(old, new)
        )
        text = text[: match.start("value")] + replaced + text[match.end("value") :]
        post.write_text(text, encoding="utf-8")
        return f"{field}: {old!r} -> {new!r} in {post.name}"
    raise NotFollowable(f"no {field} line with {old!r} in {post.name}")


def _replace_text(post: Path, old: str, new: str) -> str:
    text = post.read_text(encoding="utf-8")
    if old not in text:
        raise NotFollowable(f"{old!r} is not in {post.name}")
    post.write_text(text.replace(old, new), encoding="utf-8")
    return f"{old!r} -> {new!r} in {post.name}"


def _describe_image(post: Path, src: str) -> str:
    text = post.read_text(encoding="utf-8")
    escaped = re.escape(src)
    markdown = re.compile(rf"!\[\s*\](?=\(\s*<?{escaped}>?)")
    html_empty = re.compile(rf"(<img\b[^>]*?src=[\"']{escaped}[\"'][^>]*?)\balt=(?:\"\s*\"|'\s*')")
    html_none = re.compile(rf"<img\b(?![^>]*\balt=)(?=[^>]*src=[\"']{escaped}[\"'])")
    new = markdown.sub(f"![{DESCRIBE}]", text)
    new = html_empty.sub(lambda match: f'{match.group(1)}alt="{DESCRIBE}"', new)
    new = html_none.sub(f'<img alt="{DESCRIBE}"', new)
    if new == text:
        raise NotFollowable(f"no image {src} without alt in {post.name}")
    post.write_text(new, encoding="utf-8")
    return f"described {src} in {post.name}"


def _remove_fragment(post: Path, fragment: str) -> str:
    text = post.read_text(encoding="utf-8")
    new = re.sub(rf"#{re.escape(fragment)}(?=[)\"'\s>])", "", text)
    if new == text:
        raise NotFollowable(f"no link to #{fragment} in {post.name}")
    post.write_text(new, encoding="utf-8")
    return f"removed #{fragment} from the links in {post.name}"


def _remove_link(post: Path, url: str) -> str:
    text = post.read_text(encoding="utf-8")
    escaped = re.escape(url)
    new = re.sub(
        rf"(?<!!)\[(?P<text>[^\]]*)\]\(\s*<?{escaped}>?(?:\s+\"[^\"]*\")?\)", r"\g<text>", text
    )
    new = re.sub(
        rf"<a\b[^>]*href=[\"']{escaped}[\"'][^>]*>(?P<text>.*?)</a>", r"\g<text>", new, flags=re.S
    )
    new = re.sub(rf"^\[[^\]]+\]:\s*<?{escaped}>?.*$", "", new, flags=re.M)
    if new == text:
        # A link that loads rather than leads: an image.
        return _remove_image(post, url)
    post.write_text(new, encoding="utf-8")
    return f"removed the link to {url} in {post.name}"


def _remove_image(post: Path, url: str) -> str:
    text = post.read_text(encoding="utf-8")
    escaped = re.escape(url)
    new = re.sub(rf"!\[[^\]]*\]\(\s*<?{escaped}>?(?:\s+\"[^\"]*\")?\)", "", text)
    new = re.sub(rf"<img\b[^>]*src=[\"']{escaped}[\"'][^>]*>", "", new)
    if new == text:
        raise NotFollowable(f"no image {url} in {post.name}")
    post.write_text(new, encoding="utf-8")
    return f"removed the image {url} from {post.name}"


def _edit_settings(site: Site, pattern: str, edit) -> None:
    text = site.settings.read_text(encoding="utf-8")
    match = re.search(pattern, text, re.M | re.S)
    if not match:
        raise NotFollowable(f"pelicanconf.py has no {pattern!r}")
    site.settings.write_text(text[: match.start()] + edit(match) + text[match.end() :], "utf-8")


def _add_static_folder(site: Site, folder: str) -> str:
    def add(match):
        items = match["items"].strip()
        if repr(folder) in items:  # one fix of many for the same folder
            return match.group(0)
        return f"STATIC_PATHS = [{items + ', ' if items else ''}{folder!r}]"

    _edit_settings(site, r"^STATIC_PATHS = \[(?P<items>[^\]]*)\]", add)
    return f"added {folder!r} to STATIC_PATHS"


def _append_setting(site: Site, line: str) -> None:
    """A line at the end of pelicanconf.py: what a maintainer writes to change a
    setting whose default comes from `commons.defaults`."""
    text = site.settings.read_text(encoding="utf-8")
    site.settings.write_text(f"{text.rstrip()}\n{line}\n", encoding="utf-8")


def _add_extra_source(site: Site, directive: str, origin: str) -> str:
    if repr(origin) in site.settings.read_text(encoding="utf-8"):  # one fix of many
        return f"{origin} allowed already"
    sources = 'SECURITY_HEADERS["extra_sources"]'
    _append_setting(
        site,
        f'SECURITY_HEADERS = {{**SECURITY_HEADERS, "extra_sources": {{**{sources}, '
        f"{directive!r}: [*{sources}.get({directive!r}, []), {origin!r}]}}}}",
    )
    return f"allowed {origin} for {directive}"


def _set_limit(site: Site, section: str, key: str, value: str) -> str:
    # GUARD's section, with the key added last: it wins over the default.
    _append_setting(
        site, f"GUARD = {{**GUARD, {section!r}: {{**GUARD[{section!r}], {key!r}: {value}}}}}"
    )
    return f"GUARD[{section!r}][{key!r}] = {value}"


def _trust_file(site: Site, path: str) -> str:
    _append_setting(
        site,
        'GUARD = {**GUARD, "media": {**GUARD["media"], '
        f'"trusted_files": [*GUARD["media"]["trusted_files"], {path!r}]}}}}',
    )
    return f"trusted {path}"
