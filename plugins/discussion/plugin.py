"""Pelican receivers: validate DISCUSSION at start, give every post its `discussion`."""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path

from jinja2 import pass_context
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from commons.content_signals import content_reread
from commons.contents import every_article, every_page
from commons.discussion.providers import count_script_config, script_config
from commons.discussion.settings import SCHEMA, SETTING, snapshot_dir
from commons.identity import ID_FIELD, ThreadError, rule_fields, thread_key
from commons.paths import source_name
from commons.settings import install
from commons.urls import absolute_url

from .identity import discussion_for
from .snapshot import Renderer, build_snapshot, recent_comments
from .webmention import endpoint_url

logger = logging.getLogger(__name__)
RECENT_URL = "discussions/"
RECENT_SAVE_AS = "discussions/index.html"
RECENT_FEED = "feeds/discussions.atom.xml"


class DuplicateThreadError(ThreadError):
    """Two posts would share one thread."""


def _fail(error: Exception) -> Exception:
    # Pelican reports an exception raised in a receiver with a traceback; log
    # the sentence an editor needs first, so it is the line they read.
    logger.error("%s", error)
    return error


class AssetsOncePerPage:
    """A Jinja global: true the first time a page asks, so the discussion script
    and its configuration are emitted once per page however many partials
    (the thread, the count slots of a listing) want them."""

    def __init__(self):
        self.pages: set[str] = set()

    def reset(self) -> None:
        self.pages.clear()

    @pass_context
    def __call__(self, context) -> bool:
        page = context.get("output_file") or ""
        if page in self.pages:
            return False
        self.pages.add(page)
        return True


ASSETS_ONCE = "discussion_assets_once"


def counts_in(posts) -> bool:
    """A Jinja global: whether any post of a listing has a comment count to fill in."""
    for post in posts or ():
        thread = getattr(post, "discussion", None)
        if thread is not None and thread.enabled and thread.counts:
            return True
    return False


def check_settings(pelican) -> None:
    settings = pelican.settings
    config = install(settings, SCHEMA)
    settings["JINJA_GLOBALS"] = {
        **settings.get("JINJA_GLOBALS", {}),
        # One per build: the pages it has seen are this build's.
        ASSETS_ONCE: AssetsOncePerPage(),
        "discussion_counts_in": counts_in,
        # The theme writes it with Jinja's `tojson`, escaped for a script element.
        "discussion_config": script_config(config),
        # The same for a listing's counts (partials/discussion_count_assets.html).
        "discussion_count_config": count_script_config(config),
        # base.html's <link rel="webmention">; "" when the site has no endpoint.
        "webmention_endpoint": endpoint_url(config),
    }


def attach(content, settings: dict, is_page: bool) -> None:
    # The generator's settings, not content.settings: with Pelican's
    # CONTENT_CACHING_LAYER = "generator", a post loaded from the content cache
    # is the pickled object, holding the settings of the build that cached it.
    # (Commons keeps Pelican's default, "reader": posts are made afresh.)
    try:
        content.discussion = discussion_for(
            config=settings[SETTING],
            metadata=content.metadata,
            slug=content.slug,
            title=content.title,
            # Absolute when SITEURL is, else site-relative ('/2011/03/slug/').
            url=absolute_url(settings.get("SITEURL", ""), content.url),
            is_page=is_page,
            source=source_name(content.source_path, settings.get("PATH")),
            fields=rule_fields(content, is_page),
        )
    except ThreadError as error:
        raise _fail(error) from None


def _check_unique(content, settings: dict, seen: dict) -> None:
    """Refuse a second post whose thread id names a thread another post has.

    `seen` maps each thread's key (identity.thread_key: `shared`, `/shared` and
    `//shared` are one) to the post and the id that took it, for one build.
    """
    thread = content.discussion
    if not thread.enabled:
        return
    source = source_name(content.source_path, settings.get("PATH"))
    key = thread_key(thread.thread_id)
    other = seen.setdefault(key, (source, thread.thread_id))
    if other[0] == source:
        return
    same = "" if other[1] == thread.thread_id else f", written {other[1]!r} there,"
    raise _fail(
        DuplicateThreadError(
            source,
            ID_FIELD,
            f"gives the thread id {thread.thread_id!r}, which is the thread {key!r}{same} "
            f"already used by {other[0]}",
            "give one of them its own `Comments_id:`",
        )
    )


def on_articles(generator) -> None:
    # Runs on every build for every post, however it was read: with
    # CONTENT_CACHING_LAYER = "generator", content_object_init does not fire
    # for posts taken whole from Pelican's content cache; this signal does.
    for content in every_article(generator):
        attach(content, generator.settings, is_page=False)


def on_pages(generator) -> None:
    for content in every_page(generator):
        attach(content, generator.settings, is_page=True)


def on_reread(content, generator) -> None:
    """The preview read one post again (commons/content_signals.py): its thread names its title."""
    attach(content, generator.settings, is_page=isinstance(generator, PagesGenerator))


def _posts(generator) -> list:
    return [*generator.articles, *generator.drafts, *getattr(generator, "hidden_articles", [])]


def _pages(generator) -> list:
    return [*generator.pages, *generator.hidden_pages, *generator.draft_pages]


