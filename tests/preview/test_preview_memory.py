"""An hour of editing costs nothing extra: the preview's memory and its save time stay flat.

A real preview (`python -m commons.preview`) of a site of POSTS posts takes
SAVES body edits, one after another, each waited for until the preview is at
rest. After each save the resident memory of the preview's whole process tree
(its session, read from /proc) is taken, and the CPU time the save cost it.
Longer runs: COMMONS_MEMORY_POSTS and COMMONS_MEMORY_SAVES.
"""

from __future__ import annotations

import gzip
import os
import pickle
import statistics
import time
from pathlib import Path

import pytest
from pelican.urlwrappers import URLWrapper

from commons.build import build_site, cache_path
from tests.preview.helpers import PreviewProcess, Site

POSTS = int(os.environ.get("COMMONS_MEMORY_POSTS") or 200)
SAVES = int(os.environ.get("COMMONS_MEMORY_SAVES") or 30)
# Idle memory after the last save, against after the first: at most 10 % more.
MEMORY_GROWTH = 0.10
# Past the first saves, what one save may add for good (it is about 0.15 MiB).
WARM_SAVES = 5
MAX_SAVE_GROWTH = 0.5 * 2**20
# The median of the last saves' CPU time against the first saves' (CPU, not
# wall time: the machine is shared; and one save alone is noise).
TIME_GROWTH = 0.25
WINDOW = 5


def session_stats(session: int):
    """(the /proc/PID folder, its stat fields after the command name) of each
    process in `session`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The fields after the command name, which is in parentheses and may hold spaces.
            fields = stat[stat.rindex(")") + 2 :].split()
        except (OSError, ValueError):
            continue  # the process ended meanwhile
        if int(fields[3]) == session:
            yield entry, fields


def session_rss(session: int) -> int:
    """The resident bytes of every process in `session` (the preview, its children)."""
    total = 0
    for entry, _fields in session_stats(session):
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # the process ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def session_cpu(session: int) -> float:
    """CPU seconds (user and system) of every process in `session`, with the
    children they have waited for (each pass's child, once it has ended)."""
    ticks = sum(sum(int(value) for value in fields[11:15]) for _e, fields in session_stats(session))
    return ticks / os.sysconf("SC_CLK_TCK")


def save_and_wait(preview: PreviewProcess, post: Path, number: int) -> float:
    """Save a body edit, wait until the preview is at rest; the seconds it took."""
    rests = preview.status()["rests"]
    started = time.monotonic()
    with post.open("a", encoding="utf-8") as handle:
        handle.write(f"\nA paragraph added by save {number}.\n")
    deadline = started + 300
    while True:
        state = preview.status()
        if state["rests"] > rests and not state["busy"]:
            break
        assert time.monotonic() < deadline, preview.log.read_text()
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    assert state["error"] is None, state["error"]
    return elapsed


def saves(tmp_path) -> tuple[list[int], list[float], str]:
    """SAVES edits under a real preview: the RSS after each, the time of each, a summary."""
    site = Site(tmp_path / "site", posts=POSTS)
    preview = PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log")
    rss: list[int] = []
    times: list[float] = []
    cpu: list[float] = []
    with preview:
        session = preview.process.pid  # started in a session of its own
        for number in range(1, SAVES + 1):
            post = site.content / f"post-{number % POSTS}.md"
            before = session_cpu(session)
            times.append(save_and_wait(preview, post, number))
            time.sleep(0.3)  # idle: the pass's child has gone
            cpu.append(session_cpu(session) - before)
            rss.append(session_rss(session))
    mib = [round(value / 2**20, 1) for value in rss]
    figures = (
        f"{POSTS} posts, {SAVES} saves; RSS MiB after each save: {mib}; "
        f"save seconds: {[round(t, 2) for t in times]}; "
        f"CPU seconds: {[round(c, 2) for c in cpu]}"
    )
    print(figures)
    return rss, cpu, figures


@pytest.fixture(scope="module")
def session_of_saves(tmp_path_factory):
    return saves(tmp_path_factory.mktemp("memory"))


def test_no_save_keeps_its_build(session_of_saves):
    """What must never come back: a save that keeps its build's posts (57 MiB a
    save at 5,000 posts once). Past the first saves (caches warming), a save
    may add at most MAX_SAVE_GROWTH, and the whole session 25 %."""
    rss, _times, figures = session_of_saves
    per_save = (rss[-1] - rss[WARM_SAVES]) / (len(rss) - 1 - WARM_SAVES)
    assert per_save <= MAX_SAVE_GROWTH, figures
    assert rss[-1] <= rss[0] * 1.25, figures


def test_memory_stays_flat_over_many_saves(session_of_saves):
    rss, _times, figures = session_of_saves
    assert rss[-1] <= rss[0] * (1 + MEMORY_GROWTH), figures


@pytest.mark.xfail(
    reason="issue 25, point 3: at 200 posts a save's CPU grows from 0.93 s (median of the "
    "first five saves) to about 1.6 s (the last five) over 30 saves, each to another post; "
    "the cause is not found yet",
    strict=False,
)
def test_a_save_costs_no_more_late_in_a_session_than_early(session_of_saves):
    _rss, cpu, figures = session_of_saves
    first = statistics.median(cpu[:WINDOW])
    last = statistics.median(cpu[-WINDOW:])
    assert last <= first * (1 + TIME_GROWTH), figures


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
