"""Pelican receivers: validate DISCUSSION at start, give every post its `discussion`."""

from __future__ import annotations

import logging
import os

from jinja2 import pass_context
from pelican import signals

from commons.settings import install

from .identity import ThreadError, discussion_for, post_url
from .markup import json_for_script
from .providers import script_config
from .settings import SCHEMA, SETTING

logger = logging.getLogger(__name__)


class DuplicateThreadError(ValueError):
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


def _attach_all(contents, settings: dict, is_page: bool) -> None:
    seen: dict[str, str] = {}
    for content in contents:
        attach(content, settings, is_page)
        thread = content.discussion
        if not thread.enabled:
            continue
        source = _source(content, settings)
        if thread.thread_id in seen and seen[thread.thread_id] != source:
            raise _fail(
                DuplicateThreadError(
                    f"{source}: thread id {thread.thread_id!r} is already used by "
                    f"{seen[thread.thread_id]}. Fix: give one of them its own `Comments_id:`"
                )
            )
        seen[thread.thread_id] = source


def on_articles(generator) -> None:
    # Runs on every build for every post, however it was read: with
    # CONTENT_CACHING_LAYER = "generator", content_object_init does not fire
    # for posts taken whole from Pelican's content cache; this signal does.
    settings = generator.settings
    _attach_all(
        [*generator.articles, *generator.drafts, *getattr(generator, "hidden_articles", [])],
        settings,
        is_page=False,
    )
    for content in [
        *generator.translations,
        *generator.drafts_translations,
        *getattr(generator, "hidden_translations", []),
    ]:
        attach(content, settings, is_page=False)


def on_pages(generator) -> None:
    settings = generator.settings
    pages = [*generator.pages, *generator.hidden_pages, *generator.draft_pages]
    _attach_all(pages, settings, is_page=True)
    for content in [
        *generator.translations,
        *generator.hidden_translations,
        *generator.draft_translations,
    ]:
        attach(content, settings, is_page=True)


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(on_articles)
    signals.page_generator_finalized.connect(on_pages)
    signals.all_generators_finalized.connect(assets_once.reset)
