"""Pages rendered on every core (plugins/parallel_render): same site, same signals, same errors."""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
import re
import subprocess
from pathlib import Path

import pytest
from jinja2 import Environment
from pelican import signals
from pelican.writers import Writer

from bench.comment_snapshot import thread_comments
from bench.corpus import make_posts, write_corpus
from commons import DEV_SETTINGS, REPO_ROOT
from commons.build import BuildError, pelican_command
from commons.comments.snapshot import write_thread
from commons.settings import SettingsError
from plugins.parallel_render.parallel_render import (
    PARENT,
    SCHEMA,
    TABLE_FULL,
    ClaimTable,
    ParallelOutput,
)
from tests.conftest import isso_snapshots, site_files, verbose_build

POSTS = 48
FORCED = {"enabled": True, "processes": 2, "min_contents": 1, "lead": 8}
SERIAL = {"enabled": False}
NO_SEARCH = {"enabled": False}
RENDER_LINE = re.compile(r"Parallel render: (\d+) of (\d+) pages rendered by (\d+) child processes")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("parallel-render") / "content"
    write_corpus(POSTS, seed=11, out=content)
    return content


def run_pelican(content: Path, output: Path, render: dict) -> str:
    cache = output.parent / f"cache-{output.name}"
    return verbose_build(content, output, {"CACHE_PATH": str(cache), "PARALLEL_RENDER": render})


def test_children_render_pages_and_the_site_is_byte_identical(corpus, tmp_path):
    parallel_log = run_pelican(corpus, tmp_path / "parallel", FORCED)
    serial_log = run_pelican(corpus, tmp_path / "serial", SERIAL)

    [(taken, total, children)] = [m.groups() for m in RENDER_LINE.finditer(parallel_log)]
    assert children == "2"
    # Posts, listings, tag and category pages, the search page...
    assert int(total) > POSTS
    assert int(taken) > 0
    assert not RENDER_LINE.search(serial_log)
    parallel, serial = site_files(tmp_path / "parallel"), site_files(tmp_path / "serial")
    assert sorted(parallel) == sorted(serial)
    assert [name for name in parallel if parallel[name] != serial[name]] == []


def test_relative_urls_and_pagination_stay_byte_identical(corpus, tmp_path):
    # Pelican sets the shared context's `localsiteurl` before each render: the
    # children must see the same value for the pages they render.
    render = {**FORCED, "processes": 3}
    overrides = {"RELATIVE_URLS": True, "DEFAULT_PAGINATION": 3, "SEARCH": NO_SEARCH}
    outputs = {}
    for name, options in (("parallel", render), ("serial", SERIAL)):
        command = pelican_command(
            DEV_SETTINGS,
            tmp_path / name,
            corpus,
            {
                **overrides,
                "CACHE_PATH": str(tmp_path / f"cache-{name}"),
                "PARALLEL_RENDER": options,
            },
        )
        subprocess.run(
            command,
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
            env={**os.environ, "COMMONS_COMMENTS_OFFLINE": "1"},
        )
        outputs[name] = site_files(tmp_path / name)
    assert outputs["parallel"] == outputs["serial"]


def test_bad_content_is_reported_once_by_the_parent(corpus, tmp_path, build):
    content = tmp_path / "content"
    write_corpus(POSTS, seed=11, out=content)
    broken = sorted(content.glob("*.md"))[3]
    text = broken.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"(?m)^Date: .*$", "Date: last Tuesday", text), encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        build(content=content, overrides={"PARALLEL_RENDER": FORCED, "SEARCH": NO_SEARCH})
    message = f"{broken.name}: metadata field 'date' has the value 'last Tuesday'"
    assert failure.value.log.count(message) == 1


# ------------------------------------------------ the mechanism, with fakes
class PageTemplate:
    """A template whose render can fail, warn or kill the process, for one page."""

    def __init__(self, parent_pid: int, behaviour: dict[str, str]):
        self.template = Environment().from_string("<p>{{ output_file }} {{ number }}</p>")
        self.parent_pid = parent_pid
        self.behaviour = behaviour

    def render(self, localcontext) -> str:
        action = self.behaviour.get(localcontext["output_file"])
        in_child = os.getpid() != self.parent_pid
        if action == "die-in-child" and in_child:
            os._exit(3)
        if action == "raise-in-child" and in_child:
            raise RuntimeError("only a child fails")
        if action == "warn-in-child" and in_child:
            logging.getLogger("pelican").warning("a child's warning")
        if action == "raise":
            raise RuntimeError(f"cannot render {localcontext['output_file']}")
        return self.template.render(localcontext)


class FakeGenerator:
    """Writes `count` pages through Pelican's real Writer, like a generator."""

    def __init__(self, prefix: str, count: int, template: PageTemplate):
        self.prefix = prefix
        self.count = count
        self.template = template

    def generate_output(self, writer) -> None:
        for number in range(self.count):
            writer.write_file(
                f"{self.prefix}/{number}.html", self.template, {"SITEURL": ""}, number=number
            )


