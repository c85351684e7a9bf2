"""One `check` run lists every problem, and every fix it gives works when followed literally.

Each case writes posts with one kind of problem into a copy of the site, runs
`check`, follows each message's fix as written (tests/advice.py: the post or
the site's pelicanconf.py, nothing else), and runs `check` again: the
problem is gone and nothing new appears. The local build and the production
build then succeed too, since the three read the same settings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import html

from commons import REPO_ROOT
from commons.build import BuildError, BuildResult, build_site
from commons.check import CheckReport, check_site
from commons.linkcheck import broken_links
from tests.advice import NotFollowable, Site, follow, new_site

OFFLINE = {"COMMONS_COMMENTS_OFFLINE": "1"}
PUBLIC = "https://commons.example.org"  # publishconf.py's SITEURL (PUBLIC_URL)
OTHER = "Title: Other post\nDate: 2020-01-05\n\n## Getting there\n\nText.\n"
VIDEO_BYTES = 2_700_000

# name -> (files under content/, the text every message about it contains).
CASES = {
    "title from the first heading": (
        {"notes/bread.md": "Date: 2020-01-02\n\n# Bread from the market\n\nText.\n"},
        "`Title: Bread from the market`",
    ),
    "title of a file with YAML front matter": (
        {"yaml.md": "---\ndate: 2020-01-02\n---\n\n## Ferments\n\nText.\n"},
        "`Title: Ferments`",
    ),
    "date from the file name": (
        {"notes/market-2019-03-04.md": "Title: Market day\n\nText.\n"},
        "`Date: 2019-03-04`",
    ),
    "unpadded date": (
        {"padded.md": "Title: Padded\nDate: 2015-8-5 9:09\n\nText.\n"},
        "write 2015-08-05 09:09",
    ),
    "ambiguous date": (
        {"2018-06-07-ambiguous.md": "Title: Ambiguous\nDate: 01/02/2026\n\nText.\n"},
        "for example 2018-06-07",
    ),
    "tag without letters": (
        {"party.md": "Title: Party\nDate: 2020-01-02\nTags: 🎉, food\n\nText.\n"},
        "'🎉 tag'",
    ),
    "slug without letters": (
        {"slugless.md": "Title: Slugless\nDate: 2020-01-02\nSlug: !!!\n\nText.\n"},
        "`Slug: slugless`",
    ),
    "url without save_as": (
        {"moved.md": "Title: Moved\nDate: 2020-01-02\nUrl: moved/\n\nText.\n"},
        "'url' and 'save_as'",
    ),
    "save_as without url": (
        {"kept.md": "Title: Kept\nDate: 2020-01-02\nSave_as: kept/index.html\n\nText.\n"},
        "'save_as' and 'url'",
    ),
    "image without alt text": (
        {
            "images/desk.png": b"\x89PNG\r\n\x1a\n",
            "alt.md": (
                "Title: Alt\nDate: 2020-01-02\n\n![]({static}/images/desk.png)\n\n"
                '<img src="{static}/images/desk.png" alt="">\n'
            ),
        },
        "has no alt text",
    ),
    "uploads outside STATIC_PATHS": (
        {
            "uploads/2012/photo.png": b"\x89PNG\r\n\x1a\n",
            "uploads/2012/notes.pdf": b"%PDF-1.4\n",
            "uploads/2012/fix.patch": b"--- a\n+++ b\n",
            "photo.md": (
                "Title: Photo\nDate: 2020-01-02\n\n![A photo](/uploads/2012/photo.png)\n\n"
                "[notes](/uploads/2012/notes.pdf) and [the patch](/uploads/2012/fix.patch)\n"
            ),
        },
        "uploads",
    ),
    "old address of a post": (
        {"other.md": OTHER, "linker.md": "Title: L\nDate: 2020-01-02\n\n[o](/other-post.html)\n"},
        "write {filename}/other.md instead of /other-post.html",
    ),
    "link to a page that never existed": (
        {
            "lost.md": (
                "Title: Lost\nDate: 2020-01-02\n\n[gone](/2011/01/gone/) and [x]({filename}/x.md)\n"
            )
        },
        "remove the link to",
    ),
    "production address": (
        {
            "other.md": OTHER,
            "absolute.md": (
                "Title: Abs\nDate: 2020-01-02\n\n"
                f"[fine]({PUBLIC}/2020/01/other-post/) [gone]({PUBLIC}/nope.html) "
                f"[old](http://commons.example.org/other-post.html)\n"
            ),
        },
        "commons.example.org",
    ),
    "missing fragment": (
        {
            "other.md": OTHER,
            "frag.md": "Title: F\nDate: 2020-01-02\n\n[x]({filename}/other.md#nowhere)\n",
        },
        "remove #nowhere from the link",
    ),
    "remote image": (
        {
            "remote.md": "Title: R\nDate: 2020-01-02\n\n![A chart](https://media.example.net/chart.png)\n"
        },
        "'https://media.example.net' to SECURITY_HEADERS['extra_sources']['img'] in pelicanconf.py",
    ),
    "missing image": (
        {"noimage.md": "Title: N\nDate: 2020-01-02\n\n![A cat](/images/cat.png)\n"},
        "or remove the image",
    ),
    "filename link to an upload": (
        {
            "images/plan.png": b"\x89PNG\r\n\x1a\n",
            "plan.md": ("Title: Plan\nDate: 2020-01-02\n\n[plan]({filename}/images/plan.png)\n"),
        },
        "write {static} instead of {filename}",
    ),
    "an old theme's template": (
        {"templates/code.html": '{% extends "base.html" %}\n{% block content %}x{% endblock %}\n'},
        "move it out of content/",
    ),
    "upload over the upload limit": (
        {"images/clip.mp4": b"\x00" * VIDEO_BYTES},
        "GUARD['sources']['max_upload_bytes']",
    ),
}


def write_files(content: Path, files: dict) -> None:
    for name, text in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def lower_upload_limit(settings: Path) -> None:
    """An upload limit under VIDEO_BYTES, in the site's pelicanconf.py."""
    text = settings.read_text(encoding="utf-8").rstrip()
    settings.write_text(
        f"{text}\nGUARD = "
        '{**GUARD, "sources": {**GUARD["sources"], "max_upload_bytes": 1_000_000}}\n',
        encoding="utf-8",
    )


