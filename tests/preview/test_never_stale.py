"""Never stale: after any sequence of saves, the preview's output is a fresh build, byte for byte.

A seeded, bounded random walk over the edits an editor makes (body, title,
date, slug, category, tags, draft and back, a new, deleted or renamed post, a
template, the stylesheet, the settings file), applied to a running preview
(`python -m commons.preview`, a real process) in bursts, some faster than a
build. After each burst the preview comes to rest and its output folder is
compared with a fresh `commons.build` of the same files.
"""

from __future__ import annotations

import datetime
import random
import re
import time

import pytest

from tests.preview.helpers import PreviewProcess, Site, differences, post_text

ROUNDS = 4
EDITS_PER_ROUND = (1, 4)
TAGS = ["coffee", "garden", "tool library", "book club", "repair café"]
CATEGORIES = ["Community", "Coworking", "Events"]


class Editor:
    """Applies random edits to the site's files, keeping its own record of each post."""

    def __init__(self, site: Site, rng: random.Random):
        self.site = site
        self.rng = rng
        self.counter = 0
        self.posts: dict[str, dict] = {}
        for path in sorted(site.content.glob("post-*.md")):
            self.posts[path.name] = self._parse(path.read_text(encoding="utf-8"))

    @staticmethod
    def _parse(text: str) -> dict:
        head, _, body = text.partition("\n\n")
        fields = dict(line.split(": ", 1) for line in head.splitlines())
        return {
            "title": fields["Title"],
            "date": datetime.datetime.strptime(fields["Date"], "%Y-%m-%d %H:%M"),
            "category": fields["Category"],
            "tags": [t.strip() for t in fields.get("Tags", "").split(",") if t.strip()],
            "slug": fields.get("Slug"),
            "draft": fields.get("Status") == "draft",
            "body": body.strip(),
        }

    def _save(self, name: str) -> None:
        (self.site.content / name).write_text(post_text(**self.posts[name]), encoding="utf-8")

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def edit(self) -> str:
        kinds = [
            "body", "title", "date", "slug", "category", "tags", "draft", "new",
            "delete", "rename", "template", "stylesheet", "settings",
        ]  # fmt: skip
        kind = self.rng.choice(kinds)
        if kind == "delete" and len(self.posts) <= 2:
            kind = "new"
        name = self.rng.choice(sorted(self.posts))
        post = self.posts[name]
        number = self._next()
        if kind == "body":
            post["body"] += f"\n\nAn added paragraph, edit {number}."
        elif kind == "title":
            post["title"] = f"A retitled post {number}"
        elif kind == "date":
            post["date"] = datetime.datetime(2023 + self.rng.randrange(3), 1 + number % 12, 5)
        elif kind == "slug":
            post["slug"] = f"chosen-slug-{number}"
        elif kind == "category":
            post["category"] = self.rng.choice(CATEGORIES)
        elif kind == "tags":
            post["tags"] = self.rng.sample(TAGS, self.rng.randrange(0, 3))
        elif kind == "draft":
            post["draft"] = not post["draft"]
        if kind in ("body", "title", "date", "slug", "category", "tags", "draft"):
            self._save(name)
        elif kind == "new":
            new = f"new-{number}.md"
            self.posts[new] = {
                "title": f"A new post {number}",
                "date": datetime.datetime(2025, 1 + number % 12, 7, 12, 0),
                "category": self.rng.choice(CATEGORIES),
                "tags": self.rng.sample(TAGS, 2),
                "slug": None,
                "draft": False,
                "body": f"A new post's body, edit {number}.",
            }
            self._save(new)
        elif kind == "delete":
            del self.posts[name]
            (self.site.content / name).unlink()
        elif kind == "rename":
            renamed = f"renamed-{number}.md"
            self.posts[renamed] = self.posts.pop(name)
            (self.site.content / name).rename(self.site.content / renamed)
        elif kind == "template":
            footer = self.site.theme / "templates" / "partials" / "site_footer.html"
            text = footer.read_text(encoding="utf-8")
            text = re.sub(r"<!-- edit \d+ -->|$", f"<!-- edit {number} -->", text, count=1)
            footer.write_text(text, encoding="utf-8")
        elif kind == "stylesheet":
            stylesheet = self.site.theme / "static" / "css" / "commons.css"
            with stylesheet.open("a", encoding="utf-8") as handle:
                handle.write(f"\n.edit-{number} {{ color: #123456; }}\n")
        elif kind == "settings":
            self.site.write_settings(f"Subtitle after edit {number}")
        return kind


