"""Faults leave nothing behind and lose nothing (commons/build.py).

Each test breaks a build for real (SIGKILL of a build process, a crash
between the two renames of the swap, two builds at once, a damaged content
cache, an output folder that cannot be replaced) and checks `output/` byte
for byte against the site it held before.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from commons import DEV_SETTINGS
from commons import build as build_module
from commons.build import BuildError, build_site, clean_output, lock_path, output_lock
from commons.config import load
from tasks import search_index_override
from tests.as_nobody import checkout_for_nobody
from tests.conftest import REPO_ROOT, copy_content, require

# The killed builds are caught while Pagefind indexes (its workspace exists):
# local builds index only when asked.
INDEXED = search_index_override(load(DEV_SETTINGS).settings)

CNAME = "commons.example.org\n"
EXTRA_POSTS = 40  # enough for a build that lasts a moment, to be killed in


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` and its SHA-256 (folders as "dir"): the site byte for byte."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = "symlink:" + os.readlink(path)
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftovers(folder: Path) -> list[str]:
    """Work folders of builds anywhere under `folder` (not inside a built site)."""
    names = []
    for pattern in (".staging-*", ".previous-*", ".commons-search-*"):
        names += [path.name for path in folder.rglob(pattern)]
    return sorted(names)


def busy_content(folder: Path) -> Path:
    content = copy_content(folder)
    for number in range(EXTRA_POSTS):
        (content / f"busy-post-{number}.md").write_text(
            f"Title: Busy post {number}\nDate: 2024-01-{number % 28 + 1:02d} 10:00\n"
            f"Category: Community\nTags: busy, tag-{number % 9}\n\n"
            + "A paragraph about the coworking space and its members. " * 40
            + "\n",
            encoding="utf-8",
        )
    return content


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return busy_content(tmp_path_factory.mktemp("busy") / "content")


@pytest.fixture
def site(tmp_path, content):
    """A built site with a retained CNAME; returns (output, its tree)."""
    output = tmp_path / "output"
    build_site(output, content=content, overrides=INDEXED)
    (output / "CNAME").write_text(CNAME, encoding="utf-8")
    return output, tree(output)


BUILD_SCRIPT = """
import sys
from pathlib import Path
from commons import DEV_SETTINGS
from commons.build import BuildError, build_site
from commons.config import load
from tasks import search_index_override
{prelude}
try:
    build_site(
        Path(sys.argv[1]),
        content=Path(sys.argv[2]),
        overrides=search_index_override(load(DEV_SETTINGS).settings),
    )
except BuildError as error:
    print(error, file=sys.stderr)
    sys.exit(1)
