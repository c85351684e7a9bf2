"""A build asked for some threads (THREAD_PAGES) over a copy of the last build
gives the same site, byte for byte, as a full build: the first comment of the
site, a comment on two posts at once, and the last comment deleted. And it
renders only a part of the pages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from commons.build import build_site, cache_settings, pelican_command
from tests.build.test_comment_snapshot_build import ISSO_URL, write_cache
from tests.conftest import PUBLISH_SETTINGS, REPO_ROOT, copy_content, site_files

SAMPLE_THREAD = "sharing-your-work-and-coworking-to-share"
POSTS = 24
CATEGORIES = ("Events", "Members", "Space")


def thread(number: int) -> str:
    return f"post-{number:02d}"


def add_posts(content):
    for number in range(POSTS):
        category = CATEGORIES[number % len(CATEGORIES)]
        tags = f"tag-{number % 4}, shared"
        (content / f"{thread(number)}.md").write_text(
            f"Title: Post {number}\nDate: 2020-01-{number + 1:02d} 10:00\n"
            f"Category: {category}\nTags: {tags}\nComments_id: {thread(number)}\n\n"
            f"Body of post {number}. Share your ideas in a comment!\n",
            encoding="utf-8",
        )
    return content


def comment(number: int, day: int, text: str) -> dict:
    return {
        "id": str(number),
        "parent": None,
        "author": f"Reader {number}",
        "website": None,
        "created": f"2024-03-{day:02d}T10:00:00Z",
        "text": f"<p>{text}</p>",
        "deleted": False,
    }


def overrides(threads=None) -> dict:
    settings = {
        "DISCUSSION": {
            "provider": "isso",
            "isso": {"url": ISSO_URL},
            "snapshot": {"refresh": "never"},
        }
    }
    if threads is not None:
        settings["THREAD_PAGES"] = {"threads": threads}
        settings["PARALLEL_RENDER"] = {"enabled": False}
    return settings


@pytest.fixture
def site(tmp_path, comments_cache):
    content = add_posts(copy_content(tmp_path / "content"))

    def full(name: str):
        output = tmp_path / name
        build_site(output, settings_file=PUBLISH_SETTINGS, content=content, overrides=overrides())
        return output

    def partial(output, threads):
        result = build_site(
            output,
            settings_file=PUBLISH_SETTINGS,
            content=content,
            overrides=overrides(threads),
            over_last=True,
        )
        return result

    return full, partial, content


def render_counts(site, content, threads, probe) -> tuple[int, int, int]:
    """What a partial build over a copy of `site` renders, keeps and skips (from its log)."""
    shutil.copytree(site, probe, symlinks=True)
    command = pelican_command(
        PUBLISH_SETTINGS, probe, content, {**cache_settings(site), **overrides(threads)}
    )
    # Pelican's plain handler prints warnings only; its rich one, wide enough
    # not to wrap, prints the plugin's info line whole.
    command[command.index("--log-handler") + 1] = "rich"
    completed = subprocess.run(
        [*command, "--verbose"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "500"},
    )
    log = completed.stdout + completed.stderr
    assert completed.returncode == 0, log
    found = re.search(
        r"Thread pages: (\d+) page\(s\) and feed\(s\) rendered, (\d+) page\(s\) of "
        r"their listings kept, (\d+) call\(s\) skipped",
        log,
    )
    assert found, log
    return int(found[1]), int(found[2]), int(found[3])


def test_partial_builds_equal_full_builds(site, comments_cache, tmp_path):
    full, partial, content = site
    cache = comments_cache
    running = full("running")
    steps = [
        # The site's first comment: the recent discussions page and the home
        # page's link to it appear, besides the post's own pages.
        ([thread(5)], {thread(5): [comment(1, 1, "First!")]}),
        # Two threads in one round, one of them the sample post's.
        (
            [thread(5), SAMPLE_THREAD],
            {
                thread(5): [comment(1, 1, "First!"), comment(2, 2, "Second")],
                SAMPLE_THREAD: [comment(3, 3, "On the sample")],
            },
        ),
        # The last comment of a thread deleted.
        ([thread(5)], {thread(5): [], SAMPLE_THREAD: [comment(3, 3, "On the sample")]}),
    ]
    for number, (changed, threads) in enumerate(steps):
        for thread_id, comments in threads.items():
            write_cache(cache, thread_id, comments)
        rendered, kept, skipped = render_counts(
            running, content, changed, tmp_path / f"probe-{number}"
        )
        # A part of the site: the other posts' pages are not written, and the
        # listings' pages that do not list the post are not rendered.
        assert 0 < rendered < skipped and kept > 0, (rendered, kept, skipped)
        partial(running, changed)
        expected = site_files(full(f"full-{number}"))
        got = site_files(running)
        differing = sorted(
            name for name in expected.keys() | got.keys() if expected.get(name) != got.get(name)
        )
        assert not differing, f"step {number}: {differing[:20]}"
        shutil.rmtree(tmp_path / f"full-{number}")
        shutil.rmtree(tmp_path / f"probe-{number}")


def test_a_partial_build_needs_the_last_build(site, tmp_path):
    from commons.build import BuildError

    _full, partial, _content = site
    with pytest.raises(BuildError) as raised:
        partial(tmp_path / "never-built", [thread(1)])
    assert "never-built" in str(raised.value)
