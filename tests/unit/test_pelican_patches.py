"""commons/pelican_patches.py: each patch does what it says against the installed
Pelican, and fails loudly when Pelican changes the code it relies on.

PINNED holds, per patch, a digest of the source of each piece of Pelican it
reads, calls or replaces (its decorators included). A Pelican release that
changes one fails `test_the_code_each_patch_relies_on_is_unchanged`, naming the
patch to review; once reviewed (or the patch dropped because Pelican now has
a public way), the digest is updated here.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import logging
import os
import shutil
import textwrap
from pathlib import Path

import pelican
from feedgenerator import Atom1Feed
from markdown import Markdown
from pelican import signals
from pelican.contents import Article, Page
from pelican.log import LimitFilter
from pelican.readers import MarkdownReader
from pelican.settings import DEFAULT_CONFIG, read_settings
from pelican.utils import get_date
from pelican.writers import Writer

from commons import pelican_patches
from commons.pelican_patches import (
    RAW_BODY_ATTRIBUTE,
    SITE_CONTEXT_ATTRIBUTE,
    FeedHooksWriter,
    forget_logged_messages,
    intrasite_links,
    markdown_metadata,
    open_files_with,
    raw_body,
    raw_summary,
    replace_intrasite_links,
    set_raw_body,
    set_raw_summary,
    url_setting_ignoring_override,
)
from tests.conftest import run_python

# patch -> {"file::Qualified.name": the first 16 hex digits of the SHA-256 of
# its source}. run_exit_handlers has no entry: atexit is written in C; its
# test below runs it.
PINNED = {
    "raw_body, set_raw_body, RAW_BODY_ATTRIBUTE, SITE_CONTEXT_ATTRIBUTE": {
        "pelican/contents.py::Content.__init__": "e35d226c2b38d73f",
        "pelican/contents.py::Content.get_content": "12493f0a35d241db",
    },
    "raw_summary, set_raw_summary": {
        "pelican/contents.py::Content.__init__": "e35d226c2b38d73f",
        "pelican/contents.py::Content.get_summary": "c8f9a328f96fdd1f",
        "pelican/contents.py::Content.refresh_metadata_intersite_links": "248533327185ebd9",
    },
    "intrasite_links": {
        "pelican/contents.py::Content._get_intrasite_link_regex": "3df1f28d5d809205",
        "pelican/contents.py::Content._update_content": "844fbd2f4af22373",
    },
    "replace_intrasite_links": {
        "pelican/contents.py::Content._update_content": "844fbd2f4af22373",
        "pelican/contents.py::Content._link_replacer": "fb1a5ffd2f550512",
    },
    "url_setting_ignoring_override": {
        "pelican/contents.py::Content._expand_settings": "62172ce5ac9d60ea",
        "pelican/contents.py::Content.get_url_setting": "01249aef23e5c3ea",
        "pelican/contents.py::Article._expand_settings": "7c7a41c71455f534",
        "pelican/contents.py::Page._expand_settings": "cda7368bbe8492ba",
    },
    "writer_for": {
        "pelican/__init__.py::Pelican._get_writer": "32c7f225418257b9",
        "pelican/__init__.py::Pelican.run": "0b825b05e2b58149",
    },
    "forget_logged_messages": {
        "pelican/log.py::LimitFilter": "95b52224a3fc26a0",
    },
    "open_files_with": {
        "pelican/writers.py::Writer._open_w": "bb0ee075abf5d647",
        "pelican/writers.py::Writer.write_file": "f56f40f78e9ead39",
        "pelican/writers.py::Writer.write_feed": "d76ceb631b54214f",
    },
    "FeedHooksWriter": {
        "pelican/writers.py::Writer._create_new_feed": "4aff6438a39767ec",
        "pelican/writers.py::Writer._add_item_to_the_feed": "c34bcbb5d39784a1",
        "pelican/writers.py::Writer.write_feed": "d76ceb631b54214f",
    },
    "markdown_metadata": {
        "pelican/readers.py::MarkdownReader": "cfec9be62d900898",
    },
}


def source_of(root: Path, where: str) -> str:
    """The source of `file::Class.method` (or a function, or a class) under `root`."""
    file, qualified = where.split("::")
    path = root / file
    text = path.read_text(encoding="utf-8")
    nodes = ast.parse(text, filename=str(path)).body
    found = None
    for name in qualified.split("."):
        found = next(
            (
                node
                for node in nodes
                if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name == name
            ),
            None,
        )
        if found is None:
            return ""
        nodes = found.body
    lines = text.splitlines()
    first = min([found.lineno, *(d.lineno for d in found.decorator_list)])
    return "\n".join(lines[first - 1 : found.end_lineno])


def digest(root: Path, where: str) -> str:
    # 64 bits of SHA-256: enough to notice a change, short enough to read.
    return hashlib.sha256(source_of(root, where).encode("utf-8")).hexdigest()[:16]


def changed_pieces(root: Path) -> list[str]:
    """`patch: piece` for each pinned piece of Pelican whose source differs under `root`."""
    return [
        f"{patch}: {where}" + ("" if source_of(root, where) else " (no longer there)")
        for patch, pieces in PINNED.items()
        for where, expected in pieces.items()
        if digest(root, where) != expected
    ]


SITE_PACKAGES = Path(pelican.__file__).parent.parent


def test_the_code_each_patch_relies_on_is_unchanged():
    changed = changed_pieces(SITE_PACKAGES)
    assert not changed, (
        f"Pelican {pelican.__version__} changed code that commons/pelican_patches.py relies on:\n"
        + "\n".join(changed)
        + "\nFix: review each named patch against the new code (and drop it if Pelican now "
        "offers a public way: docs/architecture.md), then pin the new digests in PINNED."
    )


def test_a_change_to_pinned_pelican_code_names_the_patch_to_review(tmp_path):
    shutil.copytree(Path(pelican.__file__).parent, tmp_path / "pelican")
    assert changed_pieces(tmp_path) == []
    writers = tmp_path / "pelican" / "writers.py"
    text = writers.read_text(encoding="utf-8")
    # One line more in Writer._open_w, as a Pelican release might add.
    marker = "        if filename in self._overridden_files:\n"
    assert marker in text
    writers.write_text(text.replace(marker, "        filename = str(filename)\n" + marker))
    assert changed_pieces(tmp_path) == ["open_files_with: pelican/writers.py::Writer._open_w"]


def test_every_patch_function_is_pinned_or_run_here():
    patches = {
        name
        for name, value in vars(pelican_patches).items()
        if callable(value) and getattr(value, "__module__", "") == pelican_patches.__name__
    }
    pinned = {name.strip() for names in PINNED for name in names.split(",")}
    assert patches - pinned == {"run_exit_handlers"}


# ------------------------------------------------------------ behaviour
def settings(**overrides) -> dict:
    return {**DEFAULT_CONFIG, "SITEURL": "https://example.org", **overrides}


def article(body: str, settings_: dict | None = None, context: dict | None = None, **metadata):
    metadata = {"title": "T", "date": get_date("2024-01-01"), **metadata}
    # Receivers other tests' builds left connected in this process do not run.
    with signals.content_object_init.muted():
        return Article(
            body,
            metadata=metadata,
            settings=settings_ or settings(),
            source_path="/content/t.md",
            context=context if context is not None else {},
        )


def test_raw_body_is_the_body_before_links_are_replaced_and_set_raw_body_replaces_it():
    context = {"generated_content": {}}
    post = article('<a href="{filename}/other.md">x</a>', context=context)
    assert raw_body(post) == '<a href="{filename}/other.md">x</a>'
    # The attributes a walk over a post's values skips by name.
    assert vars(post)[RAW_BODY_ATTRIBUTE] == raw_body(post)
    assert vars(post)[SITE_CONTEXT_ATTRIBUTE] is context
    set_raw_body(post, "<p>clean</p>")
    assert post.content == "<p>clean</p>"
    assert raw_body(Page.__new__(Page)) is None  # no body: a file, a stub


def test_raw_summary_is_the_summary_field_and_pelican_takes_what_is_set():
    post = article("<p>body</p>", summary="<p>{tag}x summary</p>")
    assert raw_summary(post) == "<p>{tag}x summary</p>"
    set_raw_summary(post, "<p>cleaned</p>")
    assert raw_summary(post) == "<p>cleaned</p>"
    post.refresh_metadata_intersite_links()
    assert post.metadata["summary"] == "<p>cleaned</p>"
    assert raw_summary(article("<p>body</p>")) is None


def test_intrasite_links_are_the_links_pelican_replaces():
    post = article("")
    html = '<img src="{static}/a.png"><a href="|filename|b.md">b</a><a href="/c">c</a>'
    found = [(m["what"], m["value"]) for m in intrasite_links(post, html)]
    assert found == [("static", "/a.png"), ("filename", "b.md")]


def test_replace_intrasite_links_replaces_as_pelican_does():
    other = article("", slug="other")
    context = {"generated_content": {"other.md": other}, "static_content": {}}
    post = article("", context=context)
    replaced = replace_intrasite_links(post, '<a href="{filename}/other.md">o</a>', "https://x.org")
    assert replaced == f'<a href="https://x.org/{other.url}">o</a>'


def test_url_setting_ignoring_override_is_the_site_s_setting_not_the_post_s():
    draft = article("", settings(DRAFT_SAVE_AS=""), status="draft", save_as="here.html")
    assert draft.save_as == "here.html"  # what Pelican 4.12 does (docs/upstream)
    assert url_setting_ignoring_override(draft, "save_as") == ""
    with signals.content_object_init.muted():
        page = Page(
            "",
            metadata={"title": "P", "status": "draft"},
            settings=settings(DRAFT_PAGE_SAVE_AS="drafts/{slug}.html"),
            source_path="/content/p.md",
        )
    assert url_setting_ignoring_override(page, "save_as") == "drafts/p.html"


# In a process of its own: receivers other tests' builds left connected to
# Pelican's signals in this one would answer get_writer too.
RUN_SITE = """
import json, sys
from pelican import Pelican, signals
from pelican.settings import read_settings
from pelican.writers import Writer
from commons.pelican_patches import writer_for