# The cases whose problem is a file that cannot be published at all (the
# guard's first stage): a check that finds one stops before it checks links
# and media, so these are acted on in a site of their own.
UNPUBLISHABLE_FILES = ("an old theme's template", "upload over the upload limit")


@dataclass
class Advice:
    """What acting on one `check` of a site holding a group of cases' files
    gave: the first check, what following each fix did, the second check, the
    local and the production builds."""

    first: CheckReport
    followed: dict[tuple[str, str], str | NotFollowable] = field(default_factory=dict)
    second: CheckReport | None = None
    local: BuildResult | BuildError | None = None
    production: BuildResult | BuildError | None = None


def case_site(root: Path, cases: list[str]) -> Site:
    site = new_site(root)
    for case in cases:
        write_files(site.content, CASES[case][0])
    if "upload over the upload limit" in cases:
        lower_upload_limit(site.settings)
    return site


def built_or_refused(output: Path, settings: Path, content: Path) -> BuildResult | BuildError:
    try:
        return build_site(output, settings_file=settings, content=content, env=OFFLINE)
    except BuildError as error:
        return error


def names_the_problem(case: str, refused: BuildError | None) -> bool:
    expected = CASES[case][1]
    return refused is not None and (expected in str(refused) or expected in refused.log)


def acted_on(root: Path, cases: list[str]) -> Advice:
    """Check a site with `cases`' files, follow every fix as written, check
    again, build for both."""
    site = case_site(root / "site", cases)
    first = check_site(settings_file=site.settings, content=site.content, env=OFFLINE)
    advice = Advice(first)
    for source, messages in first.problems.items():
        for message in messages:
            # A fix for a file another fix moved away needs no following.
            if (site.content / source).exists() or "pelicanconf.py" in message:
                try:
                    advice.followed[source, message] = follow(site, source, message)
                except NotFollowable as error:
                    advice.followed[source, message] = error
    advice.second = check_site(settings_file=site.settings, content=site.content, env=OFFLINE)
    advice.local = built_or_refused(root / "local", site.settings, site.content)
    advice.production = built_or_refused(root / "production", site.publish_settings, site.content)
    return advice


