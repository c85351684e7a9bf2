"""Each tag's, category's and author's list of posts, with a membership test by set.

To write a tag page, Pelican 4.12 keeps the site's posts that are in the tag's
list: `[a for a in self.dates if a in articles]`, one list scan per post, so
each label costs (posts on the site) x (posts with that label), and the
site's labels together grow with the square of its size (at 20,000 posts,
about two billion comparisons). Posts compare by identity, so the same test
by identity in a set gives the same answer; this plugin gives every label's
list that test, after the posts' generator has made them. The lists keep
their items and order, so every page is the same.
"""

from __future__ import annotations

from pelican import signals

from commons.settings import Boolean, Schema, install

SETTING = "TAXONOMY_INDEX"
SCHEMA = Schema(
    SETTING,
    {"enabled": Boolean(True, help="index the labels' lists; `False` leaves Pelican's own")},
)


class IndexedPosts(list):
    """A label's posts: a list whose `in` is a set lookup by identity."""

    def __init__(self, posts):
        super().__init__(posts)
        self._ids = frozenset(id(post) for post in self)

    def __contains__(self, post) -> bool:
        # Only answered from the set while the list is as it was made.
        if len(self) != len(self._ids):
            return super().__contains__(post)
        return id(post) in self._ids


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def index_labels(generator) -> None:
    if not generator.settings[SETTING]["enabled"]:
        return
    for tag, posts in list(generator.tags.items()):
        generator.tags[tag] = IndexedPosts(posts)
    # Categories and authors are lists of (label, posts) that the context
    # shares: replaced in place.
    for name in ("categories", "authors"):
        pairs = getattr(generator, name)
        pairs[:] = [(label, IndexedPosts(posts)) for label, posts in pairs]


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(index_labels)
