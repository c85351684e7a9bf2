"""The search index in shards: every post once, balanced bundles, indexed while
Pelican writes, and no Pagefind left behind by a build that fails."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from pelican.generators import ArticlesGenerator

from commons import DEV_SETTINGS, REPO_ROOT
from commons.build import BuildError, build_site, pelican_command
from commons.settings import SettingsError
from plugins.search import plugin
from plugins.search.plugin import SCHEMA, SiteSearch
from plugins.search.shards import IndexRun, plan_shards
from tests.conftest import SAMPLE_CONTENT, copy_content

SAMPLE_URL = "/2011/03/sharing-your-work-and-coworking-to-share/"
# One word per post that no other post has, so a search finds exactly that post.
ANIMALS = ["wombat", "narwhal", "axolotl", "pangolin", "okapi", "quokka", "tapir"]
SHARDED = {"SEARCH": {"pages_per_bundle": 2}}


def post_url(number: int) -> str:
    return f"/2020/01/shard-post-{number}/"


def write_posts(content: Path, count: int = len(ANIMALS)) -> Path:
    """`count` more posts in January 2020, post N mentioning ANIMALS[N - 1]."""
    for number, animal in enumerate(ANIMALS[:count], start=1):
        (content / f"shard-post-{number}.md").write_text(
            f"Title: Shard post {number}\nDate: 2020-01-{number:02d} 10:00\n"
            f"Category: Community\nSlug: shard-post-{number}\n\n"
            f"Our members met a {animal} at the open house, and every shard "
            "keeps its own index of that.\n",
            encoding="utf-8",
        )
    return content


def sharded_content(folder: Path) -> Path:
    """The real content (the sample post, the about page) and seven posts: nine pages."""
    return write_posts(copy_content(folder))


def bundles(output: Path) -> list[Path]:
    """The bundles shards.json lists, first to last."""
    root = output / "pagefind"
    manifest = json.loads((root / "shards.json").read_text(encoding="utf-8"))
    return [root / entry for entry in manifest["bundles"]]


def bundle_pages(bundle: Path) -> dict[str, dict]:
    """One bundle's fragments (one per page): URL -> {"meta": ..., "content": ...}."""
    pages = {}
    for fragment in (bundle / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        record = json.loads(data[data.index(b"{") :])  # after Pagefind's signature
        pages[record["url"]] = record
    return pages


@pytest.mark.parametrize("value", [0, -5, 2.5, "1000", True, None])
def test_pages_per_bundle_must_be_a_positive_whole_number(value):
    with pytest.raises(SettingsError, match=r"pages_per_bundle.*1 or more, such as 1000"):
        SCHEMA.validate({"pages_per_bundle": value}, {"DIRECT_TEMPLATES": ["search"]})


def test_pages_per_bundle_defaults_to_a_thousand_and_takes_any_positive_count():
    settings = {"DIRECT_TEMPLATES": ["search"]}
    assert SCHEMA.validate({}, settings)["pages_per_bundle"] == 1000
    assert SCHEMA.validate({"pages_per_bundle": 1}, settings)["pages_per_bundle"] == 1


def test_a_bad_pages_per_bundle_stops_the_build_naming_the_key(tmp_path):
    with pytest.raises(BuildError) as failure:
        build_site(
            tmp_path / "output",
            content=SAMPLE_CONTENT,
            overrides={"SEARCH": {"pages_per_bundle": 0}},
        )
    assert "SEARCH['pages_per_bundle'] is 0" in str(failure.value)


@pytest.mark.parametrize(
    ("count", "size", "sizes"),
    [
        (0, 1000, [0]),
        (1, 1000, [1]),
        (1000, 1000, [1000]),
        (1001, 1000, [501, 500]),
        (9, 2, [2, 2, 2, 2, 1]),
        (5001, 1000, [834, 834, 834, 833, 833, 833]),
    ],
)
def test_shards_are_balanced_and_cut_from_sorted_paths(count, size, sizes):
    paths = [f"{number:05d}/index.html" for number in range(count)]
    shards = plan_shards(list(reversed(paths)), size)
    assert [len(shard) for shard in shards] == sizes
    assert len(shards) == max(1, math.ceil(count / size))
    assert [path for shard in shards for path in shard] == paths


def test_every_post_and_page_is_indexed_once_across_balanced_shards(tmp_path, build):
    content = sharded_content(tmp_path / "content")
    (content / "secret.md").write_text(
        "Title: Secret Plans\nDate: 2020-02-01\nStatus: draft\nCategory: Community\n\n"
        "A wombat in a draft.\n",
        encoding="utf-8",
    )
    (content / "pages" / "hidden.md").write_text(
        "Title: Hidden Page\nStatus: hidden\n\nAn unlisted narwhal.\n", encoding="utf-8"
    )
    output = build(content=content, overrides=SHARDED)

    found = bundles(output)
    assert found[0] == output / "pagefind"
    assert found[1:] == [output / "pagefind" / "shards" / str(n) for n in range(2, 6)]
    per_bundle = [bundle_pages(bundle) for bundle in found]
    # Nine pages, at most two a bundle: five bundles of 2, 2, 2, 2 and 1.
    assert [len(pages) for pages in per_bundle] == [2, 2, 2, 2, 1]
    urls = [url for pages in per_bundle for url in sorted(pages)]
    expected = [SAMPLE_URL, *map(post_url, range(1, 8)), "/about/"]
    assert urls == sorted(urls)  # shards follow the sorted paths
    assert sorted(urls) == sorted(expected)  # each once: no listing, draft or hidden page
    assert per_bundle[1][post_url(2)]["meta"]["title"] == "Shard post 2"
    assert "narwhal" in per_bundle[1][post_url(2)]["content"]
    # The first bundle is a whole Pagefind bundle; the others only what mergeIndex reads.
    assert (output / "pagefind" / "pagefind.js").is_file()
    for bundle in found[1:]:
        assert (bundle / "pagefind-entry.json").is_file()
        assert not (bundle / "pagefind.js").exists()
        assert not list(bundle.glob("wasm.*"))
    assert (output / "drafts" / "secret-plans" / "index.html").is_file()


def test_a_small_site_keeps_a_single_bundle(built_site):
    assert bundles(built_site) == [built_site / "pagefind"]
    assert not (built_site / "pagefind" / "shards").exists()


def verbose_build(tmp_path: Path, content: Path, overrides: dict) -> subprocess.CompletedProcess:
    """A build logging Pelican's INFO messages too (one "Writing …" line per file).

    Pelican's plain handler shows warnings only, so this one uses its rich
    handler, wide enough never to wrap a line; temporary files go to
    tmp_path/tmp, where the test can look for leftovers.
    """
    command = pelican_command(DEV_SETTINGS, tmp_path / "output", content, overrides)
    return subprocess.run(
        [*command, "--log-handler", "rich", "--verbose"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp"), "COLUMNS": "1000"},
        check=False,
    )


def test_pagefind_indexes_finished_shards_while_pelican_is_still_writing(tmp_path):
    (tmp_path / "tmp").mkdir()
    content = sharded_content(tmp_path / "content")
    overrides = {**SHARDED, "CACHE_PATH": str(tmp_path / "cache")}
    completed = verbose_build(tmp_path, content, overrides)
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = (completed.stdout + completed.stderr).splitlines()

    def first(pattern: str) -> int:
        return next(n for n, line in enumerate(lines) if re.search(pattern, line))

    def last(pattern: str) -> int:
        return max(n for n, line in enumerate(lines) if re.search(pattern, line))

    started = [n for n, line in enumerate(lines) if "Pagefind started on shard" in line]
    assert len(started) == 5
    finalized = first(r"Search: the site is written")
    # Listings were still to be written when Pagefind began: indexing
    # overlaps the writing instead of following it.
    assert started[0] < last(r"Writing .*/category/") < finalized
    # The about page is written before the posts (plugin.write_pages_first).
    assert last(r"Writing .*/about/index\.html") < first(r"Writing .*/shard-post-\d/index\.html")
    # Every shard was complete, and queued, before `finalized`; and, since
    # Pelican writes the pages (About) before the posts, before the first
    # listing too: nothing is left for Pagefind to start once writing ends.
    assert re.search(r"5 of 5 shards were already queued", lines[finalized])
    queued = [n for n, line in enumerate(lines) if re.search(r"shard \d of 5 queued", line)]
    assert len(queued) == 5
    assert max(queued) < first(r"Writing .*/(category|tag|author|archives)/.*index\.html")
    # Nothing of the index was left in the temporary folder.
    assert not list((tmp_path / "tmp").iterdir())
    assert not list(tmp_path.glob(".commons-search-*"))  # the workspace, beside the site


def test_a_build_that_fails_while_writing_leaves_no_pagefind_behind(tmp_path):
    (tmp_path / "tmp").mkdir()
    content = sharded_content(tmp_path / "content")
    # The category template breaks, so the build fails after the pages and
    # posts (and their shards) were written but before Pelican's `finalized`.
    theme = tmp_path / "theme"
    shutil.copytree(REPO_ROOT / "theme", theme)
    category_template = theme / "templates" / "category.html"
    category_template.write_text(
        category_template.read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}{{ category.no_such_thing.at_all }}", 1
        ),
        encoding="utf-8",
    )
    overrides = {**SHARDED, "CACHE_PATH": str(tmp_path / "cache"), "THEME": str(theme)}
    completed = verbose_build(tmp_path, content, overrides)
    log = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert "Pagefind started on shard" in log  # the failure came after indexing began
    assert "Search: the site is written" not in log
    # No Pagefind (or anything else) still running from that build's folders,
    # and its workspace is gone.
    assert not running_with(str(tmp_path))
    assert not list((tmp_path / "tmp").iterdir())
    assert not list(tmp_path.glob(".commons-search-*"))  # the workspace, beside the site
    assert not (tmp_path / "output" / "pagefind").exists()


