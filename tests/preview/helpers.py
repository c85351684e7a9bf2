"""A real preview process on a free 127.0.0.1 port, and a small site to edit under it."""

from __future__ import annotations

import datetime
import filecmp
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from commons.build import build_site
from commons.processes import stop_process_group
from commons.servers import free_port, wait_for_port
from tests.conftest import REPO_ROOT, restore_sigint

SETTINGS_TEMPLATE = """\
from pelicanconf import *  # noqa: F403

THEME = {theme!r}
SITESUBTITLE = {subtitle!r}
{extra}"""


def post_text(
    title: str,
    date: datetime.datetime,
    category: str,
    tags: list[str],
    body: str,
    slug: str | None = None,
    draft: bool = False,
    summary: str | None = None,
) -> str:
    lines = [f"Title: {title}", f"Date: {date:%Y-%m-%d %H:%M}", f"Category: {category}"]
    if tags:
        lines.append(f"Tags: {', '.join(tags)}")
    if slug:
        lines.append(f"Slug: {slug}")
    if summary:
        lines.append(f"Summary: {summary}")
    if draft:
        lines.append("Status: draft")
    return "\n".join(lines) + "\n\n" + body + "\n"


class Site:
    """A site folder: content, a copy of the theme, and a settings file importing pelicanconf."""

    def __init__(self, root: Path, posts: int = 4, extra_settings: str = ""):
        self.root = root
        self.extra_settings = extra_settings
        self.content = root / "content"
        self.theme = root / "theme"
        self.settings = root / "siteconf.py"
        shutil.copytree(REPO_ROOT / "theme", self.theme)
        (self.content / "pages").mkdir(parents=True)
        (self.content / "pages" / "about.md").write_text(
            "Title: About\n\nA small site for the preview's tests.\n", encoding="utf-8"
        )
        for number in range(posts):
            self.write_post(
                f"post-{number}.md",
                title=f"Post number {number}",
                date=datetime.datetime(2024 + number // 12, 1 + number % 12, 3, 9, 30),
                category="Community",
                tags=["garden"] if number % 2 else ["coffee", "garden"],
                body=f"The body of post {number}, with a first paragraph.",
            )
        self.write_settings("Tests of the preview")

    def write_settings(self, subtitle: str) -> None:
        self.settings.write_text(
            SETTINGS_TEMPLATE.format(
                theme=str(self.theme), subtitle=subtitle, extra=self.extra_settings
            ),
            encoding="utf-8",
        )

    def write_post(self, name: str, **fields) -> Path:
        path = self.content / name
        path.write_text(post_text(**fields), encoding="utf-8")
        return path

    def fresh_build(self, output: Path) -> Path:
        build_site(output, settings_file=self.settings, content=self.content)
        return output


class PreviewProcess:
    """`python -m commons.preview` for a Site, started and stopped by PID."""

    def __init__(self, site: Site, output: Path, log: Path):
        self.site = site
        self.output = output
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "commons.preview",
            "--settings",
            str(self.site.settings),
            "--content",
            str(self.site.content),
            "--theme",
            str(self.site.theme),
            "--output",
            str(self.output),
            "--port",
            str(self.port),
        ]

    def start(self) -> PreviewProcess:
        with self.log.open("w") as log_file:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=restore_sigint,
            )
        try:
            wait_for_port("127.0.0.1", self.port, self.process, timeout=300)
            self.wait_until_serving(timeout=300)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_serving(self, timeout: float) -> None:
        """Until the first build is in the output: the preview listens from its
        start (requests wait in the queue), and says "Preview: <url>" once it
        serves, after its first build."""
        deadline = time.monotonic() + timeout
        while f"Preview: {self.url}" not in self.log.read_text(encoding="utf-8"):
            if self.process.poll() is not None:
                raise RuntimeError(f"the preview stopped:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the preview did not start serving:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_process_group(self.process, timeout=30)

    def __enter__(self) -> PreviewProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
            return response.read()

    def status(self) -> dict:
        return json.loads(self.get("__commons/preview/status"))

    def settle(self, rests_before: int, timeout: float = 240, quiet: float = 0.6) -> dict:
        """Wait until the saves made since `rests_before` are handled and nothing moves."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            state = self.status()
            if state["rests"] > rests_before and not state["busy"]:
                time.sleep(quiet)
                again = self.status()
                if again["rests"] == state["rests"] and not again["busy"]:
                    return again
            time.sleep(0.05)
        raise TimeoutError(f"the preview did not come to rest:\n{self.log.read_text()}")


def differences(expected: Path, actual: Path) -> list[str]:
    """Every path whose presence or bytes differ between two folders."""
    found = []

    def walk(comparison: filecmp.dircmp, prefix: str) -> None:
        found.extend(f"only in the fresh build: {prefix}{n}" for n in comparison.left_only)
        found.extend(f"only in the preview: {prefix}{n}" for n in comparison.right_only)
        _match, mismatch, errors = filecmp.cmpfiles(
            comparison.left, comparison.right, comparison.common_files, shallow=False
        )
        found.extend(f"differs: {prefix}{n}" for n in [*mismatch, *errors])
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    # No names ignored: dircmp leaves out `tags` (and RCS, CVS…) by default.
    walk(filecmp.dircmp(expected, actual, ignore=[], hide=[]), "")
    return found