@pytest.fixture(scope="module")
def advice(tmp_path_factory) -> dict[str, Advice]:
    """Each case's advice, from two sites that hold several cases' files: the
    cases' files never share a name (except OTHER, the same post in each) and
    their fixes touch only their own files or add to pelicanconf.py, so each
    case's messages and fixes are the ones a site of its own gave."""
    root = tmp_path_factory.mktemp("advice")
    publishable = [case for case in CASES if case not in UNPUBLISHABLE_FILES]
    return {
        **dict.fromkeys(publishable, acted_on(root / "publishable", publishable)),
        **dict.fromkeys(
            UNPUBLISHABLE_FILES, acted_on(root / "unpublishable", list(UNPUBLISHABLE_FILES))
        ),
    }


@pytest.fixture(scope="module")
def refused(tmp_path_factory) -> dict[str, BuildError | None]:
    """The build's refusal of each case's content. A build stops at its first
    problem, so a site with every case's files is refused for the first
    ones only: those cases are settled, and the others' files are built
    again without them, until every case is settled or a build names none of
    the cases left (each of those gets that build's refusal, or None)."""
    root = tmp_path_factory.mktemp("refused")
    left = list(CASES)
    refusals: dict[str, BuildError | None] = {}
    while left:
        site = case_site(root / f"site-{len(refusals)}", left)
        built = built_or_refused(root / f"output-{len(refusals)}", site.settings, site.content)
        error = built if isinstance(built, BuildError) else None
        named = [case for case in left if names_the_problem(case, error)] or left
        refusals.update(dict.fromkeys(named, error))
        left = [case for case in left if case not in named]
    return refusals


@pytest.mark.parametrize("case", list(CASES))
def test_following_each_fix_removes_the_problem_in_check_build_and_publish(advice, refused, case):
    files, expected = CASES[case]
    acted = advice[case]
    first = acted.first
    messages = [(source, m) for source, ms in first.problems.items() for m in ms if source in files]
    assert messages, case
    assert any(expected in message for _, message in messages), first.render()
    assert "The site" not in first.problems, first.render()
    # The build refuses the same content, with the same fixes.
    assert names_the_problem(case, refused[case]), refused[case]

    for source, message in messages:
        followed = acted.followed.get((source, message), "not needed")
        if isinstance(followed, NotFollowable):
            raise followed

    assert acted.second.problems == {}, acted.second.render()
    for built in (acted.local, acted.production):
        if isinstance(built, BuildError):
            raise built
    assert (acted.local.output / "index.html").is_file()
    if case == "remote image":
        # The production policy allows the host the fix added, from pelicanconf.py.
        headers = (acted.production.output / "_headers").read_text(encoding="utf-8")
        assert "https://media.example.net" in headers