def running_with(text: str) -> list[int]:
    """Process ids whose command line mentions `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue  # ended meanwhile
            if text.encode() in command:
                found.append(int(entry.name))
    return found


def test_closing_a_run_stops_its_pagefind_and_a_new_run_starts_clean(tmp_path):
    # What an autoreloading Pelican does after a build that failed midway:
    # the next build's plan replaces the old run, whose Pagefind is stopped.
    site = tmp_path / "site"
    for number in range(3):
        page = site / f"p{number}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            f"<html lang=en><body><main><article><h1>Page {number}</h1>"
            "<p>Words to index.</p></article></main></body></html>",
            encoding="utf-8",
        )
    options = ["--root-selector", "main article", "--quiet"]
    run = IndexRun(
        site, plan_shards(["p0/index.html", "p1/index.html", "p2/index.html"], 1), options
    )
    run.page_written(site / "p0" / "index.html")
    assert run.queued_count == 1
    worker = run.worker
    assert worker.is_alive()
    run.close()
    assert not worker.is_alive()
    assert run.process is None or run.process.poll() is not None
    assert not run.workspace.exists()
    assert not running_with(str(run.workspace))

    again = IndexRun(
        site, plan_shards(["p0/index.html", "p1/index.html", "p2/index.html"], 2), options
    )
    for number in range(3):
        again.page_written(site / f"p{number}" / "index.html")
    built = again.finish()
    try:
        assert [shard.failure for shard in built] == [None, None]
        assert [len(shard.written) for shard in built] == [2, 1]
        assert all((shard.bundle / "pagefind-entry.json").is_file() for shard in built)
    finally:
        again.close()
    assert not again.workspace.exists()


def test_a_pagefind_failure_fails_the_build_with_the_fix(tmp_path):
    # Pagefind cannot parse this selector and exits with an error.
    (tmp_path / "tmp").mkdir()
    overrides = {"SEARCH": {"pages_per_bundle": 2, "root_selector": "main[["}}
    with pytest.raises(BuildError) as failure:
        build_site(
            tmp_path / "output",
            content=sharded_content(tmp_path / "content"),
            overrides=overrides,
            env={"TMPDIR": str(tmp_path / "tmp")},
        )
    message = str(failure.value)
    assert "Pagefind could not index the site" in message
    assert "SEARCH['enabled'] to False" in message
    assert not (tmp_path / "output").exists()
    assert not list((tmp_path / "tmp").iterdir())
    assert not list(tmp_path.glob(".commons-search-*"))  # the workspace, beside the site


def test_sharded_bundles_are_byte_reproducible(tmp_path):
    content = sharded_content(tmp_path / "content")

    def index_files(name: str) -> dict[str, bytes]:
        output = build_site(tmp_path / name, content=content, overrides=SHARDED).output
        root = output / "pagefind"
        return {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }

    first, second = index_files("first"), index_files("second")
    assert "shards/5/pagefind-entry.json" in first
    assert first == second


def test_the_next_build_in_the_same_process_stops_the_last_ones_indexing(tmp_path):
    # Pelican's autoreload runs every build in one process: a build that
    # failed midway never reached `finalized`, so the next one cleans up.
    site = tmp_path / "site"
    (site / "p0").mkdir(parents=True)
    (site / "p0" / "index.html").write_text(
        "<html lang=en><body><main><article><h1>P</h1></article></main></body></html>",
        encoding="utf-8",
    )
    generator = object.__new__(ArticlesGenerator)  # only what the plan reads
    generator.output_path = str(site)
    generator.translations = []
    generator.articles = [
        SimpleNamespace(status="published", save_as="p0/index.html"),
        SimpleNamespace(status="draft", save_as="drafts/d/index.html"),
    ]
    settings = {"DIRECT_TEMPLATES": ["search"], "DEFAULT_LANG": "en"}
    settings["SEARCH"] = SCHEMA.validate({"pages_per_bundle": 1}, settings)
    pelican = SimpleNamespace(settings=settings, output_path=str(site))
    search = SiteSearch(settings)

    search.keep_generators([generator])
    search.plan(pelican)
    first = search.run
    assert [sorted(shard.pages) for shard in first.shards] == [["p0/index.html"]]
    assert search.generators == []  # the build's generators are not kept past the plan
    search.page_written(str(site / "p0" / "index.html"), {})
    worker = first.worker
    assert worker is not None

    search.keep_generators([generator])
    search.plan(pelican)  # the next build of the same Pelican
    second = search.run
    assert second is not first
    assert not worker.is_alive()
    assert not first.workspace.exists()
    assert second.queued_count == 0 and second.worker is None

    # Another Pelican starts in this process (its settings changed): this one stops.
    search.stop_if_replaced(SimpleNamespace(settings=dict(settings)))
    assert search.run is None
    assert not second.workspace.exists()


def snapshot_without_index(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "pagefind"
    }


def test_writing_the_pages_first_changes_nothing_in_the_site(tmp_path):
    # With search on, Pelican writes the pages before the posts; with it off,
    # in its own order. Apart from the index, the two sites are the same.
    content = sharded_content(tmp_path / "content")
    (content / "pages" / "code-of-conduct.md").write_text(
        "Title: Code of Conduct\n\nBe kind. Read the [sample post]"
        "({filename}/sharing-your-work-and-coworking-to-share.md).\n",
        encoding="utf-8",
    )
    searched = build_site(tmp_path / "searched", content=content, overrides=SHARDED).output
    unsearched = build_site(
        tmp_path / "unsearched", content=content, overrides={"SEARCH": {"enabled": False}}
    ).output
    one, other = snapshot_without_index(searched), snapshot_without_index(unsearched)
    assert sorted(one) == sorted(other)
    assert [name for name in one if one[name] != other[name]] == []
    assert (searched / "pagefind" / "shards.json").is_file()


def test_pages_move_before_posts_and_nothing_else_moves():
    from pelican.generators import PagesGenerator, StaticGenerator

    articles = object.__new__(ArticlesGenerator)
    pages = object.__new__(PagesGenerator)
    static = object.__new__(StaticGenerator)
    generators = [articles, pages, static]
    plugin.write_pages_first(generators)
    assert generators == [pages, articles, static]
    plugin.write_pages_first(generators)  # already in order: left as it is
    assert generators == [pages, articles, static]


def test_a_site_search_listens_until_another_pelican_starts():
    settings = {"DIRECT_TEMPLATES": ["search"], "DEFAULT_LANG": "en"}
    settings["SEARCH"] = SCHEMA.validate({}, settings)
    search = SiteSearch(settings)

    def connected() -> int:
        return sum(
            any(known == receiver for known in signal.receivers.values())
            for signal, receiver in search.receivers()
        )

    search.connect()
    try:
        assert connected() == len(search.receivers()) == 6
        search.stop_if_replaced(SimpleNamespace(settings=settings))  # its own Pelican
        assert connected() == 6
        search.stop_if_replaced(SimpleNamespace(settings=dict(settings)))  # another one
        assert connected() == 0
    finally:
        search.disconnect()
