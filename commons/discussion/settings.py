"""The DISCUSSION setting: its schema, its defaults and its validation.

Validated once, when Pelican starts. Every error names the key, the provider
where it applies, and the values that are accepted, because several of these
mistakes (a giscus `lang` of " en") break the widget silently in the browser.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from string import Formatter

from commons.comments.snapshot import OFFLINE_ENV
from commons.identity import PAGE_RULE_FIELDS, RULE_FIELDS
from commons.settings import (
    ABSENT,
    URL,
    Boolean,
    Check,
    Choice,
    Float,
    Integer,
    Nested,
    Optional,
    Problem,
    Schema,
    String,
)

from .providers import PROVIDERS, SETTING

MODES = ("consent", "lazy", "eager")
REFRESH = ("changed", "missing", "all", "never")

# DISCUSSION['snapshot']: the comments each thread had when it was last fetched,
# rendered into the page (commons/comments/snapshot.py fetches, this plugin reads).
# Where the snapshot cache is, when set: it wins over DISCUSSION['snapshot']['cache_dir'].
CACHE_ENV = "COMMONS_COMMENTS_CACHE"

SNAPSHOT_SCHEMA = Schema(
    f"{SETTING}['snapshot']",
    {
        "enabled": Boolean(True, help="read (and fetch) comment snapshots"),
        # Relative to the folder that holds the content folder; git ignores
        # .cache/, so set another folder to commit the archive. It holds one
        # folder per comment server (commons.comments.snapshot.server_cache).
        # The tests give each build its own cache with COMMONS_COMMENTS_CACHE.
        "cache_dir": String(
            ".cache/comments",
            accepted="a folder path",
            env=CACHE_ENV,
            help=(
                "the snapshot cache's folder, relative to the folder that holds the content folder"
            ),
        ),
        # changed: fetch the threads the server says changed since their
        # snapshot, and those without one (one request, then one per thread);
        # missing: only threads without a snapshot; all: every thread again;
        # never: read the cache only.
        "refresh": Choice(
            REFRESH,
            "changed",
            help=(
                "`changed`: threads the server says changed and those with no snapshot; `missing`:"
                " only those with none; `all`: every thread; `never`: the cache only"
            ),
        ),
        "concurrency": Integer(
            4, minimum=1, maximum=64, help="requests to the comment server at once"
        ),
        "timeout": Float(
            10.0,
            minimum=0.1,
            check=lambda v: None if v <= 300 else "it is more than 300 seconds",
            accepted="a number of seconds from 0.1 to 300",
            help="seconds per request to the comment server",
        ),
        # Comments on the recent discussions page and in its feed (0: no page).
        "recent": Integer(
            30,
            minimum=0,
            maximum=1000,
            help="comments on the recent discussions page and in its feed; `0`: no page",
        ),
        # Ask the comment server nothing: `invoke check` and `publish --offline`
        # set COMMONS_COMMENTS_OFFLINE for the build they run.
        "offline": Boolean(
            False,
            env=OFFLINE_ENV,
            help="ask the comment server nothing (`invoke check` and `publish --offline` set it)",
        ),
    },
)

# DISCUSSION['webmention']: where the site says replies from other sites go
# (plugins/discussion/webmention.py advertises it in every page's head and in
# the security headers). On by default: Commons' comment server receives them
# (commons/webmention, docs/webmention.md). With a provider other than Isso,
# the site has no endpoint of its own unless `endpoint` names one.
WEBMENTION_SCHEMA = Schema(
    f"{SETTING}['webmention']",
    {
        "enabled": Boolean(
            True,
            help=(
                'advertise an endpoint: `<link rel="webmention">`, and the `Link` header when '
                "`SECURITY_HEADERS` writes headers"
            ),
        ),
        # `invoke publish` notifies the sites that new and changed posts link
        # (commons/webmention/send.py).
        "send": Boolean(
            True, help="`invoke publish` sends webmentions for the links of new and changed posts"
        ),
        "endpoint": Optional(
            URL(trailing_slash=False),
            none_means="the Isso server's /webmention; none with another provider",
            help=(
                "the endpoint's absolute http(s) URL; `None`: the Isso server's `webmention` path "
                "with the `isso` provider, none with any other"
            ),
        ),
    },
)

__all__ = ["COMMON_DEFAULTS", "MODES", "SCHEMA", "SETTING", "validate_settings"]


def _placeholders(allowed: set[str]):
    """A check: the text may use only these {placeholders}."""

    def check(value: str) -> str | None:
        try:
            fields = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as error:
            return f"{error}; write literal braces as {{{{ and }}}}"
        if fields - allowed:
            shown = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
            return f"it uses {sorted(fields - allowed)}; the placeholders it may use: {shown}"
        return None

    return check


def _thread_rule(allowed: tuple[str, ...]):
    """A check: the rule uses {slug}, only these fields, and formats without error."""
    placeholders = _placeholders(set(allowed))
    sample = {
        "slug": "a-post",
        "date": datetime(2011, 3, 7, 9, 0),
        "lang": "en",
        "category": "community",
        "author": "ana",
    }

    def check(value: str) -> str | None:
        problem = placeholders(value)
        if problem:
            return problem
        if "{slug" not in value:
            return "it does not use {slug}, so every post would share one thread"
        try:
            value.format(**sample)
        except (ValueError, KeyError, IndexError) as error:
            return f"it cannot be filled in ({error})"
        return None

    return check


def _active_provider(options: dict, settings) -> list[Problem] | None:
    """The provider in use always has its sub-dict, with its defaults, checked."""
    name = options["provider"]
    if name in options:
        return None
    provider = PROVIDERS[name]
    options[name], problems = provider.schema.collect({}, provider.schema.name, settings)
    return problems


def _custom_template(options: dict, settings) -> list[Problem] | None:
    """The `custom` provider's template must be where Pelican looks for templates."""
    custom = options.get("custom")
    if custom is None or "THEME" not in settings or options["provider"] != "custom":
        return None  # not in use, or validated without Pelican's settings
    template = custom["template"]
    folders = [*settings.get("THEME_TEMPLATES_OVERRIDES", [])]
    if settings.get("THEME"):
        folders.append(os.path.join(settings["THEME"], "templates"))
    if any(os.path.isfile(os.path.join(folder, template)) for folder in folders):
        return None
    return [
        Problem(
            f"{SETTING}['custom']['template']",
            template,
            "",
            "put the file in a folder listed in THEME_TEMPLATES_OVERRIDES, or correct the path",
            problem=f"is {template!r}, which is in none of the template folders "
            f"({', '.join(folders)})",
        )
    ]


