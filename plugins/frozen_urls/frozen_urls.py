"""Receiver that freezes content URLs after all generators have read their content."""

from __future__ import annotations

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator


def _contents(generator) -> list:
    if isinstance(generator, ArticlesGenerator):
        return [
            *generator.articles,
            *generator.translations,
            *generator.drafts,
            *generator.drafts_translations,
            *generator.hidden_articles,
            *generator.hidden_translations,
        ]
    if isinstance(generator, PagesGenerator):
        return [
            *generator.pages,
            *generator.translations,
            *generator.hidden_pages,
            *generator.hidden_translations,
            *generator.draft_pages,
            *generator.draft_translations,
        ]
    return []


def freeze_urls(generators) -> None:
    for generator in generators:
        for content in _contents(generator):
            # Read both before setting either: save_as is formatted on its own.
            url, save_as = content.url, content.save_as
            content.override_url = url
            content.override_save_as = save_as


def register():
    signals.all_generators_finalized.connect(freeze_urls)