class ExtraWriter(Writer):
    pass

site = Pelican(read_settings(override={"PATH": sys.argv[1], "OUTPUT_PATH": sys.argv[2],
                                       "PLUGINS": [], "CACHE_CONTENT": False}))
found = {"writer": type(writer_for(site)).__name__}
signals.get_writer.connect(lambda _site: ExtraWriter, weak=False)
writer = writer_for(site)
found.update(plugin_writer=type(writer).__name__,
             writer_output=writer.output_path == site.output_path)
print(json.dumps(found))
"""


def test_writer_for_is_pelican_run_s(tmp_path):
    (tmp_path / "content").mkdir()
    result = run_python(RUN_SITE, str(tmp_path / "content"), str(tmp_path / "output"))
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["writer"] == "Writer"
    assert found["plugin_writer"] == "ExtraWriter" and found["writer_output"]


def test_forget_logged_messages_lets_a_message_through_again():
    limit = LimitFilter()
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "once %s", ("patches",), None)
    assert limit.filter(record)
    assert not limit.filter(record)
    forget_logged_messages()
    assert limit.filter(record)


def test_run_exit_handlers_runs_them_once_in_a_child_leaving_by_os_exit(tmp_path):
    program = textwrap.dedent(
        """
        import atexit, os
        from commons.pelican_patches import run_exit_handlers
        atexit.register(print, "handler ran", flush=True)
        if os.fork() == 0:
            run_exit_handlers()
            run_exit_handlers()
            os._exit(0)
        os.wait()
        atexit.unregister(print)
        """
    )
    result = run_python(program, timeout=60)
    assert result.stdout.splitlines() == ["handler ran"]


def test_open_files_with_routes_every_file_the_writer_opens(tmp_path):
    opened = []

    def opener(filename, encoding, override=False):
        opened.append((os.path.relpath(filename, tmp_path), override))
        return open(os.devnull, "w", encoding=encoding)

    writer = Writer(str(tmp_path), settings=settings())
    open_files_with(writer, opener)

    class Template:
        def render(self, context):
            return "page"

    with writer_signals_muted():
        writer.write_file("a/page.html", Template(), {})
        writer.write_feed([], feed_site(), "feed.xml")
    assert opened == [("a/page.html", False), ("feed.xml", False)]
    assert not (tmp_path / "a" / "page.html").exists()


@contextlib.contextmanager
def writer_signals_muted():
    """What the writer sends goes to no receiver other tests' builds left connected."""
    with (
        signals.content_written.muted(),
        signals.feed_generated.muted(),
        signals.feed_written.muted(),
    ):
        yield


