"""Receivers, settings and the lazily computed `page_meta` of each post and page."""

from __future__ import annotations

import html
import logging
import re
from functools import cached_property, partial
from urllib.parse import urlsplit

from lxml import html as lxml_html
from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Page

from commons.settings import URL, Check, Choice, Integer, ListOf, Optional, Pattern, Schema, install
from commons.urls import absolute_url, site_base

from .share import DEFAULT_NETWORKS, NATIVE, NETWORKS, ShareLink, share_links
from .structured_data import blog_posting, web_page

logger = logging.getLogger(__name__)

SETTING = "PAGE_META"

_TAG = re.compile(r"<[^>]+>")
# JSON-LD carries the first few comments of a post's snapshot, each shortened.
FIRST_COMMENTS = 3
COMMENT_TEXT_LENGTH = 500
_HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_HANDLE = re.compile(r"^(@[A-Za-z0-9_]{1,15})?$")


def _site_url(options, settings):
    """None: SITEURL when it is absolute (production), else FEED_DOMAIN (the local server)."""
    site_url = options["site_url"]
    if site_url is None:
        site_url = site_base(settings)
        if not site_url:
            return (
                "is None, and neither SITEURL nor FEED_DOMAIN is an absolute http(s) address",
                "",
                f"set {SETTING}['site_url'], SITEURL or FEED_DOMAIN to the site's address, "
                "such as 'https://commons.example.org'",
            )
    options["site_url"] = site_url.rstrip("/")
    return None


SCHEMA = Schema(
    SETTING,
    {
        # Where the site lives, for canonical URLs and share links. None: SITEURL
        # when it is absolute (production), else FEED_DOMAIN (the local server).
        "site_url": Optional(
            URL(trailing_slash=False),
            none_means="SITEURL or FEED_DOMAIN, whichever is absolute",
            help=(
                "the site's absolute address for canonical URLs, Open Graph, JSON-LD and share "
                "links; `None`: `SITEURL` when absolute (production), else `FEED_DOMAIN` (the "
                "local server)"
            ),
        ),
        "words_per_minute": Integer(220, minimum=1, help='reading speed for "N min read"'),
        "description_length": Integer(
            160,
            minimum=1,
            help="longest meta description (from `Description`, else the summary), cut at a word",
        ),
        "share_networks": ListOf(
            Choice(NETWORKS),
            DEFAULT_NETWORKS,
            accepted=f"a list drawn from {list(NETWORKS)}",
            help="the post's share buttons, in this order: 'native' is the browser's "
            "own share sheet (shown only where the browser has one), the others plain "
            "links; 'linkedin', 'facebook' and 'x' are there only when listed",
        ),
        "mastodon_instance": Pattern(
            _HOSTNAME.pattern.strip("^$"),
            "a host name such as 'mastodon.social' (no scheme, no path)",
            "mastodon.social",
            help="host name (no scheme) of the Mastodon instance the share link opens",
        ),
        # An @handle for twitter:site; empty: the tag is left out.
        "twitter_site": Pattern(
            _HANDLE.pattern.strip("^$"),
            "'' or an @handle such as '@cohere'",
            "",
            help="an `@handle` for `twitter:site`; empty: left out",
        ),
    },
    checks=[Check(("site_url",), _site_url)],
)
DEFAULTS = SCHEMA.defaults()


def plain_text(html: str) -> str:
    """Text of an HTML fragment, entities decoded, whitespace collapsed."""
    return " ".join(Markup(html or "").striptags().split())


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


