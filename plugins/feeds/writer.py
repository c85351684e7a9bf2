"""The feed-writing part of Pelican's Writer, replaced for Commons' feeds."""

from __future__ import annotations

import logging
import posixpath

from feedgenerator import Rss201rev2Feed, Stylesheet
from pelican.utils import set_date_tzinfo

from commons.derived_values import DerivedValues
from commons.paths import source_name
from commons.pelican_patches import FeedHooksWriter, replace_intrasite_links
from commons.urls import absolute_url, site_base

from . import entries as entries_module
from .entries import (
    FeedContentError,
    absolutize_html,
    describe_feed,
    discussion_link,
    entry_id,
    feed_id,
    feed_title,
    snapshot_count,
    snapshot_feed,
)
from .options import SETTING
from .syndication import CommonsAtomFeed, CommonsRssFeed, kept_entries

logger = logging.getLogger(__name__)


class CommonsFeedWriter(FeedHooksWriter):
    """Pelican's Writer with full-content, absolute-URL, stable-id feeds.

    Pages are written exactly as Pelican writes them; only the two steps that
    build a feed and its items are replaced.
    """

    _feed_path = ""
    # Feeds written before with the same settings, and the posts changed
    # since (the preview's resident path sets it): an object with
    # `text(path)`, the feed file's text or None, and `changed(post)`. An
    # unchanged post's entry is then taken from the file as it is.
    kept_feeds = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (id(post), summary only) -> (post, add_item's keyword arguments).
        self._entry_fields: dict[tuple, tuple] = {}
        # (feed class, entry key) -> the entry's XML; see syndication.py.
        self._entry_xml: dict[tuple, str] = {}
        # Posts' HTML with absolute links, kept with the content cache: a post
        # whose text did not change is not parsed again by the next build.
        self._absolute = DerivedValues(
            self.settings, "feed-html", [entries_module.__file__], packages=("lxml",)
        )
        self._absolute.connect()
        # Entries worked out from their posts, and taken from kept feeds.
        self.entry_counts = {"made": 0, "kept": 0}

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", **kwargs):
        # Pelican does not hand the path on to the methods below; the feed's
        # id, its page link and its stylesheet link all depend on it.
        self._feed_path = path or url or ""
        return super().write_feed(elements, context, path, url, feed_type, **kwargs)

    def new_feed(self, feed_type, feed_title_suffix, context):
        options = self.settings[SETTING]
        base = site_base(self.settings)
        about = describe_feed(self._feed_path, self.settings)
        stylesheets = None
        if options["stylesheet"]:
            directory = posixpath.dirname(self._feed_path) or "."
            href = posixpath.relpath(options["stylesheet"], directory)
            stylesheets = [Stylesheet(href, mimetype="text/xsl", media=None)]
        feed_class = CommonsRssFeed if feed_type == "rss" else CommonsAtomFeed
        feed = feed_class(
            title=feed_title(context["SITENAME"], about.kind, feed_title_suffix),
            link=absolute_url(base, about.page_url),
            feed_url=self.feed_url,
            description=context.get("SITESUBTITLE") or context["SITENAME"],
            subtitle=context.get("SITESUBTITLE"),
            language=self.settings.get("DEFAULT_LANG"),
            author_name=options["author"] or context["SITENAME"],
            author_link=absolute_url(base, ""),
            feed_guid=feed_id(options, about.key),
            stylesheets=stylesheets,
        )
        feed.entry_cache = self._entry_xml
        if self.kept_feeds is not None and self._feed_path:
            text = self.kept_feeds.text(self._feed_path)
            feed.kept = kept_entries(feed_class, text) if text else None
        return feed

    def add_feed_item(self, feed, item):
        summary_only = bool(
            isinstance(feed, Rss201rev2Feed) and self.settings.get("RSS_FEED_SUMMARY_ONLY")
        )
        # A post is an item of up to a dozen feeds (all, each of its
        # categories, tags and authors; Atom and RSS): its fields, and above
        # all its HTML parsed to make links absolute, are worked out once. The
        # post is kept beside them so that its id names it for the whole build.
        key = (id(item), summary_only)
        kept = self._kept_entry(feed, item)
        if kept is not None:
            self._entry_xml[(type(feed).__name__, key)] = kept
            self.entry_counts["kept"] += 1
            # Its XML is kept: of its fields, the feed's own elements read
            # only the dates (the feed's `updated` is the latest of them).
            feed.add_item(title="", link="", description="", **self._dates(item), entry_key=key)
            return
        cached = self._entry_fields.get(key)
        if cached is None or cached[0] is not item:
            cached = self._entry_fields[key] = (item, self._entry(item, summary_only, key))
            self.entry_counts["made"] += 1
        feed.add_item(**cached[1])

    def _kept_entry(self, feed, item) -> str | None:
        if not feed.kept or self.kept_feeds.changed(item):
            return None
        options = self.settings[SETTING]
        return feed.kept.get(entry_id(options, item, self.settings.get("DEFAULT_LANG")))

    def _dates(self, item) -> dict:
        timezone = self.settings.get("TIMEZONE")
        modified = getattr(item, "modified", None)
        return {
            "pubdate": set_date_tzinfo(item.date, timezone),
            "updateddate": set_date_tzinfo(modified, timezone) if modified else None,
        }

    def _entry(self, item, summary_only: bool, key: tuple) -> dict:
        """The keyword arguments of feedgenerator's add_item for one post."""
        options = self.settings[SETTING]
        base = site_base(self.settings)
        page_url = absolute_url(base, item.url)
        link = page_url + ("?ref=feed" if self.settings.get("FEED_APPEND_REF") else "")
        # A Summary field may still hold {filename} links: resolve them first.
        # Links in the summary and the body are relative to the post, not the feed.
        try:
            summary = self._absolute_html(
                replace_intrasite_links(item, item.get_summary(base), base), page_url
            )
            content = (
                None if summary_only else self._absolute_html(item.get_content(base), page_url)
            )
        except FeedContentError as error:
            source = source_name(item.source_path, self.settings.get("PATH"))
            message = (
                f"{source}: the feeds cannot carry this post: {error}. "
                "Fix: nest its HTML less deeply."
            )
            logger.error("%s", message)
            raise FeedContentError(message) from None
        return {
            # Titles are plain text in Commons (templates escape them); so are feeds'.
            "title": str(item.title),
            "link": link,
            "description": summary,
            "content": content,
            "unique_id": entry_id(options, item, self.settings.get("DEFAULT_LANG")),
            "unique_id_is_permalink": False,
            "categories": terms(item),
            **self._dates(item),
            "comments": discussion_link(item, base),
            # From the discussion's comment snapshot, when it has one (RFC 4685
            # thr:total and thr:count; RSS slash:comments and wfw:commentRss).
            "comment_count": snapshot_count(item),
            "comment_feed": snapshot_feed(item),
            "authors": [str(author) for author in getattr(item, "authors", None) or []],
            # Everything above depends only on the post, the settings and
            # summary_only: the entry's XML is the same in every feed.
            "entry_key": key,
        }

    def _absolute_html(self, fragment: str, page_url: str) -> str:
        """absolutize_html, or its value for the same fragment and page in the last builds."""
        return self._absolute.get(
            f"absolute {page_url}", fragment, lambda: absolutize_html(fragment, page_url)
        )


def terms(item) -> list[str]:
    """Every category (a post may have several) and tag of a post, once each."""
    names = [str(category) for category in getattr(item, "categories", None) or []]
    if not names and getattr(item, "category", None):
        names.append(str(item.category))
    names += [str(tag) for tag in getattr(item, "tags", None) or []]
    return list(dict.fromkeys(names))