def write_with(tmp_path: Path, behaviour: dict[str, str], options: dict | None = None):
    """Run two fake generators' output, in parallel; the written files and signals."""
    template = PageTemplate(os.getpid(), behaviour)
    generators = [FakeGenerator("a", 30, template), FakeGenerator("b", 30, template)]
    settings = {"PAGINATED_TEMPLATES": {}, "DEFAULT_PAGINATION": False}
    writer = Writer(str(tmp_path / "out"), settings=settings)
    written: list[str] = []

    def note(path, context=None):
        written.append(Path(path).relative_to(tmp_path / "out").as_posix())

    signals.content_written.connect(note)
    output = ParallelOutput({**FORCED, **(options or {})}, generators, children=2)
    try:
        for generator in generators:
            generator.generate_output(writer)
    finally:
        signals.content_written.disconnect(note)
    return output, written


def expected_files() -> list[str]:
    return [f"{prefix}/{number}.html" for prefix in "ab" for number in range(30)]


def test_the_parent_writes_every_page_in_order_and_children_rendered_them(tmp_path):
    output, written = write_with(tmp_path, {})
    assert written == expected_files()
    for name in written:
        number = name.split("/")[1].split(".")[0]
        assert (tmp_path / "out" / name).read_text() == f"<p>{name} {number}</p>"
    assert output.taken > 0
    assert output.taken + output.rendered == 60
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("action", ["die-in-child", "raise-in-child", "warn-in-child"])
def test_a_page_a_child_could_not_render_is_rendered_by_the_parent(tmp_path, action):
    behaviour = {f"a/{n}.html": action for n in range(0, 30, 3)}
    output, written = write_with(tmp_path, behaviour)
    assert written == expected_files()
    for name in written:
        assert (tmp_path / "out" / name).read_text().startswith(f"<p>{name} ")
    # The pages the children could not give, at least, the parent rendered.
    assert output.rendered >= 1
    assert multiprocessing.active_children() == []


def test_an_error_in_the_parent_stops_the_children_and_is_raised(tmp_path):
    with pytest.raises(RuntimeError, match=r"cannot render b/5\.html"):
        write_with(tmp_path, {"b/5.html": "raise"})
    assert multiprocessing.active_children() == []


def test_a_small_lead_still_finishes(tmp_path):
    output, written = write_with(tmp_path, {}, {"lead": 1})
    assert written == expected_files()
    assert output.taken + output.rendered == 60


def test_claims_are_exclusive_across_processes():
    context = multiprocessing.get_context("fork")
    table = ClaimTable(1 << 12, context)
    keys = [f"1:page-{n}.html" for n in range(500)]
    results = context.Queue()

    def claim_all(owner: int) -> None:
        results.put([key for key in keys if table.claim(key, owner) == owner])

    workers = [context.Process(target=claim_all, args=(owner,)) for owner in (1, 2, 3)]
    for worker in workers:
        worker.start()
    claimed = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join()
    assert sorted(key for mine in claimed for key in mine) == sorted(keys)
    assert table.claim(keys[0], PARENT) != PARENT


def test_a_full_table_leaves_the_page_to_the_parent():
    table = ClaimTable(4, multiprocessing.get_context("fork"))
    owners = [table.claim(f"1:{n}.html", 1) for n in range(5)]
    assert owners[:4] == [1, 1, 1, 1]
    assert owners[4] == TABLE_FULL


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"enabled": "yes"}, "enabled"),
        ({"processes": -1}, "processes"),
        ({"min_contents": 2.5}, "min_contents"),
        ({"lead": 0}, "lead"),
        ({"children": 2}, "unknown key"),
    ],
)
def test_bad_settings_name_the_key(raw, key):
    with pytest.raises(SettingsError, match=re.escape(key)):
        SCHEMA.validate(raw)


def test_defaults_fill_in():
    assert SCHEMA.validate(None) == {
        "enabled": False,
        "processes": 0,
        "min_contents": 40,
        "lead": 256,
    }


def test_comment_snapshots_made_in_the_children_give_the_same_site(
    corpus, tmp_path, comments_cache
):
    # A snapshot's comments are threaded and cleaned by the process that
    # renders the post: a child's pages must match the serial build's.
    rng = random.Random(5)
    for post in make_posts(POSTS, 11):
        write_thread(
            isso_snapshots(comments_cache), post.comments_id, "isso", thread_comments(rng, 6, 1.7e9)
        )
    parallel_log = run_pelican(corpus, tmp_path / "parallel", FORCED)
    run_pelican(corpus, tmp_path / "serial", SERIAL)
    [(taken, _total, _children)] = [m.groups() for m in RENDER_LINE.finditer(parallel_log)]
    assert int(taken) > 0
    parallel, serial = site_files(tmp_path / "parallel"), site_files(tmp_path / "serial")
    assert sorted(parallel) == sorted(serial)
    assert [name for name in parallel if parallel[name] != serial[name]] == []
    with_comments = [
        name
        for name, data in parallel.items()
        if name.endswith("index.html") and b'id="discussion-comment-' in data
    ]
    assert len(with_comments) == POSTS
    assert b"#discussion-comment-" in parallel["discussions/index.html"]
