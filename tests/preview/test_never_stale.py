"""Never stale: after any sequence of saves, the preview's output is a fresh build, byte for byte.

A seeded random walk over the edits an editor makes (body, title, summary, date, slug,
category, tags, draft and back, a new, deleted or renamed post, a link from one
post to another and the post it links to, a template, the stylesheet, the
settings file and its Markdown options, a change that keeps the file's
modification time), applied to a running preview (`python -m commons.preview`,
a real process) in bursts, some faster than a build. After each burst the
preview comes to rest and its output folder is compared, every folder and
every byte, with a fresh `commons.build` of the same files. Half the posts
name their slug, so that a new title keeps their address: a save of one such
post's body or title alone is taken by the preview's resident path (its site
model kept, only the pages that show the post rendered), and the walk checks
that every round of one such save was.

The seed comes from the run and is printed; `COMMONS_STALE_SEED=<seed>` replays
a failure, `COMMONS_STALE_EDITS=<n>` makes the walk longer (default 40).
"""

from __future__ import annotations

import datetime
import os
import random
import re
import shutil
import time
from pathlib import Path

from commons.build import build_site
from tests.conftest import parse_html
from tests.preview.helpers import PreviewProcess, Site, differences, post_text

EDITS = int(os.environ.get("COMMONS_STALE_EDITS") or 40)
EDITS_PER_ROUND = (1, 4)
# What the preview says of a save rendered from its resident model
# (commons/preview/engine.py, catch_up) rather than a new one.
RESIDENT = "resident model: "
# A Markdown option that changes every body with an apostrophe: curly quotes.
SMARTY = (
    "MARKDOWN = {**MARKDOWN, 'extension_configs': "
    "{**MARKDOWN['extension_configs'], 'markdown.extensions.smarty': {}}}\n"
)
TAGS = ["coffee", "garden", "tool library", "book club", "repair café"]
CATEGORIES = ["Community", "Coworking", "Events"]


class Editor:
    """Applies random edits to the site's files, keeping its own record of each post."""

    def __init__(self, site: Site, rng: random.Random):
        self.site = site
        self.rng = rng
        # Whether the last edit is one the preview's resident path takes.
        self.resident = False
        self.counter = 0
        self.subtitle = "Tests of the preview"
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
            "summary": fields.get("Summary"),
            "body": body.strip(),
            "links": [],
        }

    def _save(self, name: str, keep_mtime: bool = False) -> None:
        fields = dict(self.posts[name])
        links = fields.pop("links")
        fields["body"] += "".join(
            f"\n\nSee [the post it links to]({{filename}}/{target})." for target in links
        )
        path = self.site.content / name
        before = path.stat() if keep_mtime else None
        path.write_text(post_text(**fields), encoding="utf-8")
        if before is not None:  # as `cp -p` or `rsync -t` leave it
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _linkers(self, name: str) -> list[str]:
        return sorted(other for other, post in self.posts.items() if name in post["links"])

    def edit(self) -> str:
        kinds = [
            "body", "title", "date", "slug", "category", "tags", "draft", "new",
            "delete", "rename", "link", "keep-mtime", "template", "stylesheet",
            "settings", "markdown", "summary",
            # Twice as likely: the saves the preview's resident path takes.
            "body", "title",
        ]  # fmt: skip
        kind = self.rng.choice(kinds)
        name = self.rng.choice(sorted(self.posts))
        post = self.posts[name]
        # A published post's body, or its title when its slug is set (its
        # address stays): the resident model takes such a save alone.
        self.resident = not post["draft"] and (
            kind in ("body", "keep-mtime", "summary")
            or (kind == "title" and post["slug"] is not None)
        )
        published = sorted(other for other, p in self.posts.items() if not p["draft"])
        if kind == "delete" and len(self.posts) <= 2 + len(self._linkers(name)):
            kind = "new"
        # One published post stays: a feed without entries is dated with the
        # time of its build (Pelican's feed generator), so two builds differ.
        if kind in ("delete", "draft") and published == [name]:
            kind = "new"
        # A link to a draft fails a fresh build too: only unlinked posts go
        # draft, and links go to published posts.
        if kind == "draft" and self._linkers(name):
            kind = "body"
        if kind == "link" and not [other for other in published if other != name]:
            kind = "body"
        number = self._next()
        if kind in ("body", "keep-mtime"):
            post["body"] += f'\n\nAn added paragraph, edit {number}: it\'s "quoted".'
        elif kind == "title":
            post["title"] = f"A retitled post {number}"
        elif kind == "summary":
            # What listings and feeds show of it instead of its first words.
            post["summary"] = f"A summary written at edit {number}, *in Markdown*."
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
        elif kind == "link":
            post["links"].append(self.rng.choice([other for other in published if other != name]))
        if kind in (
            "body", "title", "summary", "date", "slug", "category", "tags", "draft", "link"
        ):  # fmt: skip
            self._save(name)
        elif kind == "keep-mtime":
            self._save(name, keep_mtime=True)
        elif kind == "new":
            new = f"new-{number}.md"
            self.posts[new] = {
                "title": f"A new post {number}",
                "date": datetime.datetime(2025, 1 + number % 12, 7, 12, 0),
                "category": self.rng.choice(CATEGORIES),
                "tags": self.rng.sample(TAGS, 2),
                "slug": None,
                "draft": False,
                "summary": None,
                "body": f"A new post's body, edit {number}.",
                "links": [],
            }
            self._save(new)
        elif kind == "delete":
            # The post goes with the posts that link to it (their only link
            # is to it) or, if others link to those, the link goes.
            for linker in self._linkers(name):
                links = self.posts[linker]["links"]
                if self._linkers(linker) or set(links) != {name}:
                    # Every link to it: a post may link to it more than once.
                    self.posts[linker]["links"] = [target for target in links if target != name]
                    self._save(linker)
                else:
                    del self.posts[linker]
                    (self.site.content / linker).unlink()
            del self.posts[name]
            (self.site.content / name).unlink()
        elif kind == "rename":
            renamed = f"renamed-{number}.md"
            self.posts[renamed] = self.posts.pop(name)
            (self.site.content / name).rename(self.site.content / renamed)
            for linker in self._linkers(name):
                links = self.posts[linker]["links"]
                self.posts[linker]["links"] = [renamed if t == name else t for t in links]
                self._save(linker)
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
            self.subtitle = f"Subtitle after edit {number}"
            self.site.write_settings(self.subtitle)
        elif kind == "markdown":
            smarty = SMARTY in self.site.extra_settings
            self.site.extra_settings = self.site.extra_settings.replace(SMARTY, "")
            if not smarty:
                self.site.extra_settings += SMARTY
            self.site.write_settings(self.subtitle)
        return kind


