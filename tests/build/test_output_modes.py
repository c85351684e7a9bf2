"""The published site is readable by a web server running as another user.

Folders are 0755 and files 0644 in `output/`, in what `publish` sends by
rsync, and in the gh-pages commit, whatever the umask or an upload's own mode.
The proof is a real server running as `nobody` answering 200.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from commons.servers import StaticSiteServer
from tests.as_nobody import NobodyCheckout, checkout_for_nobody
from tests.conftest import REPO_ROOT, SAMPLE_ARTICLE, checkout_copy, copy_content, require

INVOKE = Path(sys.executable).with_name("invoke")
# A one-pixel PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def world_readable_dir():
    """A folder another user can enter (pytest's own tmp folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="commons-modes-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def with_umask(command: list[str], umask: str = "077") -> list[str]:
    return ["sh", "-c", f'umask {umask} && exec "$@"', "sh", *command]


def build_with_umask(output: Path, content: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from commons.build import build_site; "
        "build_site(Path(sys.argv[1]), content=Path(sys.argv[2]))"
    )
    completed = subprocess.run(
        with_umask([sys.executable, "-c", code, str(output), str(content)]),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def content_with_uploads(folder: Path) -> Path:
    content = copy_content(folder)
    (content / "images").mkdir(exist_ok=True)
    private = content / "images" / "private-mode.png"
    private.write_bytes(PNG)
    private.chmod(0o600)
    executable = content / "images" / "executable-mode.png"
    executable.write_bytes(PNG)
    executable.chmod(0o755)
    return content


def modes(root: Path) -> dict[str, str]:
    """Each folder's and file's mode under `root` (itself included), as octal text."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        if not path.is_symlink():
            found[path.relative_to(root).as_posix()] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def assert_usual_modes(root: Path) -> None:
    found = modes(root)
    wrong = {
        name: mode
        for name, mode in found.items()
        if mode != ("0o755" if (root / name).is_dir() else "0o644")
    }
    assert not wrong, f"not 0755 (folders) / 0644 (files): {sorted(wrong.items())[:10]}"
    assert len(found) > 20


class NobodySiteServer(StaticSiteServer):
    """The static site server, run as the user nobody."""

    def __init__(self, directory: Path, nobody: NobodyCheckout):
        super().__init__(directory)
        self.nobody = nobody

    def command(self) -> list[str]:
        _python, *arguments = super().command()
        return self.nobody.command(*arguments)


def fetch_as_nobody(site: Path, paths: list[str]) -> dict[str, int]:
    """Serve `site` with a server running as the user nobody; the status of each path."""
    require(os.geteuid() == 0, "root (to run the web server as nobody)", "run the tests as root")
    require(shutil.which("setpriv") is not None, "setpriv", "apt-get install util-linux")
    statuses = {}
    with checkout_for_nobody() as nobody, NobodySiteServer(site, nobody) as server:
        for path in paths:
            try:
                with urllib.request.urlopen(f"{server.url}{path}") as response:
                    statuses[path] = response.status
            except urllib.error.HTTPError as error:
                statuses[path] = error.code
    return statuses


SERVED = ["", SAMPLE_ARTICLE, "images/private-mode.png", "feeds/all.atom.xml"]


def test_output_has_usual_modes_whatever_the_umask_and_uploads(world_readable_dir):
    content = content_with_uploads(world_readable_dir / "content")
    output = world_readable_dir / "output"
    build_with_umask(output, content)
    (output / "CNAME").write_text("commons.example.org\n")
    (output / "CNAME").chmod(0o600)
    # A rebuild: the retained CNAME is carried over, and published too.
    build_with_umask(output, content)

    assert_usual_modes(output)
    assert (output / "CNAME").read_text() == "commons.example.org\n"
    assert fetch_as_nobody(output, [*SERVED, "CNAME"]) == dict.fromkeys([*SERVED, "CNAME"], 200)


def test_rsync_publish_sends_usual_modes(world_readable_dir):
    target = world_readable_dir / "www"
    env = {
        **os.environ,
        "COMMONS_PUBLISH_METHOD": "rsync",
        "COMMONS_RSYNC_TARGET": f"{target}/",
        # publish refuses the example addresses; --offline: no comment server is asked.
        "COMMONS_SITEURL": "https://blog.cohere.coop",
        "COMMONS_ISSO_URL": "https://comments.cohere.coop/",
        "COMMONS_FEEDS_ID_AUTHORITY": "cohere.coop",
    }
    # The target does not exist yet: rsync creates it with the mode of the
    # folder the site was built in, which must not be the temporary 0700.
    checkout = checkout_copy(world_readable_dir / "checkout", content=True)
    completed = subprocess.run(
        with_umask([str(INVOKE), "-r", str(checkout), "publish", "--offline"]),
        cwd=world_readable_dir,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (target / "index.html").is_file()
    assert_usual_modes(target)
    served = ["", SAMPLE_ARTICLE, "feeds/all.atom.xml"]
    assert fetch_as_nobody(target, served) == dict.fromkeys(served, 200)


def test_gh_pages_commit_has_no_executable_or_private_file(world_readable_dir):
    require(shutil.which("git") is not None, "git", "apt-get install git")
    content = content_with_uploads(world_readable_dir / "content")
    output = world_readable_dir / "output"
    build_with_umask(output, content)
    # A retained file that was executable (git records only that bit) is
    # carried over by the next build, and published.
    security_txt = output / ".well-known" / "security.txt"
    security_txt.parent.mkdir()
    security_txt.write_text("Contact: mailto:security@example.org\n")
    security_txt.chmod(0o755)
    build_with_umask(output, content)
    repo = world_readable_dir / "repo"
    repo.mkdir()
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Commons",
        "GIT_AUTHOR_EMAIL": "commons@example.org",
        "GIT_COMMITTER_NAME": "Commons",
        "GIT_COMMITTER_EMAIL": "commons@example.org",
    }
    subprocess.run(["git", "init", "--quiet"], cwd=repo, check=True)
    ghp_import = Path(sys.executable).with_name("ghp-import")
    subprocess.run(
        [str(ghp_import), "--no-jekyll", "--branch", "gh-pages", str(output)],
        cwd=repo,
        env=git_env,
        check=True,
    )
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "gh-pages"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    file_modes = {line.split("\t")[1]: line.split()[0] for line in listing}
    assert "images/executable-mode.png" in file_modes
    assert ".well-known/security.txt" in file_modes
    assert set(file_modes.values()) == {"100644"}, {
        name: mode for name, mode in file_modes.items() if mode != "100644"
    }
