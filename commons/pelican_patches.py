"""The one module of Commons that touches private names of Pelican (and of the runtime).

Everywhere else, Commons meets Pelican at its public seams: signals, public
methods and attributes, and subclasses of its classes that override public
methods only (tests/unit/test_pelican_privates.py holds the rest of the tree to
that). Where Pelican 4.12 offers no public way to do what Commons needs, the
private use is here, in one small named function each, with what it works
around and the upstream change that would let it go.
tests/unit/test_pelican_patches.py pins the Pelican code each one relies on:
a Pelican release that changes it fails that test, naming the patch to review
(docs/architecture.md, "Pelican's seams and the patches module").
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Iterator

from pelican.log import LimitFilter
from pelican.writers import Writer

# ------------------------------------------------------------ a post's body
# Pelican keeps the body and summary a reader returned, before it replaces the
# {filename}/{static}… links in them, in Content._content and
# Content._summary; `content`/`summary` give them with the links replaced, and
# there is no setter. Plugins are expected to use them (Pelican's own
# refresh_metadata_intersite_links reads `_summary` "that some plugins may be
# writing to"). Waits for: getpelican/pelican#3329, "provide public access to
# _content etc".


def raw_body(content) -> str | None:
    """The body as its reader returned it, links not yet replaced (None: a file, a stub)."""
    return getattr(content, "_content", None)


def set_raw_body(content, html: str) -> None:
    """Replace the body before Pelican first renders it (content_object_init)."""
    content._content = html


def raw_summary(content) -> str | None:
    """The Summary field as read, links not yet replaced; None when the post has none."""
    return getattr(content, RAW_SUMMARY_ATTRIBUTE, None)


def set_raw_summary(content, html: str) -> None:
    content._summary = html


# The attribute of every post that holds the whole site's context (what a
# digest of the post must not walk into), and the one that holds its body.
SITE_CONTEXT_ATTRIBUTE = "_context"
RAW_BODY_ATTRIBUTE = "_content"
# The one that holds the Summary field as read (raw_summary).
RAW_SUMMARY_ATTRIBUTE = "_summary"


def intrasite_links(content, html: str) -> Iterator:
    """Pelican's own matches of {filename}, {static}, {attach}… links in `html`.

    Content._get_intrasite_link_regex is what Pelican replaces links with;
    Commons checks them with the same expression so that both agree on what a
    link is. Waits for: a public `Content.intrasite_links()` (not yet filed;
    getpelican/pelican#3329 asks for public access to this state).
    """
    return content._get_intrasite_link_regex().finditer(html)


def replace_intrasite_links(content, html: str, siteurl: str) -> str:
    """`html` with its {filename}… links replaced as Pelican replaces a body's.

    For HTML Pelican does not replace links in itself (a summary made from
    a Summary field, handed to a feed). Waits for: Content._update_content made
    public (not yet filed; see getpelican/pelican#3329).
    """
    return content._update_content(html, siteurl)


def url_setting_ignoring_override(content, key: str) -> str:
    """The site's `*_SAVE_AS`/`*_URL` setting for `content`, expanded, whatever its metadata says.

    get_url_setting returns a post's own Save_as first; Commons needs the
    setting to know whether the site writes drafts at all. Waits for:
    docs/upstream/pelican-draft-save-as.patch (a draft's Save_as does not
    publish it where DRAFT_SAVE_AS is empty), with which this goes.
    """
    return content._expand_settings(key)


# ------------------------------------------------------------- Pelican.run
# The preview's full pass is Pelican.run itself (commons/preview/run_split.py).
# Its resident path renders a few pages from the model it kept, in a fork,
# without a new run: it needs the writer Pelican.run would use, which Pelican
# makes in a private method. Waits for: that method made public (not yet
# filed; getpelican/pelican#2695 discusses how writers are found).


def writer_for(pelican) -> Writer:
    """The writer Pelican.run would write with, a plugin's (get_writer) if it gives one."""
    return pelican._get_writer()


def forget_logged_messages() -> None:
    """Let Pelican's log say again what it said once already in this process.

    pelican.log.LimitFilter keeps the messages it let through, and the counts
    of each group, on the class: a process that builds many times (the
    preview) would stay silent about a second bad save with the same error.
    Waits for: a reset on LimitFilter, or its state kept per handler (not
    yet filed).
    """
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()


def run_exit_handlers() -> None:
    """Run what was registered with atexit, in a forked child about to leave by os._exit.

    A child forked deep in the preview's call stack cannot return or raise
    SystemExit through its parent's code; os._exit skips atexit, where
    plugins stop what they started (the search plugin's Pagefind). CPython
    has no public call for this; the function called is the one the
    interpreter itself runs at exit, and it empties the list it runs.
    """
    atexit._run_exitfuncs()


# ------------------------------------------------------------------ writers
def open_files_with(writer: Writer, opener: Callable) -> None:
    """Make `writer` open every file it writes with `opener(filename, encoding, override=False)`.

    Writer._open_w is where Pelican opens every page and feed it writes; the
    render children of plugins/parallel_render write nothing, so theirs opens
    os.devnull. Waits for: an output hook on Writer (not yet filed).
    """
    writer._open_w = opener


class FeedHooksWriter(Writer):
    """Pelican's Writer, with the two steps of `write_feed` a feed plugin replaces made public.

    Writer.write_feed makes the feed with `_create_new_feed` and adds each
    post with `_add_item_to_the_feed`; the rest (file, signals, overwrite
    checks) a subclass keeps by overriding only `new_feed` and `add_feed_item`
    here. Waits for: those two methods made public (not yet filed).
    """

    def new_feed(self, feed_type: str, feed_title: str | None, context: dict):
        return super()._create_new_feed(feed_type, feed_title, context)

    def add_feed_item(self, feed, item) -> None:
        super()._add_item_to_the_feed(feed, item)

    def _create_new_feed(self, feed_type, feed_title, context):
        return self.new_feed(feed_type, feed_title, context)

    def _add_item_to_the_feed(self, feed, item):
        self.add_feed_item(feed, item)


# ------------------------------------------------------------------ readers
MARKDOWN_META = "meta"


def markdown_metadata(reader, converter, meta_preprocessor, source_path, meta: dict) -> dict:
    """A Markdown file's metadata, as MarkdownReader.read makes it, with `converter`.

    Pelican's MarkdownReader parses metadata in `_parse_metadata`, with the
    converter it keeps in `_md`: it takes the `meta` preprocessor out of it
    (so that a Summary's first lines are not read as metadata) and converts
    the formatted fields (FORMATTED_FIELDS) with it. Commons reuses one
    converter for bodies, so it hands Pelican a second one, for fields only;
    that one's `meta_preprocessor` goes back in before each file because
    Pelican takes it out (so it never runs, whatever its priority).
    Waits for: MarkdownReader taking its converter from a public method (not
    yet filed).
    """
    if MARKDOWN_META not in converter.preprocessors:
        converter.preprocessors.register(meta_preprocessor, MARKDOWN_META, 0)
    reader._md = converter
    reader._source_path = source_path
    return reader._parse_metadata(meta)
