"""Tag, category and author pages in linear time (plugins/taxonomy_index): same site."""

from __future__ import annotations

from bench.corpus import write_corpus
from plugins.taxonomy_index.taxonomy_index import IndexedPosts
from tests.conftest import site_files

SMALL_PAGES = {"DEFAULT_PAGINATION": 3, "SEARCH": {"enabled": False}}


def test_the_site_is_byte_identical_with_and_without_the_index(tmp_path, build):
    content = tmp_path / "content"
    write_corpus(40, seed=5, out=content)
    indexed = site_files(build(content=content, overrides=SMALL_PAGES))
    plain = site_files(
        build(content=content, overrides={**SMALL_PAGES, "TAXONOMY_INDEX": {"enabled": False}})
    )
    assert sorted(indexed) == sorted(plain)
    assert [name for name in indexed if indexed[name] != plain[name]] == []
    # Tag, category and author pages (and their second pages) were written.
    for kind in ("tag", "category", "author"):
        assert any(name.startswith(f"{kind}/") and "/page/2/" in name for name in indexed)


class Post:
    """A post that counts how often it is compared, as list scans compare."""

    comparisons = 0

    def __eq__(self, other):
        Post.comparisons += 1
        return self is other

    __hash__ = object.__hash__


def test_membership_is_by_identity_without_scanning():
    site = [Post() for _ in range(2000)]
    label = IndexedPosts(site[::3])
    Post.comparisons = 0
    kept = [post for post in site if post in label]
    assert kept == site[::3]
    assert Post.comparisons == 0
    # What Pelican's plain list does for the same answer.
    plain = list(site[::3])
    assert [post for post in site if post in plain] == kept
    assert Post.comparisons > len(site) * len(plain) // 4