def check_threads(generators) -> None:
    """One thread per post across posts and pages (translations share theirs)."""
    seen: dict = {}
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            contents = _posts(generator)
        elif isinstance(generator, PagesGenerator):
            contents = _pages(generator)
        else:
            continue
        for content in contents:
            if getattr(content, "discussion", None) is not None:
                _check_unique(content, generator.settings, seen)


def archive_server(config: dict) -> str | None:
    """The provider whose server's snapshots a build shows: the one in use, or,
    for a provider that cannot be snapshotted (`none`: a site that left its
    comment service), the snapshot-able one whose sub-dict the setting keeps."""
    from commons.comments.snapshot import can_snapshot

    provider = config["provider"]
    if can_snapshot(provider):
        return provider
    kept = [name for name in config if can_snapshot(name) and isinstance(config[name], dict)]
    return kept[0] if kept else None


def _threads(generators) -> list:
    """Every article and page with a thread, in a stable order."""
    found = []
    for generator in generators:
        for name in (
            "articles",
            "translations",
            "drafts",
            "drafts_translations",
            "hidden_articles",
            "hidden_translations",
            "pages",
            "hidden_pages",
            "draft_pages",
            "draft_translations",
        ):
            for content in getattr(generator, name, None) or []:
                thread = getattr(content, "discussion", None)
                if thread is not None and thread.enabled:
                    found.append(content)
    return found


def attach_snapshots(generators) -> None:
    """Fetch the threads `refresh` asks for (default: those that changed on the
    server), then give each thread its snapshot.

    Runs once every post has its thread and before anything is rendered. A
    comment server that does not answer leaves the cache as it is: the build
    goes on with what the cache holds and prints one line saying so.
    """
    from commons.comments.snapshot import (
        ThreadRef,
        can_snapshot,
        fetch_threads,
        read_thread,
        server_cache,
        server_name,
    )

    if not generators:
        return
    settings = generators[0].settings
    config = settings[SETTING]
    options = config["snapshot"]
    if not options["enabled"]:
        return
    contents = _threads(generators)
    provider = config["provider"]
    archive = archive_server(config)
    # Only the snapshots of the server the settings name: a production build
    # never shows the local preview's comments, nor the reverse.
    cache = server_cache(snapshot_dir(settings), archive, config[archive]) if archive else None
    if options["refresh"] != "never" and not options["offline"] and can_snapshot(provider):
        refs = {c.discussion.thread_id: c.discussion.url for c in contents}
        report = fetch_threads(
            cache,
            provider,
            config[provider],
            [ThreadRef(thread_id, url) for thread_id, url in sorted(refs.items())],
            refresh=options["refresh"],
            concurrency=options["concurrency"],
            timeout=options["timeout"],
        )
        line = report.line(server_name(provider, config[provider]))
        if line:
            # A line, not a warning: builds run with warnings fatal, and a
            # comment server that is down must not stop the site from building.
            sys.stderr.write(line + "\n")
    renderer = Renderer(settings.get("DEFAULT_DATE_FORMAT") or "%Y-%m-%d")
    built: dict[str, object] = {}
    for content in contents:
        thread = content.discussion
        if thread.thread_id not in built:
            data = read_thread(cache, thread.thread_id) if cache else None
            built[thread.thread_id] = build_snapshot(data, renderer) if data else None
        snapshot = built[thread.thread_id]
        if snapshot is not None:
            content.discussion = dataclasses.replace(thread, snapshot=snapshot)
    listed = [
        article
        for generator in generators
        for article in getattr(generator, "articles", None) or []
    ]
    recent = recent_comments(listed, options["recent"])
    context = generators[0].context
    context["discussion_recent"] = recent
    # A page only where there is a snapshot to show (not for giscus and the
    # other providers that cannot be snapshotted).
    has_snapshots = any(snapshot is not None for snapshot in built.values())
    context["discussion_recent_url"] = RECENT_URL if options["recent"] and has_snapshots else ""
    context["discussion_recent_feed"] = RECENT_FEED if options["recent"] and recent else ""


def reset_assets_once(generators) -> None:
    """Forget the pages seen while the context was made: rendering starts now."""
    if generators:
        generators[0].settings["JINJA_GLOBALS"][ASSETS_ONCE].reset()


def write_recent(generator, writer) -> None:
    """The recent discussions page and its Atom feed, from the snapshot."""
    from .recent import recent_feed

    context = generator.context
    if not context.get("discussion_recent_url"):
        return
    writer.write_file(
        RECENT_SAVE_AS,
        generator.get_template("discussions"),
        context,
        relative_urls=generator.settings.get("RELATIVE_URLS"),
        url=RECENT_URL,
    )
    if context.get("discussion_recent_feed"):
        target = Path(writer.output_path) / RECENT_FEED
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(recent_feed(context["discussion_recent"], generator.settings))


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(on_articles)
    content_reread.connect(on_reread)
    signals.page_generator_finalized.connect(on_pages)
    signals.all_generators_finalized.connect(check_threads)
    signals.all_generators_finalized.connect(attach_snapshots)
    signals.article_writer_finalized.connect(write_recent)
    signals.all_generators_finalized.connect(reset_assets_once)
