"""The order the test files are handed to pytest-xdist's workers: the longest first.

`--dist loadfile` gives each worker one whole file at a time, the next one when
it is nearly done. By default pytest-xdist hands out the files with the most
tests first, which leaves the files of a few long tests (a preview taking 30
saves, a random walk of builds) for the end: one worker runs them for
minutes while the other has nothing left. Handed out first, they run while the
other worker takes the many short files, and the two finish together.
"""

from __future__ import annotations

# The files that take longest on one worker (setup, calls and teardown), the
# longest first: the wall seconds of each file in `--cpu-report` of a parallel
# run of the whole suite (tests/cpu_usage.py). A file not listed keeps its
# place in the collection, after these.
LONGEST_FILES = (
    "tests/preview/test_never_stale.py",
    "tests/build/test_untrusted_content.py",
    "tests/build/test_comment_publisher.py",
    "tests/build/test_publish_discussion.py",
    "tests/build/test_comments_backup.py",
    "tests/preview/test_preview_memory.py",
    "tests/browser/test_accessibility.py",
    "tests/build/test_render_record.py",
    "tests/browser/test_discussion_hostile.py",
    "tests/build/test_build_faults.py",
    "tests/package/test_plugin_alone.py",
    "tests/build/test_hostile_edges.py",
    "tests/package/test_upgrades.py",
    "tests/build/test_import_wordpress.py",
    "tests/browser/test_comment_guard.py",
    "tests/browser/test_comments_nginx_guard.py",
    "tests/browser/test_comment_snapshot.py",
    "tests/build/test_build_server.py",
    "tests/browser/test_discussion_unavailable.py",
    "tests/build/test_pelican_blogs.py",
    "tests/browser/test_import_comments.py",
    "tests/build/test_check_advice.py",
    "tests/build/test_serve_task.py",
    "tests/build/test_parallel_render.py",
)


def file_rank(nodeid: str) -> int:
    """The place of a test's file in LONGEST_FILES, or after all of them."""
    path = nodeid.split("::", 1)[0]
    return LONGEST_FILES.index(path) if path in LONGEST_FILES else len(LONGEST_FILES)


def pytest_configure(config):
    # Hand the files out in the collection's order (below), not by their number
    # of tests. The option exists only where pytest-xdist is installed.
    if getattr(config.option, "loadscopereorder", None) is not None:
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    """The longest files first; every file's tests keep their order (a stable sort)."""
    items.sort(key=lambda item: file_rank(item.nodeid))