"""


def start_build(output: Path, content: Path, prelude: str = "") -> subprocess.Popen:
    """A build in its own process (and process group), as `invoke build` runs one."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            BUILD_SCRIPT.format(prelude=prelude),
            str(output),
            str(content),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_search_workspace(folder: Path, process: subprocess.Popen) -> None:
    """Until Pelican is writing the site (the search plugin has made its workspace)."""
    deadline = time.monotonic() + 120
    while not list(folder.glob(".staging-*/.commons-search-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never reached the writing stage"
        time.sleep(0.01)


def processes_using(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in command:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("victim", ["process-group", "build-process-only"])
def test_a_killed_build_leaves_nothing_that_survives_the_next_build(site, content, victim):
    output, before = site
    parent = output.parent
    build = start_build(output, content)
    wait_for_search_workspace(parent, build)
    if victim == "process-group":
        os.killpg(build.pid, signal.SIGKILL)  # Ctrl-C in a terminal, a CI timeout
    else:
        os.kill(build.pid, signal.SIGKILL)  # the build's own process; Pelican lives on
    build.communicate(timeout=30)
    assert leftovers(parent), "the kill came too late: nothing was left to clean"
    assert tree(output) == before

    result = build_site(output, content=content, overrides=INDEXED)

    assert leftovers(parent) == []
    assert tree(output) == before  # byte for byte: a build is reproducible
    assert not processes_using(str(parent)), "a process of the killed build is still running"
    assert result.output == output


def test_a_killed_build_leaves_nothing_that_survives_clean(site, content):
    output, _before = site
    parent = output.parent
    build = start_build(output, content)
    wait_for_search_workspace(parent, build)
    os.kill(build.pid, signal.SIGKILL)
    build.communicate(timeout=30)
    assert leftovers(parent)

    kept = clean_output(output, [".git", ".nojekyll", "CNAME", ".well-known"])

    assert kept == ["CNAME"]
    assert leftovers(parent) == []
    assert tree(output) == {"CNAME": hashlib.sha256(CNAME.encode()).hexdigest()}
    assert not processes_using(str(parent))


CRASH_BETWEEN_RENAMES = """
import os, signal
_rename = os.rename
def rename(source, target):
    # The second rename of the swap (staging -> output): the machine dies.
    if str(source).endswith("/site"):
        os.kill(os.getpid(), signal.SIGKILL)
    _rename(source, target)
os.rename = rename
"""


def test_a_crash_between_the_renames_is_repaired_by_the_next_build(site, content):
    output, before = site
    parent = output.parent
    build = start_build(output, content, prelude=CRASH_BETWEEN_RENAMES)
    build.communicate(timeout=300)
    assert build.returncode == -signal.SIGKILL
    assert not output.exists(), "the crash did not come between the two renames"
    assert [path.name for path in parent.glob(".previous-output-*")]

    result = build_site(output, content=content, overrides=INDEXED)

    assert tree(output) == before  # the previous site's CNAME came back
    assert leftovers(parent) == []
    assert any("put back" in notice for notice in result.notices)


def test_two_builds_at_once_one_waits_and_nothing_is_lost(site, content):
    output, before = site
    first = start_build(output, content)
    second = start_build(output, content)
    outcomes = [process.communicate(timeout=600) for process in (first, second)]
    errors = "".join(stderr for _stdout, stderr in outcomes)
    assert (first.returncode, second.returncode) == (0, 0), errors
    assert "Waiting for the other build" in errors
    assert "EOFError" not in errors and "Traceback" not in errors
    assert tree(output) == before  # CNAME included
    assert leftovers(output.parent) == []


def test_a_build_that_cannot_wait_says_another_build_is_running(site, content):
    output, before = site
    with output_lock(output), pytest.raises(BuildError) as failure:
        build_site(output, content=content, overrides=INDEXED, wait=0.5)
    message = str(failure.value)
    assert f"Another build of {output} is running (pid {os.getpid()})" in message
    assert "Fix:" in message
    assert tree(output) == before
    assert lock_path(output).is_file()


def damage(cache_file: Path, how: str) -> None:
    data = cache_file.read_bytes()
    if how == "truncated":
        cache_file.write_bytes(data[: len(data) // 2])
    elif how == "corrupt-pickle":
        cache_file.write_bytes(gzip.compress(b"\x80\x04not a pickle at all" * 20))
    elif how == "not-gzip":
        cache_file.write_bytes(b"garbage " * 100)
    else:
        cache_file.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "corrupt-pickle", "not-gzip", "empty"])
def test_a_damaged_content_cache_is_dropped_with_a_notice_and_the_build_goes_on(site, content, how):
    output, before = site
    cache = output.parent / ".pelican-cache-output"
    # A build with a sound cache reads it and says nothing.
    sound = build_site(output, content=content, overrides=INDEXED)
    assert sound.notices == []
    cache_file = cache / "ArticlesGenerator-Readers"
    assert cache_file.stat().st_size > 1000
    damage(cache_file, how)

    result = build_site(output, content=content, overrides=INDEXED)

    assert len(result.notices) == 1
    assert "could not be read" in result.notices[0]
    assert str(cache_file) in result.notices[0]
    assert tree(output) == before
    # The build wrote a sound cache again, which the next build keeps.
    assert build_site(output, content=content, overrides=INDEXED).notices == []


@pytest.mark.parametrize("found_by", ["check-before-building", "the-rename-itself"])
def test_an_output_folder_that_is_a_mount_point_gets_a_sentence_and_the_fix(
    site, content, monkeypatch, found_by
):
    output, before = site
    require(os.geteuid() == 0, "root (to mount)", "run the tests as root")
    require(shutil.which("mount") is not None, "mount", "apt-get install mount")
    if found_by == "the-rename-itself":
        # As on a system whose mount table Commons cannot read: the swap's
        # rename is refused (EBUSY), and that gets the sentence too.
        monkeypatch.setattr(build_module, "is_mount_point", lambda path: False)
    mounted = subprocess.run(["mount", "--bind", str(output), str(output)], check=False)
    if mounted.returncode != 0:
        pytest.skip("this machine cannot bind-mount")
    try:
        with pytest.raises(BuildError) as failure:
            build_site(output, content=content, overrides=INDEXED)
        message = str(failure.value)
        assert "mount point" in message and "Fix:" in message
        assert "Traceback" not in message
        assert tree(output) == before
    finally:
        subprocess.run(["umount", str(output)], check=True)
    assert tree(output) == before
    assert leftovers(output.parent) == []


@pytest.mark.parametrize("immutable", ["output", "parent"])
def test_an_immutable_output_gets_a_sentence_and_the_fix(site, content, immutable):
    output, before = site
    require(shutil.which("chattr") is not None, "chattr", "apt-get install e2fsprogs")
    target = output if immutable == "output" else output.parent
    if subprocess.run(["chattr", "+i", str(target)], check=False).returncode != 0:
        pytest.skip("this file system has no immutable flag")
    try:
        with pytest.raises(BuildError) as failure:
            build_site(output, content=content, overrides=INDEXED)
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    message = str(failure.value)
    assert "Operation not permitted" in message
    assert str(target) in message and "chattr -i" in message
    assert "was left as it was" in message
    assert "Traceback" not in message
    assert tree(output) == before
    assert leftovers(output.parent) == []


def test_an_output_this_user_cannot_write_gets_a_sentence_and_the_fix(content):
    require(os.geteuid() == 0, "root (to build as the user nobody)", "run the tests as root")
    require(shutil.which("setpriv") is not None, "setpriv", "apt-get install util-linux")
    # A folder nobody may enter but not write (pytest's own are 0700).
    parent = Path(tempfile.mkdtemp(prefix="commons-unwritable-"))
    try:
        parent.chmod(0o755)
        output = parent / "output"
        build_site(output, content=content, overrides=INDEXED)
        before = tree(output)
        readable = shutil.copytree(content, parent / "content")
        with checkout_for_nobody() as nobody:
            completed = subprocess.run(
                nobody.command("-c", BUILD_SCRIPT.format(prelude=""), str(output), str(readable)),
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                env={**os.environ, "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1"},
                check=False,
            )
        assert completed.returncode == 1, completed.stderr
        assert "Traceback" not in completed.stderr, completed.stderr
        assert "Permission denied" in completed.stderr
        assert "Fix: " in completed.stderr and "write access" in completed.stderr
        assert tree(output) == before
        assert leftovers(parent) == []
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_a_rename_the_file_system_refuses_keeps_the_old_site(site, content, monkeypatch):
    """EXDEV (another file system) on the second rename: the first is undone."""
    output, before = site
    real_rename = os.rename

    def refusing_rename(source, target):
        if str(source).endswith("/site"):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(source), str(target))
        real_rename(source, target)

    monkeypatch.setattr(build_module.os, "rename", refusing_rename)
    with pytest.raises(BuildError) as failure:
        build_site(output, content=content, overrides=INDEXED)
    message = str(failure.value)
    assert "Invalid cross-device link" in message
    assert "one file system" in message
    assert tree(output) == before
    assert leftovers(output.parent) == []
