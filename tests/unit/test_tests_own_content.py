"""The machinery's tests build the tests' own sample content, never the
repository's `content/`: only tests/sample/ reads it (tests/content_reads.py)."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_CONTENT, TESTS_DIR
from tests.content_reads import repository_content_reads, scan

# tests/sample/ checks the repository's own site; tests/data/ holds other sites.
ALLOWED = (
    TESTS_DIR / "sample",
    TESTS_DIR / "data",
    TESTS_DIR / "tools",
    TESTS_DIR / "content_reads.py",
)


def test_no_test_outside_tests_sample_reads_the_repository_content():
    assert scan(TESTS_DIR, ALLOWED) == []


def test_the_sample_content_is_the_tests_own():
    assert SAMPLE_CONTENT.is_relative_to(TESTS_DIR)
    assert list(SAMPLE_CONTENT.rglob("*.md"))


READS = {
    "import": "from commons import CONTENT_DIR\n",
    "attribute": "import commons\nx = commons.CONTENT_DIR\n",
    "join": "from commons import REPO_ROOT\nx = REPO_ROOT / 'content' / 'a.md'\n",
    "join in one string": "x = SITE_ROOT / 'content/a.md'\n",
    "build without content": (
        "from commons.build import build_site\nbuild_site(out, overrides={})\n"
    ),
    "check without content": "from commons.check import check_site\ncheck_site(settings)\n",
    "publisher without content": (
        "from commons.comments.publisher import Publisher\nPublisher(settings, state)\n"
    ),
    "task in-process": "def test_a():\n    tasks.migrate_links(Context(), redirects=True)\n",
    "invoke on the repository": (
        "subprocess.run([sys.executable, '-m', 'invoke', 'check'], cwd=REPO_ROOT)\n"
    ),
    "invoke -r the repository": (
        "INVOKE = ['invoke', '-r', str(REPO_ROOT)]\nsubprocess.run([*INVOKE, 'publish'])\n"
    ),
    "a program without --content": (
        "subprocess.Popen([sys.executable, '-m', 'commons.comments.publisher', '--state', s])\n"
    ),
    "a helper defaulting to the repository": (
        "def run(*args, root=REPO_ROOT):\n"
        "    return subprocess.run([INVOKE, '-r', str(root), *args])\n"
        "run('publish', '--offline')\n"
    ),
}
CLEAN = {
    "build with content": (
        "from commons.build import build_site\nbuild_site(out, content=SAMPLE_CONTENT)\n"
    ),
    "check with content": "from commons.check import check_site\ncheck_site(s, content)\n",
    "task on other content": (
        "def test_a(monkeypatch):\n"
        "    monkeypatch.setattr(tasks, 'CONTENT_DIR', tmp)\n"
        "    tasks.migrate_links(Context())\n"
    ),
    "a helper given another folder": (
        "def run(*args, root=REPO_ROOT):\n"
        "    return subprocess.run([INVOKE, '-r', str(root), *args])\n"
        "run('publish', root=checkout)\n"
    ),
    "invoke of a task without content": (
        "subprocess.run(['invoke', '-r', str(REPO_ROOT), 'lint'])\n"
    ),
    "a folder named content elsewhere": "x = tmp_path / 'content'\n",
    "a program given --content": (
        "subprocess.Popen(['python', '-m', 'commons.preview.server', '--content', str(c)])\n"
    ),
}


@pytest.mark.parametrize("source", READS.values(), ids=READS)
def test_each_way_to_read_the_repository_content_is_found(source):
    assert repository_content_reads(source)


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN)
def test_what_reads_other_content_is_not_found(source):
    assert repository_content_reads(source) == []