def run_seed() -> int:
    """COMMONS_STALE_SEED when set (a replay), else a new seed for this run."""
    chosen = os.environ.get("COMMONS_STALE_SEED")
    return int(chosen) if chosen else random.SystemRandom().randrange(2**32)


def test_preview_output_equals_a_fresh_build_after_random_edits(tmp_path):
    seed = run_seed()
    replay = f"replay with COMMONS_STALE_SEED={seed} COMMONS_STALE_EDITS={EDITS}"
    print(f"never-stale seed: {seed} ({replay})")
    rng = random.Random(seed)
    site = Site(tmp_path / "site")
    editor = Editor(site, rng)
    # Half the posts name their slug: a new title keeps their address.
    for number, name in enumerate(sorted(editor.posts)):
        if number % 2:
            editor.posts[name]["slug"] = name.removesuffix(".md").replace("post-", "post-number-")
            editor._save(name)
    preview = PreviewProcess(site, tmp_path / "preview" / "output", tmp_path / "preview.log")
    with preview:
        assert differences(site.fresh_build(tmp_path / "fresh-0"), preview.output) == []
        done: list[str] = []
        round_ = 0
        # Rounds of one save the resident path must take (the preview at rest before it).
        resident_rounds = 0
        while len(done) < EDITS:
            round_ += 1
            rests = preview.status()["rests"]
            edits = rng.randint(*EDITS_PER_ROUND)
            for _ in range(edits):
                done.append(editor.edit())
                # Some saves come faster than a build, some slower.
                time.sleep(rng.choice([0.0, 0.05, 0.4, 1.5]))
            resident_rounds += edits == 1 and editor.resident
            state = preview.settle(rests)
            assert state["error"] is None, f"{replay}: after {done}: {state['error']}"
            # A fresh build into its own folder (its own, cold cache).
            fresh = site.fresh_build(tmp_path / "fresh" / str(round_))
            assert differences(fresh, preview.output) == [], (
                f"{replay}: round {round_} after {done}:\n{preview.log.read_text()}"
            )
            shutil.rmtree(fresh.parent)
        resident = preview.log.read_text().count(f"({RESIDENT}")
        print(f"never-stale: {resident} of {len(done)} saves taken by the resident path")
        assert resident >= resident_rounds, preview.log.read_text()


def saved_and_compared(preview: PreviewProcess, site: Site, fresh: Path, edit) -> None:
    """Make the edit in the running preview, then check the output against a cold build."""
    rests = preview.status()["rests"]
    edit()
    state = preview.settle(rests)
    assert state["error"] is None, state["error"]
    assert differences(site.fresh_build(fresh), preview.output) == [], preview.log.read_text()


