"""A build over the last site keeps a page's bytes only when what it is made
from did not change: after random edits (posts, links, drafts, theme, settings,
Markdown options, comments), a build with the kept content cache over the last
site equals a cold build byte for byte, and it renders only a part of the
pages after a body edit.

The seed comes from the run and is printed; `COMMONS_STALE_SEED=<seed>`
replays a failure, `COMMONS_STALE_EDITS=<n>` makes the walk longer.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import random
import shutil
import time

import lxml.html
import pytest

from commons.build import build_site, cache_path
from tests.build.test_comment_snapshot_build import ISSO_URL, write_cache
from tests.preview.helpers import Site, differences
from tests.preview.test_never_stale import Editor, run_seed

EDITS = 16
# One process renders every page, or render children (plugins/parallel_render)
# share them however small the site.
RENDERERS = {
    "one process": "PARALLEL_RENDER = {**PARALLEL_RENDER, 'enabled': False}\n",
    "render children": "PARALLEL_RENDER = {**PARALLEL_RENDER, 'min_contents': 1, 'processes': 2}\n",
}
SNAPSHOTS = (
    f"DISCUSSION = {{**DISCUSSION, 'provider': 'isso', 'isso': {{'url': {ISSO_URL!r}}}, "
    "'snapshot': {'refresh': 'never'}}\n"
)


def record(output) -> dict:
    return json.loads((cache_path(output) / "render-record.json").read_text(encoding="utf-8"))


def build(site: Site, output):
    build_site(output, settings_file=site.settings, content=site.content)
    return record(output)


@pytest.mark.parametrize("renderers", sorted(RENDERERS))
def test_an_unchanged_site_renders_nothing_and_a_body_edit_little(tmp_path, renderers):
    site = Site(tmp_path / "site", posts=12, extra_settings=RENDERERS[renderers])
    editor = Editor(site, random.Random(0))
    # Longer than its summary (the listings' excerpt), which a later paragraph leaves as is.
    editor.posts["post-3.md"]["body"] = "A long first paragraph. " * 60
    editor._save("post-3.md")
    output = tmp_path / "output"
    assert build(site, output)["kept"] == 0
    again = build(site, output)
    assert again["rendered"] == 0 and again["kept"] > 20, again
    editor.posts["post-3.md"]["body"] += "\n\nOne more paragraph."
    editor._save("post-3.md")
    edited = build(site, output)
    # Its own page and the listing pages that show it; not every page.
    assert 0 < edited["rendered"] < edited["kept"], edited
    assert differences(site.fresh_build(tmp_path / "fresh"), output) == []


@pytest.mark.parametrize("renderers", sorted(RENDERERS))
def test_builds_over_the_last_site_equal_cold_builds_after_random_edits(
    tmp_path, comments_cache, renderers
):
    seed = run_seed()
    replay = f"replay with COMMONS_STALE_SEED={seed}"
    print(f"render-record seed: {seed} ({replay})")
    rng = random.Random(seed)
    site = Site(tmp_path / "site", posts=8, extra_settings=RENDERERS[renderers] + SNAPSHOTS)
    editor = Editor(site, rng)
    output = tmp_path / "output"
    build(site, output)
    done: list[str] = []
    for number in range(EDITS):
        if rng.random() < 0.15:
            thread = rng.choice(sorted(editor.posts)).removesuffix(".md")
            comments = [
                {
                    "id": str(number),
                    "parent": None,
                    "author": f"Reader {number}",
                    "website": None,
                    "created": f"2024-03-{1 + number % 28:02d}T10:00:00Z",
                    "text": f"<p>Comment {number}</p>",
                    "deleted": False,
                }
            ]
            write_cache(comments_cache, thread, comments)
            done.append(f"comment on {thread}")
        else:
            done.append(editor.edit())
        build(site, output)
        fresh = site.fresh_build(tmp_path / "fresh" / str(number))
        assert differences(fresh, output) == [], f"{replay}: after {done}"
        shutil.rmtree(fresh.parent)


def test_a_ci_job_with_its_cache_restored_renders_only_the_pushed_change(tmp_path):
    """A new clone gives every file a new time; the cache and the last site,
    restored by the CI job, still hold: a body edit renders a few pages."""
    site = Site(tmp_path / "site", posts=12, extra_settings=RENDERERS["one process"])
    editor = Editor(site, random.Random(0))
    editor.posts["post-5.md"]["body"] = "A long first paragraph. " * 60
    editor._save("post-5.md")
    output = tmp_path / "output"
    build(site, output)
    # The clone: every source file written anew, then the push's one change.
    later = time.time() + 3600
    for path in site.root.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes())
            os.utime(path, (later, later))
    editor.posts["post-5.md"]["body"] += "\n\nThe pushed paragraph."
    editor._save("post-5.md")
    pushed = build(site, output)
    assert 0 < pushed["rendered"] < pushed["kept"] / 2, pushed
    assert differences(site.fresh_build(tmp_path / "fresh"), output) == []


PRODUCTION = """\
from commons.defaults import production

