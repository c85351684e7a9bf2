"""Markdown read on every core (plugins/parallel_read): same site, same errors."""

from __future__ import annotations

import io
import logging
import re
import shutil
from pathlib import Path

import pytest
from lxml import html

from bench.corpus import write_corpus
from commons.build import BuildError
from commons.settings import SettingsError
from plugins.parallel_read import parallel_read
from plugins.parallel_read.parallel_read import (
    SCHEMA,
    PreparedRead,
)
from tests.conftest import site_files, verbose_build

POSTS = 48
# min_files 1 and two processes: the workers read even a small corpus.
FORCED = {"enabled": True, "processes": 2, "min_files": 1}
SERIAL = {"enabled": False, "processes": 0, "min_files": 40}
# The search index is not what these tests are about; it only slows them.
NO_SEARCH = {"enabled": False}
READ_LINE = re.compile(r"Parallel read: (\d+) of (\d+) files read by (\d+) processes")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("parallel") / "content"
    write_corpus(POSTS, seed=7, out=content)
    return content


def run_pelican(content: Path, output: Path, cache: Path, parallel: dict) -> str:
    return verbose_build(
        content,
        output,
        {"CACHE_PATH": str(cache), "PARALLEL_READ": parallel, "SEARCH": NO_SEARCH},
    )


def test_the_workers_read_every_post_and_the_site_is_byte_identical(corpus, tmp_path):
    parallel_log = run_pelican(corpus, tmp_path / "parallel", tmp_path / "cache-1", FORCED)
    serial_log = run_pelican(corpus, tmp_path / "serial", tmp_path / "cache-2", SERIAL)

    assert [m.groups() for m in READ_LINE.finditer(parallel_log)] == [(str(POSTS), str(POSTS), "2")]
    assert not READ_LINE.search(serial_log)
    parallel, serial = site_files(tmp_path / "parallel"), site_files(tmp_path / "serial")
    assert sorted(parallel) == sorted(serial)
    assert [name for name in parallel if parallel[name] != serial[name]] == []


def test_a_warm_cache_leaves_nothing_for_the_workers(corpus, tmp_path):
    run_pelican(corpus, tmp_path / "first", tmp_path / "cache", FORCED)
    rebuild_log = run_pelican(corpus, tmp_path / "second", tmp_path / "cache", FORCED)
    # Every post comes from Pelican's content cache: forking would be waste.
    assert not READ_LINE.search(rebuild_log)
    assert site_files(tmp_path / "first") == site_files(tmp_path / "second")


def test_bad_metadata_read_by_a_worker_is_reported_once_naming_file_field_and_fix(
    corpus, tmp_path, build
):
    content = tmp_path / "content"
    write_corpus(POSTS, seed=7, out=content)
    broken = sorted(content.glob("*.md"))[5]
    text = broken.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"(?m)^Date: .*$", "Date: last Tuesday", text), encoding="utf-8")

    with pytest.raises(BuildError) as failure:
        build(content=content, overrides={"PARALLEL_READ": FORCED, "SEARCH": NO_SEARCH})
    message = f"{broken.name}: metadata field 'date' has the value 'last Tuesday'"
    assert message in str(failure.value)
    # The worker's attempt is silent; only Pelican's own serial read speaks.
    assert failure.value.log.count(message) == 1
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"enabled": "yes"}, "enabled"),
        ({"processes": -1}, "processes"),
        ({"processes": 1.5}, "processes"),
        ({"min_files": True}, "min_files"),
        ({"workers": 2}, "unknown key"),
        ([], "must be a dict"),
    ],
)
def test_bad_settings_name_the_key(raw, key):
    with pytest.raises(SettingsError, match=re.escape(key)):
        SCHEMA.validate(raw)


def test_defaults_fill_in():
    assert SCHEMA.validate(None) == {"enabled": False, "processes": 0, "min_files": 40}


