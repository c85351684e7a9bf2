"""An hour of editing costs nothing extra: the preview's memory and its save cost stay flat.

A real preview (`python -m commons.preview`) of a site of POSTS posts takes
SAVES body edits, one after another, each waited for until the preview has
said its site is up to date (read from its log: asking its status endpoint
every few milliseconds would cost the preview CPU time in proportion to how
long the save takes). After each save the resident memory of the preview's
whole process tree (its session, read from /proc) is taken, and the CPU time
the save cost it.

A save's CPU time late in the session is compared with the first saves of a
second, fresh preview of an identical site, saved in turn with the last saves
of the first (ABBA): on a shared machine the CPU time of the same work moves
with the load, so only saves made at the same time are compared.
Longer runs: COMMONS_MEMORY_POSTS and COMMONS_MEMORY_SAVES.
"""

from __future__ import annotations

import gzip
import os
import pickle
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pelican.urlwrappers import URLWrapper

from bench.measure import session_cpu, session_rss
from commons.build import build_site, cache_path
from tests.preview.helpers import PreviewProcess, Site

POSTS = int(os.environ.get("COMMONS_MEMORY_POSTS") or 200)
SAVES = int(os.environ.get("COMMONS_MEMORY_SAVES") or 30)
# Idle memory after the last save, against after the first: at most 10 % more.
MEMORY_GROWTH = 0.10
# Past the first saves, what one save may add for good (it is about 0.15 MiB).
WARM_SAVES = 5
MAX_SAVE_GROWTH = 0.5 * 2**20
# The median of the last saves' CPU time against a fresh preview's first
# saves' (CPU, not wall time: the machine is shared; and one save alone is noise).
TIME_GROWTH = 0.25
WINDOW = 5


# What the preview prints when a save's site is up to date (commons/preview/server.py).
UP_TO_DATE = "Site up to date in"


def save_and_wait(preview: PreviewProcess, post: Path, number: int) -> float:
    """Save a body edit, wait until the preview says the site is up to date; the seconds it took."""
    passes = preview.log.read_text(encoding="utf-8").count(UP_TO_DATE)
    started = time.monotonic()
    with post.open("a", encoding="utf-8") as handle:
        handle.write(f"\nA paragraph added by save {number}.\n")
    deadline = started + 300
    while preview.log.read_text(encoding="utf-8").count(UP_TO_DATE) <= passes:
        assert preview.process.poll() is None, preview.log.read_text()
        assert time.monotonic() < deadline, preview.log.read_text()
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    time.sleep(0.3)  # idle: the pass's child has gone, and is counted
    state = preview.status()
    assert state["error"] is None, state["error"]
    return elapsed


@dataclass
class Session:
    """One preview and what each of its saves cost."""

    site: Site
    preview: PreviewProcess
    rss: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def save(self) -> None:
        number = len(self.cpu) + 1
        session = self.preview.process.pid  # started in a session of its own
        post = self.site.content / f"post-{number % POSTS}.md"
        before = session_cpu(session)
        self.seconds.append(save_and_wait(self.preview, post, number))
        self.cpu.append(session_cpu(session) - before)
        self.rss.append(session_rss(session))


def saves(tmp_path) -> tuple[list[int], list[float], list[float], str]:
    """SAVES edits under a real preview, the last WINDOW in turn with the first
    WINDOW of a fresh one: the RSS after each, the CPU time of each, of the
    fresh one's, and a summary."""

    def start(name: str) -> Session:
        site = Site(tmp_path / name, posts=POSTS)
        preview = PreviewProcess(site, tmp_path / f"{name}-output", tmp_path / f"{name}.log")
        return Session(site, preview.start())

    long = start("long")
    fresh = None
    try:
        for _ in range(SAVES - WINDOW):
            long.save()
        fresh = start("fresh")
        for turn in range(WINDOW):
            for session in (long, fresh) if turn % 2 == 0 else (fresh, long):
                session.save()
    finally:
        for session in (long, fresh):
            if session is not None:
                session.preview.stop()
    mib = [round(value / 2**20, 1) for value in long.rss]
    figures = (
        f"{POSTS} posts, {SAVES} saves; RSS MiB after each save: {mib}; "
        f"save seconds: {[round(t, 2) for t in long.seconds]}; "
        f"CPU seconds: {[round(c, 2) for c in long.cpu]}; "
        f"a fresh preview's first saves at the same time: {[round(c, 2) for c in fresh.cpu]}"
    )
    print(figures)
    return long.rss, long.cpu, fresh.cpu, figures


@pytest.fixture(scope="module")
def session_of_saves(tmp_path_factory):
    return saves(tmp_path_factory.mktemp("memory"))


# The sessions of saves run in the first test that asks for them.
SESSION_TIMEOUT = 1800


@pytest.mark.timeout(SESSION_TIMEOUT)
def test_no_save_keeps_its_build(session_of_saves):
    """What must never come back: a save that keeps its build's posts (57 MiB a
    save at 5,000 posts once). Past the first saves (caches warming), a save
    may add at most MAX_SAVE_GROWTH, and the whole session 25 %."""
    rss, _cpu, _fresh, figures = session_of_saves
    per_save = (rss[-1] - rss[WARM_SAVES]) / (len(rss) - 1 - WARM_SAVES)
    assert per_save <= MAX_SAVE_GROWTH, figures
    assert rss[-1] <= rss[0] * 1.25, figures


@pytest.mark.timeout(SESSION_TIMEOUT)
def test_memory_stays_flat_over_many_saves(session_of_saves):
    rss, _cpu, _fresh, figures = session_of_saves
    assert rss[-1] <= rss[0] * (1 + MEMORY_GROWTH), figures


@pytest.mark.timeout(SESSION_TIMEOUT)
def test_a_save_costs_no_more_late_in_a_session_than_early(session_of_saves):
    """The last saves of a long session cost no more CPU than a fresh
    preview's first saves made at the same time."""
    _rss, cpu, fresh, figures = session_of_saves
    late = statistics.median(cpu[-WINDOW:])
    early = statistics.median(fresh)
    assert late <= early * (1 + TIME_GROWTH), figures


def settings_copies_in_the_cache(cache: Path) -> int:
    """How many distinct settings dicts the cached labels hold, as a later build loads them."""
    with gzip.open(cache / "ArticlesGenerator-Readers", "rb") as handle:
        entries = pickle.load(handle)  # the test's own cache file, just written by a build
    copies = set()
    for _stamp, (_body, metadata) in entries.values():
        for value in metadata.values():
            for label in value if isinstance(value, list) else [value]:
                if isinstance(label, URLWrapper):
                    copies.add(id(label.settings))
    return len(copies)


def test_the_content_cache_holds_one_copy_of_the_settings(tmp_path):
    """The cause of the preview's growth: each build that read a post again
    added one copy of its settings to the cache, through the post's labels."""
    site = Site(tmp_path / "site", posts=6)
    output = tmp_path / "output"
    for number in range(4):
        post = site.content / f"post-{number}.md"
        with post.open("a", encoding="utf-8") as handle:
            handle.write(f"\nA paragraph added before build {number}.\n")
        build_site(output, settings_file=site.settings, content=site.content)
    assert settings_copies_in_the_cache(cache_path(output)) == 1
