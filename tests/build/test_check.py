"""`invoke check`: every problem at once, grouped by file, each true and with its fix."""

from __future__ import annotations

import subprocess
import sys

from commons.check import SITE_WIDE, check_site
from tests.conftest import checkout_copy, copy_content

CODE_WITH_PATHS = """Title: Scraping
Date: 2020-01-02

```python
xpath = '//img/@src="/static/img/x.png"'
html = '<img src="/images/not-here.png">'
```

Inline `<a href="{filename}/gone.md">` is code too.
"""


def broken_site(content, static_links: int = 8):
    (content / "images").mkdir()
    (content / "images" / "desk.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (content / "other").mkdir()
    (content / "other" / "plan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (content / "bad-date.md").write_text("Title: A\nDate: 01/02/2026\n\nA.\n")
    (content / "no-title.md").write_text("Date: 2020-01-01\n\nB.\n")
    (content / "emoji.md").write_text("Title: C\nDate: 2020-01-01\nTags: 🎉\n\nC.\n")
    (content / "links.md").write_text(
        "Title: D\nDate: 2020-01-01\n\n[gone]({filename}/gone.md)\n\n"
        "![plan]({static}/other/plan.png)\n"
    )
    (content / "relative.md").write_text("Title: E\nDate: 2020-01-01\n\n![desk](images/desk.svg)\n")
    (content / "scraping.md").write_text(CODE_WITH_PATHS)
    (content / "pages" / "broken.md").write_text("Title: Broken\n\n![x](/images/none.png)\n")
    # More than Pelican's five-per-kind log limit: every one must be listed.
    for number in range(static_links):
        (content / f"static-{number}.md").write_text(
            f"Title: S{number}\nDate: 2020-01-0{number % 9 + 1}\n\n"
            "[desk]({filename}/images/desk.svg)\n"
        )


def test_check_lists_every_problem_grouped_by_file(tmp_path):
    content = copy_content(tmp_path / "content")
    broken_site(content)

    report = check_site(content=content)
    problems = report.problems

    assert "01/02/2026" in problems["bad-date.md"][0]
    assert "'title' is missing" in problems["no-title.md"][0]
    assert "gives no URL" in problems["emoji.md"][0]
    assert any("{filename}/gone.md" in m and "does not exist" in m for m in problems["links.md"])
    assert any("not under STATIC_PATHS" in m for m in problems["links.md"])
    assert "relative to the post's file" in problems["relative.md"][0]
    assert "Fix: write {static}/images/desk.svg" in problems["relative.md"][0]
    assert "/images/none.png" in problems["pages/broken.md"][0]
    for number in range(8):
        assert "Use {static} instead" in problems[f"static-{number}.md"][0]
    # Code is not read for references.
    assert "scraping.md" not in problems
    # Every message has its fix, and Pelican's duplicate without a file is gone.
    for messages in problems.values():
        for message in messages:
            assert "Fix:" in message, message
    assert SITE_WIDE not in problems, problems.get(SITE_WIDE)
    assert report.count == sum(len(m) for m in problems.values()) >= 15
    rendered = report.render()
    assert "content/bad-date.md\n  - " in rendered
    assert rendered.endswith(f"{report.count} problems in {len(problems)} places.")


def test_check_task_exits_non_zero_on_problems_and_zero_on_a_clean_site(tmp_path):
    checkout = checkout_copy(tmp_path / "checkout", content=True)
    clean = subprocess.run(
        [sys.executable, "-m", "invoke", "check"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No problems found." in clean.stdout


def test_check_reports_a_relative_image_that_exists_truthfully(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    (content / "images" / "desk.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (content / "relative.md").write_text("Title: E\nDate: 2020-01-01\n\n![desk](images/desk.svg)\n")

    message = check_site(content=content).problems["relative.md"][0]
    assert "is not a file" not in message
    assert "published in a folder of its own" in message


def test_check_names_the_frames_and_players_the_sanitiser_removed(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "embed.md").write_text(
        "Title: Embed\nDate: 2020-01-01\n\n"
        '<iframe src="https://video.example/embed/1"></iframe>\n\n<video src="/v.mp4"></video>\n'
    )
    problems = check_site(content=content).problems
    messages = problems["embed.md"]
    assert any("<iframe>" in m and "Fix: link to what it showed" in m for m in messages)
    assert any("<video>" in m and "GUARD['html']['extra_tags']" in m for m in messages)
    assert "The site" not in problems, problems.get("The site")


def test_a_bad_date_in_a_file_name_is_listed_once_under_that_file(tmp_path):
    content = copy_content(tmp_path / "content")
    # Read after the sample post: the name's date must not be put on it.
    bad = "2019-13-45-market-day.md"
    (content / bad).write_text("Title: Market day\n\nStalls.\n", encoding="utf-8")
    report = check_site(content=content).problems
    mine = [name for name in report if name.endswith(bad)]
    assert len(mine) == 1, report
    [message] = report[mine[0]]
    assert "'2019-13-45'" in message and "<settings>" not in message, message
    others = [m for name, ms in report.items() if name != mine[0] for m in ms]
    assert not [m for m in others if "2019-13-45" in m], report