def feed_site() -> dict:
    return {"SITENAME": "S", "SITEURL": "https://example.org", "FEED_DOMAIN": "https://example.org"}


def test_feed_hooks_writer_writes_pelican_s_feed_and_calls_the_public_steps(tmp_path):
    with writer_signals_muted():
        posts = [article("<p>one</p>", slug="one"), article("<p>two</p>", slug="two", title="U")]
        Writer(str(tmp_path / "a"), settings=settings()).write_feed(posts, feed_site(), "f.xml")
        FeedHooksWriter(str(tmp_path / "b"), settings=settings()).write_feed(
            posts, feed_site(), "f.xml"
        )
        assert (tmp_path / "a" / "f.xml").read_bytes() == (tmp_path / "b" / "f.xml").read_bytes()

        steps = []

        class Mine(FeedHooksWriter):
            def new_feed(self, feed_type, feed_title, context):
                steps.append(("new", feed_type))
                return Atom1Feed(title="mine", link="https://example.org/", description="")

            def add_feed_item(self, feed, item):
                steps.append(("item", item.slug))
                super().add_feed_item(feed, item)

        feed = Mine(str(tmp_path / "c"), settings=settings()).write_feed(
            posts, feed_site(), "f.xml"
        )
        assert steps == [("new", "atom"), ("item", "one"), ("item", "two")]
        assert feed.feed["title"] == "mine" and len(feed.items) == 2


def test_markdown_metadata_is_pelican_s_with_a_reused_converter(tmp_path):
    source = tmp_path / "post.md"
    source.write_text(
        "Title: A\nDate: 2024-01-01\nSummary: *bold* start\nTags: a, b\n\nbody\n", encoding="utf-8"
    )
    pelican_settings = read_settings()
    expected = MarkdownReader(pelican_settings).read(str(source))[1]
    reader = MarkdownReader(pelican_settings)
    body = Markdown(**pelican_settings["MARKDOWN"])
    body.convert(source.read_text(encoding="utf-8"))
    fields = Markdown(**pelican_settings["MARKDOWN"])
    meta = fields.preprocessors["meta"]
    for _ in range(2):  # the second time, Pelican took `meta` out of `fields` already
        assert markdown_metadata(reader, fields, meta, str(source), body.Meta) == expected
    assert "<em>bold</em>" in expected["summary"]