globals().update(
    production({name: value for name, value in dict(globals()).items() if name.isupper()})
)
"""


def production_site(root) -> Site:
    """A Site whose settings file is its local one made into production's
    (publishconf.py's: absolute addresses, the search index, loading the cache
    left to commons.build)."""
    return Site(root, posts=12, extra_settings=RENDERERS["one process"] + PRODUCTION)


def clone_and_push(site: Site, editor: Editor, name: str, paragraph: str) -> None:
    """What a CI job's checkout does: every file written anew with a new time,
    then the push's one change."""
    later = time.time() + 3600
    for path in site.root.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes())
            os.utime(path, (later, later))
    editor.posts[name]["body"] += f"\n\n{paragraph}"
    editor._save(name)


def test_a_production_ci_job_keeps_its_feeds_and_equals_a_cold_build(tmp_path):
    site = production_site(tmp_path / "site")
    editor = Editor(site, random.Random(0))
    # A summary that the pushed paragraph does not reach: the listings keep theirs.
    editor.posts["post-5.md"]["body"] = "A long first paragraph. " * 60
    editor._save("post-5.md")
    output = tmp_path / "output"
    first = build(site, output)
    assert first["feeds_rendered"] > 0 and first["feeds_kept"] == 0, first
    clone_and_push(site, editor, "post-5.md", "The pushed paragraph.")
    pushed = build(site, output)
    assert 0 < pushed["rendered"] < pushed["kept"] / 2, pushed
    # The feeds that carry post 5 are written again; the others keep their bytes.
    assert pushed["feeds_rendered"] > 0 and pushed["feeds_kept"] > 0, pushed
    assert differences(site.fresh_build(tmp_path / "fresh"), output) == []


def test_a_production_build_reads_its_posts_from_the_kept_cache(tmp_path):
    """The cache a production build restores is loaded (commons.build keys it),
    not made again from every file: a post's cached text is the one used."""
    site = production_site(tmp_path / "site")
    output = tmp_path / "output"
    build(site, output)
    cache_file = cache_path(output) / "ArticlesGenerator-Readers"
    with gzip.open(cache_file, "rb") as stream:
        cached = pickle.load(stream)
    source = os.path.abspath(site.content / "post-3.md")
    stamp, (html, metadata) = cached[source]
    cached[source] = (
        stamp,
        (html.replace("The body of post 3", "The cached body of post 3"), metadata),
    )
    with gzip.open(cache_file, "wb") as stream:
        pickle.dump(cached, stream)
    build(site, output)
    page = lxml.html.parse(str(output / "2024/04/post-number-3/index.html"))
    assert "The cached body of post 3" in page.xpath("string(//main//article)")


def test_a_push_indexes_again_only_the_search_shards_it_changed(tmp_path):
    """Pagefind makes the same bundle from the same pages: a shard whose pages
    are those of the last build takes the last build's bundle, checked."""
    site = Site(
        tmp_path / "site",
        posts=12,
        extra_settings=RENDERERS["one process"]
        + PRODUCTION
        + "SEARCH = {**SEARCH, 'pages_per_bundle': 4}\n",
    )
    editor = Editor(site, random.Random(0))
    editor.posts["post-5.md"]["body"] = "A long first paragraph. " * 60
    editor._save("post-5.md")
    output = tmp_path / "output"
    build(site, output)
    search_record = cache_path(output) / "search-record.json"
    assert json.loads(search_record.read_text(encoding="utf-8"))["kept"] == []
    clone_and_push(site, editor, "post-5.md", "The pushed paragraph.")
    build(site, output)
    kept = json.loads(search_record.read_text(encoding="utf-8"))["kept"]
    assert len(kept) == 3, kept  # four shards; post 5's is indexed again
    # A kept bundle whose bytes changed since is not used.
    (output / "pagefind" / "shards" / str(kept[-1]) / "pagefind-entry.json").write_text("{}")
    clone_and_push(site, editor, "post-5.md", "A second push.")
    build(site, output)
    assert len(json.loads(search_record.read_text(encoding="utf-8"))["kept"]) == 2
    assert differences(site.fresh_build(tmp_path / "fresh"), output) == []
