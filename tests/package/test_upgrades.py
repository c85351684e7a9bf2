"""Upgrades: a site made by the first release builds with the current package,
unedited; a site made by the previous release's wheel builds again after
`pip install -U` of the current one."""

from __future__ import annotations

import shutil
import time
import tomllib
from pathlib import Path

from lxml import html

from commons import REPO_ROOT
from tests.package.conftest import new_environment, pip_install

# Written by `commons new` of pelican-commons 0.1.0, and never edited since.
FIRST_RELEASE = REPO_ROOT / "tests" / "data" / "sites" / "first-release"


def test_the_first_releases_site_builds_and_checks_with_this_package(installed, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(FIRST_RELEASE, site)
    checked = installed.run(["commons", "check"], cwd=site)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = installed.run(["commons", "build"], cwd=site)
    assert built.returncode == 0, built.stdout + built.stderr
    (post,) = sorted((site / "output").glob("20*/*/*/index.html"))
    page = html.fromstring(post.read_bytes())
    assert page.xpath("normalize-space(//h1)") == "Welcome to First Release Makers"
    production = installed.run(
        ["pelican", "content", "-s", "publishconf.py", "-o", tmp_path / "public"], cwd=site
    )
    assert production.returncode == 0, production.stdout + production.stderr
    (public,) = sorted((tmp_path / "public").glob("20*/*/*/index.html"))
    canonical = html.fromstring(public.read_bytes()).xpath("string(//link[@rel='canonical']/@href)")
    assert canonical.startswith("https://first-release.org/"), canonical


# The previous release's wheel, built from its commit (tests/data/README.md).
PREVIOUS_WHEEL = REPO_ROOT / "tests" / "data" / "wheels" / "pelican_commons-0.1.0-py3-none-any.whl"
PREVIOUS_VERSION = "0.1.0"
UPGRADED_NAME = "Harbour Lane Makers"


def current_version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as project:
        return tomllib.load(project)["project"]["version"]


def site_sources(site: Path) -> dict[str, bytes]:
    """Every file of the site by its path: taken before the first build, its own
    files, the ones an editor keeps."""
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def the_post(output: Path) -> tuple[str, list[str]]:
    """The one post's title, and the titles the home page lists."""
    (post,) = sorted(output.glob("20*/*/*/index.html"))
    title = html.fromstring(post.read_bytes()).xpath("normalize-space(//h1)")
    home = html.fromstring((output / "index.html").read_bytes())
    listed = [" ".join(a.text_content().split()) for a in home.xpath("//main//h2//a")]
    return title, listed


def test_a_site_made_by_the_previous_release_upgrades_with_pip_install_U(installed, tmp_path):
    started = time.perf_counter()
    previous = new_environment(tmp_path / "venv", PREVIOUS_WHEEL)
    said = previous.run(["commons", "--version"], cwd=tmp_path)
    assert said.stdout.split() == ["commons", PREVIOUS_VERSION], said.stdout + said.stderr
    made = previous.run(["commons", "new", "harbour", "--name", UPGRADED_NAME], cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    site = tmp_path / "harbour"
    sources = site_sources(site)
    built = previous.run(["commons", "build"], cwd=site)
    assert built.returncode == 0, built.stdout + built.stderr
    before = the_post(site / "output")

    pip_install(previous.root, "--upgrade", installed.wheel)
    said = previous.run(["commons", "--version"], cwd=site)
    assert said.stdout.split() == ["commons", current_version()], said.stdout + said.stderr
    assert current_version() != PREVIOUS_VERSION
    metadata = previous.run(
        ["python", "-c", "import importlib.metadata as m; print(m.version('pelican-commons'))"],
        cwd=site,
    )
    assert metadata.stdout.strip() == current_version()

    # The same site, not one file changed, builds with the new version: no
    # setting has been renamed since the previous release, so nothing warns.
    rebuilt = previous.run(["commons", "build"], cwd=site)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "renamed" not in rebuilt.stdout + rebuilt.stderr
    assert {path: site_sources(site)[path] for path in sources} == sources
    title, listed = the_post(site / "output")
    assert (title, listed) == before
    assert title == f"Welcome to {UPGRADED_NAME}"
    assert listed == [title]
    print(f"\nupgrade from {PREVIOUS_VERSION}: {time.perf_counter() - started:.1f} s")