def test_a_linked_posts_new_slug_and_every_later_save_build(tmp_path):
    site = Site(tmp_path / "site")
    editor = Editor(site, random.Random(0))
    editor.posts["post-1.md"]["links"].append("post-2.md")
    editor._save("post-1.md")
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def new_slug():
            editor.posts["post-2.md"]["slug"] = "a-chosen-slug"
            editor._save("post-2.md")

        def body():
            editor.posts["post-3.md"]["body"] += "\n\nA later save."
            editor._save("post-3.md")

        saved_and_compared(preview, site, tmp_path / "fresh-1", new_slug)
        saved_and_compared(preview, site, tmp_path / "fresh-2", body)


def test_a_post_deleted_with_the_only_post_linking_to_it(tmp_path):
    site = Site(tmp_path / "site")
    editor = Editor(site, random.Random(0))
    editor.posts["post-1.md"]["links"].append("post-2.md")
    editor._save("post-1.md")
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def delete_both():
            (site.content / "post-1.md").unlink()
            (site.content / "post-2.md").unlink()

        def body():
            editor.posts["post-3.md"]["body"] += "\n\nA later save."
            editor._save("post-3.md")

        saved_and_compared(preview, site, tmp_path / "fresh-1", delete_both)
        saved_and_compared(preview, site, tmp_path / "fresh-2", body)


def test_a_markdown_option_in_the_settings_reaches_every_post(tmp_path):
    site = Site(tmp_path / "site")
    post = site.content / "post-1.md"
    post.write_text(post.read_text() + '\nIt\'s "quoted".\n', encoding="utf-8")
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def smarty():
            site.extra_settings += SMARTY
            site.write_settings("Tests of the preview")

        saved_and_compared(preview, site, tmp_path / "fresh", smarty)
        page = (preview.output / "2024/02/post-number-1/index.html").read_text()
        assert "It&rsquo;s" in page or "It\u2019s" in page


def test_a_change_that_keeps_the_modification_time(tmp_path):
    site = Site(tmp_path / "site")
    editor = Editor(site, random.Random(0))
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def copied_with_its_time():
            editor.posts["post-1.md"]["body"] += "\n\nCopied over with its time."
            editor._save("post-1.md", keep_mtime=True)

        saved_and_compared(preview, site, tmp_path / "fresh", copied_with_its_time)
        page = preview.output / "2024/02/post-number-1/index.html"
        assert "Copied over with its time." in page.read_text()


def test_a_warm_build_follows_the_settings_and_the_files_bytes(tmp_path):
    # `invoke build` keeps its content cache between builds: a copy that keeps
    # the modification time, then a Markdown option, must still reach the site.
    site = Site(tmp_path / "site")
    editor = Editor(site, random.Random(0))
    warm = tmp_path / "warm"
    page = warm / "2024/02/post-number-1/index.html"
    build_site(warm, settings_file=site.settings, content=site.content)
    editor.posts["post-1.md"]["body"] += "\n\nIt's copied over with its time."
    editor._save("post-1.md", keep_mtime=True)
    build_site(warm, settings_file=site.settings, content=site.content)
    assert differences(site.fresh_build(tmp_path / "cold-1"), warm) == []
    assert "copied over with its time" in page.read_text()
    site.extra_settings += SMARTY
    site.write_settings("Tests of the preview")
    build_site(warm, settings_file=site.settings, content=site.content)
    assert differences(site.fresh_build(tmp_path / "cold-2"), warm) == []
    assert "It&rsquo;s copied" in page.read_text() or "It\u2019s copied" in page.read_text()


def test_the_comparison_sees_every_folder_tags_included(tmp_path):
    # filecmp.dircmp leaves out folders named `tags` (and RCS, CVS…) unless told.
    for name in ("fresh", "preview"):
        (tmp_path / name / "tags").mkdir(parents=True)
        (tmp_path / name / "tags" / "garden.html").write_text(f"the {name} tag page")
    assert differences(tmp_path / "fresh", tmp_path / "preview") == ["differs: tags/garden.html"]


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


def last_pass(preview: PreviewProcess) -> str:
    """What the last full pass rendered, as the preview says it."""
    lines = re.findall(r"Site up to date in .*\((.*)\)\.", preview.log.read_text())
    assert lines, preview.log.read_text()
    return lines[-1]


def rendered_and_kept(preview: PreviewProcess, resident: bool = False) -> tuple[int, int]:
    """What the last save rendered and kept; `resident`: it must have taken the
    resident path, else it must have built the site model again."""
    summary = last_pass(preview)
    assert summary.startswith(RESIDENT) == resident, preview.log.read_text()
    # (A resident save then says what its feeds' entries cost.)
    found = re.fullmatch(
        r"(\d+) pages and feeds rendered, (\d+) kept(, feed entries \d+ made, \d+ kept)?",
        summary.removeprefix(RESIDENT),
    )
    assert found, f"the pass rendered {summary}, not only what the save changed"
    return int(found[1]), int(found[2])