@pytest.mark.parametrize("seed", [16, 1612])
def test_preview_output_equals_a_fresh_build_after_random_edits(tmp_path, seed):
    rng = random.Random(seed)
    site = Site(tmp_path / "site")
    editor = Editor(site, rng)
    preview = PreviewProcess(site, tmp_path / "preview" / "output", tmp_path / "preview.log")
    with preview:
        assert differences(site.fresh_build(tmp_path / "fresh-0"), preview.output) == []
        for round_ in range(1, ROUNDS + 1):
            rests = preview.status()["rests"]
            done = []
            for _ in range(rng.randint(*EDITS_PER_ROUND)):
                done.append(editor.edit())
                # Some saves come faster than a build, some slower.
                time.sleep(rng.choice([0.0, 0.05, 0.4, 1.5]))
            state = preview.settle(rests)
            assert state["error"] is None, state["error"]
            fresh = site.fresh_build(tmp_path / f"fresh-{round_}")
            assert differences(fresh, preview.output) == [], (
                f"round {round_} after {done}:\n{preview.log.read_text()}"
            )


def test_the_page_written_first_is_already_the_final_page(tmp_path):
    # A body edit's page, rendered from memory before the full pass, must be the
    # very bytes the full pass makes: the sync then leaves the file alone (a
    # rewrite would be a new file, a new inode) and the browser reloads once.
    site = Site(tmp_path / "site")
    preview = PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log")
    page = preview.output / "2024/03/post-number-2/index.html"
    with preview:
        rests = preview.status()["rests"]
        post = site.content / "post-2.md"
        post.write_text(post.read_text() + "\nA paragraph shown first.\n", encoding="utf-8")
        deadline = time.monotonic() + 60
        while b"A paragraph shown first." not in page.read_bytes():
            assert time.monotonic() < deadline, preview.log.read_text()
            time.sleep(0.01)
        written_first, first_bytes = page.stat().st_ino, page.read_bytes()
        preview.settle(rests)
        assert page.read_bytes() == first_bytes, preview.log.read_text()
        assert page.stat().st_ino == written_first, preview.log.read_text()
        assert differences(site.fresh_build(tmp_path / "fresh"), preview.output) == []


def test_a_page_shown_twice_before_a_full_pass_is_the_same_page(tmp_path):
    # While another post is broken no full pass succeeds, so two saves of one
    # post are both shown from the same build in memory. Plugins that keep
    # per-page state for one build (the discussion plugin emits its script once
    # per page) must not make the second showing differ from the first.
    site = Site(tmp_path / "site")
    preview = PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log")
    page = preview.output / "2024/03/post-number-2/index.html"
    broken, post = site.content / "post-0.md", site.content / "post-2.md"
    with preview:
        rests = preview.status()["rests"]
        broken.write_text(broken.read_text().replace("Date: 2024-01-03", "Date: someday"))
        assert "post-0.md" in preview.settle(rests)["error"]
        shown = []
        for word in ("first", "second"):
            rests = preview.status()["rests"]
            post.write_text(post.read_text() + f"\nA paragraph saved {word}.\n", encoding="utf-8")
            deadline = time.monotonic() + 60
            while f"A paragraph saved {word}.".encode() not in page.read_bytes():
                assert time.monotonic() < deadline, preview.log.read_text()
                time.sleep(0.01)
            preview.settle(rests)
            shown.append(page.read_bytes())
        assert shown[0].count(b"data-discussion-config") == 1
        assert shown[1].count(b"data-discussion-config") == 1
        assert shown[1].count(b"<script") == shown[0].count(b"<script") > 0
