"""A site made by the first release builds with the current package, unedited."""

from __future__ import annotations

import shutil

from lxml import html

from commons import REPO_ROOT

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
