"""The Atom feed of recent discussions: the latest comments across the site."""

from __future__ import annotations

import datetime
import io

from feedgenerator import Atom1Feed

from commons.unicode_controls import isolated
from commons.urls import site_base


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def recent_feed(recent, settings: dict) -> bytes:
    """Atom XML for `recent` (plugins/discussion/snapshot.recent_comments), newest first."""
    base = site_base(settings)
    sitename = settings.get("SITENAME", "")
    feed = Atom1Feed(
        title=f"{sitename}: recent discussions",
        link=f"{base}/discussions/",
        feed_url=f"{base}/feeds/discussions.atom.xml",
        description="",
        language=settings.get("DEFAULT_LANG"),
        author_name=sitename,
        feed_guid=f"{base}/discussions/",
    )
    for item in recent:
        comment = item.comment
        link = f"{base}/{item.post_url.lstrip('/')}#{comment.anchor}"
        # Each name is isolated, as the pages' <bdi> does: a right-to-left
        # override in a commenter's name must not turn the title around.
        feed.add_item(
            title=f"{isolated(comment.author)} on {isolated(item.post_title)}",
            link=link,
            description=str(comment.html),
            unique_id=link,
            author_name=isolated(comment.author),
            pubdate=_moment(comment.created),
            updateddate=_moment(comment.created),
        )
    buffer = io.StringIO()
    feed.write(buffer, "utf-8")
    return buffer.getvalue().encode("utf-8")