def test_a_save_renders_only_the_pages_that_show_the_post(tmp_path):
    # A title shows on the post's page, its neighbours' pages, the listings
    # and the feeds; a body only on its page and the feeds. Each save renders
    # those (the output stays a fresh build's) and keeps every other page.
    site = Site(tmp_path / "site", posts=14)
    editor = Editor(site, random.Random(0))
    post, older, newer = "post-6.md", "2024/06/post-number-5/", "2024/08/post-number-7/"
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def retitled():
            # Its address stays: the slug came from the title, it is now set.
            editor.posts[post]["slug"] = "post-number-6"
            editor.posts[post]["title"] = "A title the whole site shows"
            # Longer than a summary (Pelican's first 50 words): a paragraph
            # added at its end shows only on its page and in the feeds.
            editor.posts[post]["body"] = " ".join(["A first paragraph, long enough."] * 20)
            editor._save(post)

        saved_and_compared(preview, site, tmp_path / "fresh-1", retitled)
        title_rendered, title_kept = rendered_and_kept(preview)
        for page in (older, newer, "", "category/community/", "tag/garden/"):
            assert (
                "A title the whole site shows" in (preview.output / page / "index.html").read_text()
            )
        assert "A title the whole site shows" in (preview.output / "feeds/all.atom.xml").read_text()
        assert title_kept > 0

        def body():
            editor.posts[post]["body"] += "\n\nA paragraph only its page and the feeds show."
            editor._save(post)

        saved_and_compared(preview, site, tmp_path / "fresh-2", body)
        # Its address, date and labels stay: the resident model takes it.
        body_rendered, _kept = rendered_and_kept(preview, resident=True)
        assert body_rendered < title_rendered

        def retitled_again():
            editor.posts[post]["title"] = "A second title the whole site shows"
            editor._save(post)

        saved_and_compared(preview, site, tmp_path / "fresh-3", retitled_again)
        rendered, _kept = rendered_and_kept(preview, resident=True)
        assert body_rendered < rendered < title_rendered + 2
        for page in (older, newer, "", "category/community/", "tag/garden/"):
            shown = (preview.output / page / "index.html").read_text()
            assert "A second title the whole site shows" in shown, page

        def template():
            footer = site.theme / "templates" / "partials" / "site_footer.html"
            footer.write_text(footer.read_text() + "<!-- a template edit -->", encoding="utf-8")

        saved_and_compared(preview, site, tmp_path / "fresh-4", template)
        assert last_pass(preview) == "every page"


def test_a_save_that_stops_a_template_pass_still_renders_every_page(tmp_path):
    # The template's pass is stopped by the next save, a body edit: the
    # pass that follows must render every page, not only the post's.
    site = Site(tmp_path / "site", posts=6)
    editor = Editor(site, random.Random(0))
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def template_then_body():
            footer = site.theme / "templates" / "partials" / "site_footer.html"
            footer.write_text(footer.read_text() + "<!-- a template edit -->", encoding="utf-8")
            time.sleep(0.3)  # seen and its pass started, not ended
            editor.posts["post-2.md"]["body"] += "\n\nA save right after the template's."
            editor._save("post-2.md")

        saved_and_compared(preview, site, tmp_path / "fresh", template_then_body)
        assert "a template edit" in (preview.output / "index.html").read_text()


def test_a_resident_save_cleans_raw_html_as_a_fresh_build_does(tmp_path):
    # The resident path reads the saved file through the same readers, so the
    # guard's HTML policy applies: script, handlers and frames an editor left
    # in a body never reach the page the preview serves. A save that changes
    # what the guard removes builds the model again; the next save of the same
    # post, a plain text edit, takes the resident path with the markup still there.
    site = Site(tmp_path / "site", posts=6)
    editor = Editor(site, random.Random(0))
    post = "post-3.md"
    with PreviewProcess(site, tmp_path / "output", tmp_path / "preview.log") as preview:

        def hostile_body():
            editor.posts[post]["body"] += (
                '\n\n<script>window.owned = 1</script><p onclick="owned()">Hostile '
                'paragraph.</p><iframe src="/"></iframe>\n'
            )
            editor._save(post)

        saved_and_compared(preview, site, tmp_path / "fresh-1", hostile_body)

        def plain_edit():
            editor.posts[post]["body"] += "\n\nA plain paragraph after it.\n"
            editor._save(post)

        saved_and_compared(preview, site, tmp_path / "fresh-2", plain_edit)
        rendered_and_kept(preview, resident=True)
        (page_file,) = preview.output.glob("*/*/post-number-3/index.html")
        body = parse_html(page_file).xpath('//div[contains(@class, "entry-content")]')[0]
        assert "A plain paragraph after it." in body.text_content()
        assert "Hostile paragraph." in body.text_content()
        assert body.xpath(".//script | .//iframe | .//*[@onclick]") == []