def test_one_check_lists_every_problem_of_every_file_under_its_real_path(tmp_path):
    site = new_site(tmp_path / "site")
    write_files(
        site.content,
        {
            "other.md": OTHER,
            "notes/Bread from the market (sourdough).md": (
                "Date: 01/02/2026\nTags: 🎉\n\n# Sourdough at the market\n\n"
                "[a]({filename}/gone.md) [b](/2020/01/nothing/) [c](https://commons.example.org/nope.html)"
                "\n\n![](/images/none.png)\n"
            ),
            " leading space.md": "\n# Leading space\n\nBody.\n",
            "notes/market-2019-03-04.md": "# Market day\n\nBody.\n",
            "zone.md": "Title: Zone\nDate: 2020-01-02\nTimezone: Mars/Olympus\n\nText.\n",
        },
    )
    report = check_site(settings_file=site.settings, content=site.content, env=OFFLINE)
    problems = report.problems

    assert sorted(problems) == [
        " leading space.md",
        "notes/Bread from the market (sourdough).md",
        "notes/market-2019-03-04.md",
        "zone.md",
    ], report.render()
    bread = problems["notes/Bread from the market (sourdough).md"]
    # Every field at once, then the links of the same file, in the same run.
    assert [m.split(".")[0] for m in bread[:3]] == [
        "metadata field 'date' has the value '01/02/2026', which is not an unambiguous date",
        "metadata field 'tags' has the name '🎉', which gives no URL (no letters or digits)",
        "metadata field 'title' is missing",
    ]
    assert "`Title: Sourdough at the market`" in bread[2]
    assert any("{filename}/gone.md" in m for m in bread)
    assert any("/2020/01/nothing/" in m for m in bread)
    assert any("https://commons.example.org/nope.html" in m for m in bread)
    assert any("/images/none.png" in m and "not a file" in m for m in bread)
    assert any("/images/none.png" in m and "no alt text" in m for m in bread)
    assert len(bread) == 8, bread  # each once
    leading = problems[" leading space.md"]
    assert any("`Title: Leading space`" in m for m in leading)
    assert any("'date' is missing" in m for m in leading)
    market = problems["notes/market-2019-03-04.md"]
    assert any("`Title: Market day`" in m for m in market)
    assert any("`Date: 2019-03-04`" in m for m in market)
    # A file Pelican cannot read: its reason, not only "could not read".
    assert problems["zone.md"] == [
        "Pelican could not read this file: 'No time zone found with key Mars/Olympus'. Fix: "
        "correct the file where the reason points (its metadata block at the top, or its "
        "markup), or move it out of content/ if it is not a post."
    ]
    # Never the sample post's title.
    assert "Sharing Your Work" not in report.render()


def test_a_name_anchors_are_link_targets(tmp_path):
    site = new_site(tmp_path / "site")
    write_files(
        site.content,
        {
            "faq.md": (
                'Title: FAQ\nDate: 2020-01-02\n\n<a name="faq"></a>\n\nQuestions.\n\n[top](#faq)\n'
            ),
            "asker.md": "Title: Asker\nDate: 2020-01-03\n\n[see]({filename}/faq.md#faq)\n",
        },
    )
    assert check_site(settings_file=site.settings, content=site.content, env=OFFLINE).problems == {}
    output = build_site(
        tmp_path / "out", settings_file=site.settings, content=site.content, env=OFFLINE
    ).output
    page = html.parse(str(output / "2020/01/faq/index.html")).getroot()
    (anchor,) = page.xpath("//a[@id='user-content-faq']")
    assert anchor.get("name") is None
    assert page.xpath("//a[@href='#user-content-faq']")


def test_a_video_upload_of_a_few_megabytes_builds(tmp_path):
    site = new_site(tmp_path / "site")
    write_files(
        site.content,
        {
            "images/clip.mp4": b"\x00" * VIDEO_BYTES,
            "clip.md": "Title: Clip\nDate: 2020-01-02\n\n[the clip]({static}/images/clip.mp4)\n",
        },
    )
    output = build_site(
        tmp_path / "out", settings_file=site.settings, content=site.content, env=OFFLINE
    ).output
    assert (output / "images/clip.mp4").stat().st_size == VIDEO_BYTES


def test_an_oversized_post_is_told_to_split_and_an_oversized_upload_is_not(tmp_path):
    site = new_site(tmp_path / "site")
    lower_upload_limit(site.settings)
    write_files(
        site.content,
        {
            "images/clip.mp4": b"\x00" * VIDEO_BYTES,
            "long.md": "Title: Long\nDate: 2020-01-02\n\n" + "word " * 420_000 + "\n",
        },
    )
    problems = check_site(settings_file=site.settings, content=site.content, env=OFFLINE).problems
    (upload,) = problems["images/clip.mp4"]
    assert "per upload" in upload and "several posts" not in upload
    assert f"GUARD['sources']['max_upload_bytes'] to {VIDEO_BYTES:_}" in upload
    (post,) = problems["long.md"]
    assert "split it into several posts" in post


