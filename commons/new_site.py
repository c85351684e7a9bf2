"""`commons new PATH`: a new site from the template kept in the package.

The template (commons/site_template/) holds the site's own files only: its
content, settings that start from `commons.defaults`, thin tasks.py, README,
.gitignore and CI script. A file named `*.tmpl` is filled in (each value
written as a Python literal in Python files); `dot-NAME` becomes `.NAME`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commons.files import unsafe_character
from commons.layout import SITE_TEMPLATE_DIR, commons_version
from commons.unicode_controls import terminal_safe

TEMPLATE_SUFFIX = ".tmpl"
HIDDEN_PREFIX = "dot-"
# A language tag as Pelican and HTML's lang attribute take it: "en", "pt-BR".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
FILE_MODE = 0o644
SCRIPT_MODE = 0o755
DIR_MODE = 0o755


class NewSiteError(ValueError):
    """The site cannot be written: the message names what and the fix."""


@dataclass(frozen=True)
class SiteChoices:
    """What a new site chose; everything else is Commons' defaults."""

    name: str
    url: str
    timezone: str
    lang: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", type=Path, help="the new site's folder")
    parser.add_argument("--name", default="", help="the site's name (default: the folder's)")
    parser.add_argument(
        "--url",
        default="https://example.org",
        help="the site's public address (publish refuses the example one)",
    )
    parser.add_argument("--timezone", default="UTC", help="an IANA time zone: Europe/Paris")
    parser.add_argument("--lang", default="en", help="the posts' language tag: en, fr, pt-BR")


def checked_choices(path: Path, name: str, url: str, timezone: str, lang: str) -> SiteChoices:
    name = " ".join((name or path.name).split())
    if not name or unsafe_character(name) is not None:
        raise NewSiteError(
            f"--name {name!r}: a site's name is one line of text without control characters. "
            "Fix: give another --name."
        )
    address = urlsplit(url)
    if address.scheme not in ("http", "https") or not address.hostname:
        raise NewSiteError(
            f"--url {url!r} is not a web address. Fix: give one such as https://blog.example.org."
        )
    if address.query or address.fragment or unsafe_character(url) is not None or " " in url:
        raise NewSiteError(
            f"--url {url!r}: the site's address has no query, fragment, space or control "
            "character. Fix: give one such as https://blog.example.org."
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise NewSiteError(
            f"--timezone {timezone!r} is not a time zone. Fix: give an IANA name such as "
            "Europe/Paris or America/Denver."
        ) from None
    if not LANGUAGE_TAG.fullmatch(lang):
        raise NewSiteError(f"--lang {lang!r} is not a language tag. Fix: give one such as en.")
    return SiteChoices(name=name, url=url.rstrip("/"), timezone=timezone, lang=lang)


def template_values(choices: SiteChoices, today: datetime.date) -> dict[str, str]:
    """The template's values: `*_text` as text, the others as Python string literals
    (JSON's string escapes are a subset of Python's)."""
    host = urlsplit(choices.url).hostname
    literals = {
        "sitename": choices.name,
        "url": choices.url,
        "timezone": choices.timezone,
        "lang": choices.lang,
        # Feed ids: the site's host, and the month the site began (docs/feeds.md).
        "id_authority": host,
        "id_date": f"{today:%Y-%m}",
        "comments_url": f"https://comments.{host}/",
    }
    return {
        **{key: json.dumps(value, ensure_ascii=False) for key, value in literals.items()},
        "sitename_text": choices.name,
        "date": f"{today:%Y-%m-%d}",
        "version": commons_version(),
    }


def target_name(relative: Path) -> Path:
    parts = [
        "." + part.removeprefix(HIDDEN_PREFIX) if part.startswith(HIDDEN_PREFIX) else part
        for part in relative.parts
    ]
    return Path(*parts).with_name(parts[-1].removesuffix(TEMPLATE_SUFFIX))


def empty_folder(path: Path) -> None:
    """Create `path`, or accept it when it is an empty folder; refuse anything else."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise NewSiteError(f"{path} exists and is not a folder. Fix: choose another PATH.")
    if path.is_dir() and any(path.iterdir()):
        raise NewSiteError(
            f"{path} is not empty: a new site is written only into an empty or new folder. "
            "Fix: choose another PATH."
        )
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    except OSError as error:
        raise NewSiteError(f"{path} cannot be created ({error.strerror}).") from None


def write_site(path: Path, choices: SiteChoices, today: datetime.date) -> list[Path]:
    """Write the site into `path` (new or empty); returns the files written."""
    path = Path(path).absolute()
    empty_folder(path)
    values = template_values(choices, today)
    written = []
    for source in sorted(SITE_TEMPLATE_DIR.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(SITE_TEMPLATE_DIR)
        target = path / target_name(relative)
        target.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        text = source.read_text(encoding="utf-8")
        if source.name.endswith(TEMPLATE_SUFFIX):
            text = string.Template(text).substitute(values)
        mode = SCRIPT_MODE if os.access(source, os.X_OK) else FILE_MODE
        # "x": never over a file, which the empty folder rules out anyway.
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
        target.chmod(mode)
        written.append(target)
    return written


def run(arguments: argparse.Namespace) -> int:
    try:
        choices = checked_choices(
            arguments.path, arguments.name, arguments.url, arguments.timezone, arguments.lang
        )
        today = datetime.datetime.now(ZoneInfo(choices.timezone)).date()
        written = write_site(arguments.path, choices, today)
    except NewSiteError as error:
        print(f"ERROR  {error}", file=sys.stderr)
        return 1
    root = Path(arguments.path).absolute()
    print(terminal_safe(f"Wrote {len(written)} files into {root}. Next:"))
    print(terminal_safe(f"  cd {shlex.quote(str(root))}"))
    print("  commons serve      # build, and serve with the local comment server")
    return 0
