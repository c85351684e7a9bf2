"""Pelican receivers: validate DISCUSSION at start, give every post its `discussion`."""

from __future__ import annotations

import logging
import os

from jinja2 import pass_context
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from commons.settings import install

from .identity import ID_FIELD, ThreadError, discussion_for, post_url, thread_key
from .markup import json_for_script
from .providers import script_config
from .settings import SCHEMA, SETTING

logger = logging.getLogger(__name__)


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

    def reset(self, *_args) -> None:
        self.pages.clear()

    @pass_context
    def __call__(self, context) -> bool:
        page = context.get("output_file") or ""
        if page in self.pages:
            return False
        self.pages.add(page)
        return True


assets_once = AssetsOncePerPage()


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
        "discussion_assets_once": assets_once,
        "discussion_counts_in": counts_in,
        "discussion_config_json": json_for_script(script_config(config)),
    }


def _source(content, settings: dict) -> str:
    path = content.source_path or "<unknown file>"
    root = settings.get("PATH") or os.getcwd()
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return path


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
            url=post_url(settings.get("SITEURL", ""), content.url),
            is_page=is_page,
            source=_source(content, settings),
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
    source = _source(content, settings)
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
    for content in [
        *_posts(generator),
        *generator.translations,
        *generator.drafts_translations,
        *getattr(generator, "hidden_translations", []),
    ]:
        attach(content, generator.settings, is_page=False)


def on_pages(generator) -> None:
    for content in [
        *_pages(generator),
        *generator.translations,
        *generator.hidden_translations,
        *generator.draft_translations,
    ]:
        attach(content, generator.settings, is_page=True)


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


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(on_articles)
    signals.page_generator_finalized.connect(on_pages)
    signals.all_generators_finalized.connect(check_threads)
    signals.all_generators_finalized.connect(assets_once.reset)