def bare_environment() -> dict:
    """A shell's environment: no PYTHONPATH (an empty one would put the current
    folder on Python's path, which a person's shell does not)."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **OFFLINE}


def pelican_script() -> str:
    return str(Path(sys.executable).parent / "pelican")


def site_root(tmp_path: Path):
    """A site's root as a person has it: settings, content, and Commons' code beside them."""
    site = new_site(tmp_path / "site")
    for folder in ("commons", "plugins"):
        (site.root / folder).symlink_to(REPO_ROOT / folder)
    return site


@pytest.mark.parametrize("settings", [[], ["-s", "publishconf.py"]])
def test_bare_pelican_builds_from_the_site_root(tmp_path, settings):
    site = site_root(tmp_path)
    completed = subprocess.run(
        [pelican_script(), "content", *settings, "-o", str(tmp_path / "out")],
        cwd=site.root,
        capture_output=True,
        text=True,
        env=bare_environment(),
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_pelican_autoreload_rebuilds_a_new_post(tmp_path):
    site = site_root(tmp_path)
    log = tmp_path / "autoreload.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [pelican_script(), "content", "--autoreload", "-o", str(tmp_path / "out")],
            cwd=site.root,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=bare_environment(),
            start_new_session=True,
        )
    try:
        wait_for(lambda: log.read_text().count("Done: Processed") >= 1, log)
        fresh = site.content / "fresh.md"
        saved = [0.0]

        def rebuilt() -> bool:
            # Pelican starts watching only after its first build: a save made in
            # between is not seen, so the editor saves again, as one would.
            if time.monotonic() - saved[0] > 5:
                fresh.write_text(f"Title: Fresh\nDate: 2020-01-02\n\nNew {saved[0]}.\n")
                saved[0] = time.monotonic()
            return (tmp_path / "out/2020/01/fresh/index.html").is_file()

        wait_for(rebuilt, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_for(condition, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; the log says:\n{log.read_text()}")
        time.sleep(0.3)


BLOG = REPO_ROOT / "tests/data/pelican-blogs/kdeldycke-kevin-deldycke-blog/content"
BLOG_URL = "https://kevin.deldycke.com"


def test_a_real_pelican_blog_is_clean_after_acting_on_one_check_run(tmp_path, monkeypatch):
    """tests/data/README.md: a subset of a real blog, moved as docs/migration.md says."""
    from pelican.settings import read_settings

    from commons.migrate_links import migrate

    # The person sets the blog's own address (PUBLIC_URL) first.
    monkeypatch.setenv("COMMONS_SITEURL", BLOG_URL)
    site = new_site(tmp_path / "site")
    shutil.copytree(BLOG, site.content, dirs_exist_ok=True)
    migrate(site.content, read_settings(str(site.settings)), dry_run=False, progress=print)

    listed = check_site(settings_file=site.settings, content=site.content, env=OFFLINE)
    rendered = listed.render()
    # Links to the blog's own address are checked in the local run.
    assert f"the link {BLOG_URL.replace('https', 'http')}/" in rendered
    assert "templates/code.html" in listed.problems
    for source, messages in listed.problems.items():
        for message in messages:
            if (site.content / source).exists() or "pelicanconf.py" in message:
                follow(site, source, message)

    again = check_site(settings_file=site.settings, content=site.content, env=OFFLINE)
    assert again.problems == {}, again.render()
    build_site(tmp_path / "local", settings_file=site.settings, content=site.content, env=OFFLINE)
    production = build_site(
        tmp_path / "production",
        settings_file=site.publish_settings,
        content=site.content,
        env=OFFLINE,
    )
    assert broken_links(production.output, BLOG_URL) == []