class PageMeta:
    """Everything the head and the share section say about one post or page.

    Computed on first use, while the page is written: by then Pelican has
    resolved every internal link, so the content and summary are final.
    """

    def __init__(self, content, options: dict):
        self._content = content
        self._options = options

    @cached_property
    def url(self) -> str:
        return absolute_url(self._options["site_url"], self._content.url)

    @cached_property
    def title(self) -> str:
        # Titles are plain text (Markdown does not format metadata fields): kept
        # exactly as written, and escaped by whoever places them.
        return str(getattr(self._content, "title", ""))

    @cached_property
    def description(self) -> str:
        metadata = self._content.metadata
        source = metadata.get("description") or getattr(self._content, "summary", "")
        return shorten(plain_text(source), self._options["description_length"])

    @cached_property
    def word_count(self) -> int:
        # Runs of non-space characters. str.split() takes the same characters
        # for space as the regex \S+ (Unicode's, every code point checked)
        # at a third of its cost.
        return len(_TAG.sub(" ", self._content.content or "").split())

    @cached_property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / self._options["words_per_minute"]))

    @cached_property
    def published(self) -> str | None:
        date = getattr(self._content, "date", None)
        return date.isoformat() if date else None

    @cached_property
    def modified(self) -> str | None:
        modified = getattr(self._content, "modified", None)
        return modified.isoformat() if modified else self.published

    @cached_property
    def authors(self) -> list[str]:
        return [str(author) for author in getattr(self._content, "authors", None) or []]

    @cached_property
    def sections(self) -> list[str]:
        categories = getattr(self._content, "categories", None)
        if categories is None:
            category = getattr(self._content, "category", None)
            categories = [category] if category else []
        return [str(category) for category in categories]

    @cached_property
    def keywords(self) -> list[str]:
        return [str(tag) for tag in getattr(self._content, "tags", None) or []]

    @cached_property
    def json_ld(self) -> dict:
        """The page's schema.org data; the theme writes it with Jinja's `tojson`.

        No `description` (optional in schema.org): it would repeat the page's
        meta description and og:description word for word, which is what
        search engines and link previews read (the article page's weight budget)."""
        settings = self._content.settings
        language = getattr(self._content, "lang", None) or settings.get("DEFAULT_LANG", "en")
        if isinstance(self._content, Article):
            data = blog_posting(
                headline=self.title,
                url=self.url,
                published=self.published,
                modified=self.modified,
                authors=self.authors,
                site_name=settings.get("SITENAME", ""),
                sections=self.sections,
                keywords=self.keywords,
                **self._comments(),
            )
        else:
            data = web_page(
                name=self.title,
                url=self.url,
                site_name=settings.get("SITENAME", ""),
                language=language,
            )
        return data

    def _comments(self) -> dict:
        """commentCount and the first comments, from the discussion's comment snapshot."""
        discussion = getattr(self._content, "discussion", None)
        snapshot = getattr(discussion, "snapshot", None) if discussion else None
        if snapshot is None or not getattr(discussion, "enabled", False):
            return {}
        first = snapshot.published()[:FIRST_COMMENTS]
        return {
            "comment_count": snapshot.count,
            "comments": [
                {
                    "author": comment.author,
                    "created": comment.created,
                    "text": self._plain(str(comment.html))[:COMMENT_TEXT_LENGTH],
                    "url": f"{self.url}#{comment.anchor}",
                }
                for comment in first
            ],
        }

    @staticmethod
    def _plain(fragment: str) -> str:
        return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())

    @property
    def share_native(self) -> bool:
        """Whether the post offers the browser's own share sheet (theme.js shows it)."""
        return NATIVE in self._options["share_networks"]

    @cached_property
    def share_links(self) -> list[ShareLink]:
        return share_links(
            self._options["share_networks"],
            self.title,
            self.url,
            self._options["mastodon_instance"],
        )


def check_settings(pelican) -> None:
    options = install(pelican.settings, SCHEMA)
    site_url = options["site_url"]
    # Templates turn a page's output path into its canonical address with
    # `output_file|absolute_url`; copy the dict so Pelican's default stays untouched.
    pelican.settings["JINJA_FILTERS"] = {
        **pelican.settings.get("JINJA_FILTERS", {}),
        # A partial, not a lambda: Pelican's content cache pickles the settings.
        "absolute_url": partial(absolute_url, site_url),
        "fragments_to": fragments_to,
        "site_path": site_path,
    }


def site_path(site_url: str) -> str:
    """How the site's own pages address it: the path alone ("" at a domain's
    root, "/blog" in a folder) when SITEURL is absolute, so that no link
    repeats the scheme and host; a relative SITEURL (local builds) as it is.
    Canonical addresses, feeds and share links stay absolute (`absolute_url`)."""
    parts = urlsplit(site_url)
    return parts.path.rstrip("/") if parts.scheme and parts.netloc else site_url


def fragments_to(html_text: str, page_href: str, body: str = "") -> str:
    """`html_text` with its in-page links (`href="#x"`) aimed at `page_href#x`.

    A post's summary is shown on listings, where `#x` would point at the
    listing itself; on the post, the element with that id exists. A link to
    an id that only the summary has (not in `body`, the post's HTML) stays.
    """
    if not html_text or 'href="#' not in html_text:
        return html_text
    # huge_tree: past 256 levels libxml2 would silently drop the rest.
    parser = lxml_html.HTMLParser(huge_tree=True)
    root = lxml_html.fragment_fromstring(html_text, create_parent="div", parser=parser)
    # A link to an element only the summary has stays on the listing: the
    # post does not show its Summary field (`body` is the post's HTML).
    own = {i for i in root.xpath(".//@id") if f'id="{i}"' not in body}
    for link in root.iter("a"):
        href = link.get("href")
        if href and href.startswith("#") and href[1:] not in own:
            link.set("href", page_href + href)
    inner = (root.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root
    )
    return Markup(inner) if isinstance(html_text, Markup) else inner


def compact_json(generator) -> None:
    """The theme's `tojson` (JSON-LD, the discussion script's settings) without spaces.

    Jinja's `tojson` escapes what could end a script element; its policy sets
    only how `json.dumps` lays the text out. Keys stay sorted: builds are
    reproducible.
    """
    env = getattr(generator, "env", None)
    if env is not None:
        env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}


def attach(content) -> None:
    if isinstance(content, (Article, Page)):
        content.page_meta = PageMeta(content, content.settings[SETTING])


def register():
    signals.initialized.connect(check_settings)
    signals.content_object_init.connect(attach)
    signals.generator_init.connect(compact_json)
