"""Every post or page a Pelican generator holds, whatever its status or language.

The checks that must see all content (drafts and hidden posts, translations)
ask for it here rather than listing the generator's attributes each time.
"""

from __future__ import annotations


def every_article(generator) -> list:
    """The articles generator's posts: published, drafts, hidden, and their translations."""
    return [
        *generator.articles,
        *generator.translations,
        *generator.drafts,
        *generator.drafts_translations,
        *generator.hidden_articles,
        *generator.hidden_translations,
    ]


def every_page(generator) -> list:
    """The pages generator's pages: published, hidden, drafts, and their translations."""
    return [
        *generator.pages,
        *generator.translations,
        *generator.hidden_pages,
        *generator.hidden_translations,
        *generator.draft_pages,
        *generator.draft_translations,
    ]


def every_content(generator) -> list:
    """Every post or page of an articles or pages generator; [] for any other generator."""
    from pelican.generators import ArticlesGenerator, PagesGenerator

    if isinstance(generator, ArticlesGenerator):
        return every_article(generator)
    if isinstance(generator, PagesGenerator):
        return every_page(generator)
    return []


def newest_first(article) -> tuple:
    """ARTICLE_ORDER_BY's key: the newest post first, posts of the same date by their
    source path. Pelican's own "reversed-date" keeps such posts in the order the file
    system listed their files, which differs between two copies of the same content."""
    return (-article.date.timestamp(), article.source_path or "")
