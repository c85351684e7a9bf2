"""Receivers for the SECURITY_HEADERS setting."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
from html import escape
from pathlib import Path

from lxml import html
from pelican import signals

from commons.config import validate
from commons.discussion.providers import form_origins, provider_origins
from commons.layout import plugin_listed, plugin_module
from commons.settings import (
    Boolean,
    Choice,
    DictOf,
    Integer,
    ListOf,
    Pattern,
    Schema,
    String,
    install,
)

logger = logging.getLogger(__name__)

SETTING = "SECURITY_HEADERS"
DIRECTIVES = ("script", "style", "img", "connect", "frame", "font", "media")
# A CSP source: no spaces, semicolons, commas, quotes or line breaks.
SOURCE = Pattern(
    r"[^\s;,'\"]+",
    "an origin such as 'https://media.example.org' (no spaces, semicolons or commas)",
)
SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(False, help="write the two files"),
        "headers_file": String("_headers", help="the Netlify/Cloudflare file name"),
        "nginx_file": String("nginx-security-headers.conf", help="the nginx snippet's file name"),
        "referrer_policy": String(
            "strict-origin-when-cross-origin", help="the `Referrer-Policy` header's value"
        ),
        # Strict-Transport-Security for an https SITEURL: browsers that have
        # seen the site once never ask for it over plain http again. 0: none.
        "hsts_max_age": Integer(
            31_536_000,
            minimum=0,
            fix="use the default, 31_536_000 (a year), or 0 for none",
            help="`Strict-Transport-Security`'s max-age for an https site; `0`: none",
        ),
        "permissions_policy": String(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
            help="the `Permissions-Policy` header's value",
        ),
        "extra_sources": DictOf(
            ListOf(SOURCE, accepted="a list of origins such as 'https://media.example.org'"),
            {},
            keys=Choice(DIRECTIVES),
            accepted=f"a dict mapping some of {list(DIRECTIVES)} to lists of origins such as "
            "'https://media.example.org' (no spaces, semicolons or commas)",
            help='more sources per directive, e.g. `{"img": ["https://media.example.org"]}`',
        ),
    },
)
DEFAULTS = SCHEMA.defaults()
# Publishing methods whose host takes no headers file: the policy goes into
# every page as a <meta> element instead (commons/publish.py has the methods).
HEADERLESS_PUBLISH_METHODS = {"gh-pages"}
META_IGNORED_DIRECTIVES = {"frame-ancestors", "report-uri", "sandbox"}
# Where the <meta> policy goes: after the charset declaration (which must
# stay in the first 1,024 bytes), else the head's start tag, else the doctype.
CHARSET_META = re.compile(rb"<meta\s+charset\b[^>]*>", re.IGNORECASE)
HEAD_START_TAG = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
DOCTYPE = re.compile(rb"<!doctype[^>]*>", re.IGNORECASE)
# Scripts the browser does not execute need no hash.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


# A page needs parsing only when one of its script start tags may open an
# inline script: one with neither a src attribute nor a data type. The test
# errs towards parsing (an attribute value holding ">" ends the match early
# and the page is parsed), so no executable inline script is ever skipped.
SCRIPT_START_TAG = re.compile(rb"<script\b([^>]*)>", re.IGNORECASE)
INERT_SCRIPT_ATTRIBUTE = re.compile(
    rb"""\s(?:src\s*=|type\s*=\s*["']?application/(?:ld\+)?json["'\s])""", re.IGNORECASE
)


def may_hold_inline_script(page: bytes) -> bool:
    return any(
        not INERT_SCRIPT_ATTRIBUTE.search(tag.group(1) + b" ")
        for tag in SCRIPT_START_TAG.finditer(page)
    )


def html_pages(output: Path):
    """Every name under `output` that ends in .html, as Path.rglob("*.html") finds them.

    os.walk and plain strings, without a path object per file and folder:
    like rglob, it does not follow a link to a folder, and names what it
    finds whether file, link or folder.
    """
    for folder, folders, files in os.walk(output):
        for name in (*folders, *files):
            if name.endswith(".html"):
                yield os.path.join(folder, name)


def inline_script_hashes(output: Path) -> list[str]:
    """CSP hashes of every inline script the site's pages execute."""
    hashes = set()
    for page in html_pages(output):
        with open(page, "rb") as file:
            source = file.read()
        if not may_hold_inline_script(source):
            continue  # only external scripts and data blocks: nothing to hash
        for script in html.fromstring(source).iter("script"):
            kind = (script.get("type") or "").strip().lower()
            if script.get("src") or kind in DATA_SCRIPT_TYPES or not script.text:
                continue
            digest = hashlib.sha256(script.text.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(hashes)


def discussion_origins(settings: dict) -> dict[str, list[str]]:
    """The comment provider's origins, from the discussion plugin when it is in use."""
    if not plugin_listed(settings, "discussion"):
        return {}
    config = settings["DISCUSSION"]
    return {**provider_origins(config), "form": form_origins(config)}


def webmention_link(settings: dict) -> str:
    """The `Link` header advertising the Webmention endpoint, or "" when there is none."""
    if not plugin_listed(settings, "discussion"):
        return ""
    webmention = plugin_module("discussion", "webmention")
    endpoint = webmention.endpoint_url(settings["DISCUSSION"])
    return webmention.link_header(endpoint) if endpoint else ""


def content_security_policy(
    provider: dict[str, list[str]], extra: dict[str, list[str]], script_hashes: list[str]
) -> str:
    def sources(kind: str, *own: str) -> str:
        found = [*own, *provider.get(kind, []), *extra.get(kind, [])]
        return " ".join(dict.fromkeys(found))

    self_ = "'self'"
    directives = [
        "default-src 'self'",
        # wasm-unsafe-eval: the Pagefind search runs WebAssembly, nothing else.
        "script-src " + sources("script", self_, "'wasm-unsafe-eval'", *script_hashes),
        "style-src " + sources("style", self_),
        *(
            # Comment widgets write style="…" attributes on what they render
            # (Isso does on every comment). This allows those attributes only:
            # no <style> element, no inline script.
            ["style-src-attr 'unsafe-inline'"] if provider else []
        ),
        "img-src " + sources("img", self_, "data:"),
        "connect-src " + sources("connect", self_),
        "font-src " + sources("font", self_),
        "media-src " + sources("media", self_),
        "frame-src " + (sources("frame") or "'none'"),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action " + sources("form", self_),
        "frame-ancestors 'self'",
    ]
    return "; ".join(directives)


def security_headers(settings: dict, output: Path) -> dict[str, str]:
    options = settings[SETTING]
    policy = content_security_policy(
        discussion_origins(settings), options["extra_sources"], inline_script_hashes(output)
    )
    headers = {
        "Content-Security-Policy": policy,
        "Referrer-Policy": options["referrer_policy"],
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": options["permissions_policy"],
    }
    link = webmention_link(settings)
    if link:
        headers["Link"] = link
    if str(settings.get("SITEURL") or "").startswith("https://") and options["hsts_max_age"]:
        headers["Strict-Transport-Security"] = f"max-age={options['hsts_max_age']}"
    return headers


def meta_policy(policy: str) -> str:
    """The policy without the directives a <meta> policy may not carry (browsers
    ignore frame-ancestors, report-uri and sandbox there, with a console error)."""
    kept = [
        directive
        for directive in (part.strip() for part in policy.split(";"))
        if directive and directive.split()[0].lower() not in META_IGNORED_DIRECTIVES
    ]
    return "; ".join(kept)


def add_meta_policy(page: bytes, policy: str) -> bytes:
    """`page` with `<meta http-equiv="Content-Security-Policy">` at the top of
    its head, before any script: a meta policy covers only what comes after it."""
    tag = (
        f'<meta http-equiv="Content-Security-Policy" content="{escape(policy, quote=True)}">'
    ).encode()
    for opening in (CHARSET_META, HEAD_START_TAG, DOCTYPE):
        found = opening.search(page)
        if found:
            return page[: found.end()] + tag + page[found.end() :]
    return tag + page


def headers_cannot_be_set(settings: dict) -> bool:
    """True when the site is published where no response header can be set (GitHub Pages)."""
    publish = validate(settings, only=("PUBLISH",)).settings["PUBLISH"]
    return publish["method"] in HEADERLESS_PUBLISH_METHODS


def netlify_headers(headers: dict[str, str]) -> str:
    lines = ["/*", *(f"  {name}: {value}" for name, value in headers.items())]
    return "\n".join(lines) + "\n"


def nginx_string(value: str) -> str:
    """`value` as a double-quoted nginx string: backslashes and quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_snippet(headers: dict[str, str]) -> str:
    lines = ["# Include inside the site's server block: include <this file>;"]
    lines += [f"add_header {name} {nginx_string(value)} always;" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def write_headers(pelican) -> None:
    options = pelican.settings[SETTING]
    if not options["enabled"]:
        return
    output = Path(pelican.output_path)
    headers = security_headers(pelican.settings, output)
    (output / options["headers_file"]).write_text(netlify_headers(headers), encoding="utf-8")
    (output / options["nginx_file"]).write_text(nginx_snippet(headers), encoding="utf-8")
    if headers_cannot_be_set(pelican.settings):
        policy = meta_policy(headers["Content-Security-Policy"])
        for page in output.rglob("*.html"):
            page.write_bytes(add_meta_policy(page.read_bytes(), policy))
        logger.info("Added the Content-Security-Policy to every page as a <meta> element")
    logger.info(
        "Wrote security headers to %s and %s", options["headers_file"], options["nginx_file"]
    )


def register():
    signals.initialized.connect(check_settings)
    signals.finalized.connect(write_headers)