SCHEMA = Schema(
    SETTING,
    {
        "provider": Choice(
            PROVIDERS,
            "isso",
            help=(
                "`isso`, `giscus`, `utterances`, `disqus`, `remark42`, `cusdis`, `comentario`, "
                "`custom`, or `none` (no service: the last snapshot, read-only)"
            ),
        ),
        "articles": Boolean(
            True, help="articles have a thread unless their front matter says `Comments: off`"
        ),
        "pages": Boolean(
            False,
            help=(
                "pages have a thread only when their front matter says `Comments: on` (when "
                "`true`: unless `off`)"
            ),
        ),
        "mode": Choice(
            MODES,
            "consent",
            help=(
                "`consent` (a notice and a button; nothing loads before the click), `lazy` (loads "
                "near the viewport), `eager` (loads with the page)"
            ),
        ),
        "consent_text": String(
            "Comments are hosted by {provider}. Load comments?",
            check=_placeholders({"provider"}),
            help="the notice; `{provider}` is replaced by the service's name and host",
        ),
        "closed_text": String(
            "The discussion on this post is closed.",
            check=_placeholders(set()),
            help="shown for `Comments: closed`",
        ),
        # The site-wide rule for a thread's id, when a post sets no Comments_id:
        # keep the ids an earlier comment service knows ("{slug}.html",
        # "/{date:%Y}/{date:%m}/{slug}/").
        "thread_id": String(
            "{slug}",
            check=_thread_rule(RULE_FIELDS),
            accepted="a format string with {slug}, and {date}, {lang}, {category}, {author}",
            help=(
                "the site-wide rule for a post's thread id when it sets no `Comments_id`: a format"
                " string over `{slug}` (required), `{date}` (with a format, `{date:%Y}`), "
                "`{lang}`, `{category}` and `{author}` (slugs). A blog whose threads an earlier "
                "Isso or Disqus keyed by path keeps them with, for example, "
                '`"/{date:%Y}/{date:%m}/{slug}/"` or `"{slug}.html"`; the WordPress and Disqus '
                "importers use the same rule"
            ),
        ),
        "page_thread_id": String(
            "pages/{slug}",
            check=_thread_rule(PAGE_RULE_FIELDS),
            accepted="a format string with {slug}, and {lang}, {category}, {author}",
            help="the same for pages (no `{date}`)",
        ),
        "remember": Boolean(
            True,
            help=(
                'offer "Load them without asking next time" (per provider, in `localStorage`) and '
                '"Ask me again"'
            ),
        ),
        "counts": Boolean(True, help="comment counts on listings, for providers with a count API"),
        "snapshot": Nested(
            SNAPSHOT_SCHEMA,
            SNAPSHOT_SCHEMA.defaults(),
            help="the comment snapshot (see [Comment snapshots](comment-snapshots.md))",
        ),
        "webmention": Nested(
            WEBMENTION_SCHEMA,
            WEBMENTION_SCHEMA.defaults(),
            help=(
                "the Webmention endpoint the pages and headers advertise (see [Webmention "
                "endpoint](discussion.md#webmention-endpoint))"
            ),
        ),
        # One sub-dict per provider, checked whenever the setting mentions it.
        **{
            name: Nested(
                provider.schema,
                ABSENT,
                accepted=provider.schema.accepted_phrase(),
                help=f"the settings of the {name} provider, required when it is `provider`",
            )
            for name, provider in PROVIDERS.items()
        },
    },
    checks=[
        Check(("provider",), _active_provider),
        Check(("provider", "custom"), _custom_template),
    ],
)
COMMON_DEFAULTS = SCHEMA.defaults()


def validate_settings(raw, site_lang: str = "en") -> dict:
    """DISCUSSION with defaults filled in, every sub-dict checked; or SettingsError.

    The result holds the common keys and one normalised sub-dict per provider
    that the setting mentions (the active one is always present).
    """
    return SCHEMA.validate(raw, {"DEFAULT_LANG": site_lang})


def snapshot_dir(settings: dict) -> Path:
    """The snapshot cache's root (one folder per server in it): a relative path is
    taken from the content folder's parent.

    The environment variable COMMONS_COMMENTS_CACHE, when set, wins (the
    option declares it): the tests give each build its own cache that way.
    """
    folder = Path(settings[SETTING]["snapshot"]["cache_dir"]).expanduser()
    if folder.is_absolute():
        return folder
    content = Path(settings.get("PATH") or os.getcwd()).resolve()
    return content.parent / folder