class LoggingReader:
    """A reader that logs at a given level before answering."""

    def __init__(self, level: int):
        self.level = level

    def read(self, path):
        logging.getLogger("pelican.readers").log(self.level, "about %s", path)
        return "<p>body</p>", {"title": "A title"}


class FakeReaders:
    def __init__(self, reader):
        self.readers = {"md": reader}


@pytest.mark.parametrize(
    ("level", "read_by_worker"),
    [(logging.INFO, True), (logging.WARNING, False), (logging.ERROR, False)],
)
def test_a_file_that_logs_a_warning_is_left_to_pelicans_serial_read(
    tmp_path, level, read_by_worker
):
    # Under --fatal warnings the warning must come from Pelican's own read,
    # in the main process, exactly as without the plugin.
    source = tmp_path / "post.md"
    source.write_text("Title: A title\n\nbody\n", encoding="utf-8")
    settings = {}
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        parallel_read._start_worker(FakeReaders(LoggingReader(level)), settings)
        [(path, stamp, data)] = parallel_read._read_chunk([(str(source), "md")])
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        parallel_read._worker.clear()
    assert path == str(source)
    assert stamp == parallel_read.file_stamp(str(source))
    assert (data is not None) is read_by_worker


def test_an_edit_after_the_workers_read_a_file_is_read_again(tmp_path):
    source = tmp_path / "post.md"
    source.write_text("Title: Old\n\nold\n", encoding="utf-8")
    settings = {"marker": True}
    parallel_read._worker.update(settings=settings)
    try:
        buffer = io.BytesIO()
        parallel_read._SettingsPickler(buffer).dump(("<p>old</p>", {"settings": settings}))
    finally:
        parallel_read._worker.clear()
    payload = buffer.getvalue()

    class Answers:
        """What WorkerReads.take gives PreparedRead: each path's answer, once."""

        def __init__(self):
            self.settings = settings
            self.entries = {str(source): (parallel_read.file_stamp(str(source)), payload)}

        def take(self, path):
            return self.entries.pop(path, None)

    def read_from_disk(path):
        return "<p>from disk</p>", {}

    # Unchanged: the workers' answer, with the parent's own settings object.
    fresh = Answers()
    content, metadata = PreparedRead(read_from_disk, fresh)(str(source))
    assert content == "<p>old</p>"
    assert metadata["settings"] is settings
    assert fresh.entries == {}  # each answer is used once
    assert PreparedRead(read_from_disk, fresh)(str(source))[0] == "<p>from disk</p>"

    stale = Answers()
    source.write_text("Title: New\n\nnew, and longer\n", encoding="utf-8")
    content, _ = PreparedRead(read_from_disk, stale)(str(source))
    assert content == "<p>from disk</p>"


def test_raw_html_is_cleaned_in_the_workers_as_it_would_be_in_pelican(corpus, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(corpus, content)
    (content / "raw-html.md").write_text(
        "Title: Raw HTML\nDate: 2020-02-02\nCategory: Community\n"
        'Summary: A summary <img src="x.png" onerror="steal()"> with a trap\n\n'
        '<p onclick="steal()">Kept text</p>\n\n<script>steal()</script>\n\n'
        '<iframe src="https://tracker.example"></iframe>\n',
        encoding="utf-8",
    )
    run_pelican(content, tmp_path / "parallel", tmp_path / "cache-1", FORCED)
    run_pelican(content, tmp_path / "serial", tmp_path / "cache-2", SERIAL)
    for site in ("parallel", "serial"):
        page = html.fromstring((tmp_path / site / "2020/02/raw-html/index.html").read_bytes())
        (body,) = page.xpath("//div[contains(@class, 'entry-content')]")
        assert "Kept text" in body.text_content()
        assert body.xpath(".//script | .//iframe | .//*[@onclick] | .//*[@onerror]") == []
    assert site_files(tmp_path / "parallel") == site_files(tmp_path / "serial")
