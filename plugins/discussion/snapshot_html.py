"""The snapshot's comment list as HTML, for theme/templates/partials/discussion/snapshot.html.

The partial places the list; this module writes it. It is Python, not a
Jinja loop in the partial, because a build writes every comment of every post
and Jinja's per-value escaping and recursive loop made it the largest part of
what a snapshot costs a build (docs/benchmarks.md has the figures).
The markup is the same as the rest of the theme's: the class names below are
styled in theme/static/css and listed in docs/theme.md, "Markup interface".

Every value is escaped here; a comment's HTML was cleaned by
snapshot.Renderer.clean and goes in as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

# Every link a commenter gives, their website and the links in their text
# (snapshot.comment_cleaner): not followed by search engines as the site's
# own, and the page it opens gets neither this page nor its address.
LINK_REL = "nofollow ugc noopener noreferrer"


class EscapedText(dict):
    """HTML-escaped text, worked out once per value: authors, websites and
    dates come back again and again across a site's comments."""

    def __missing__(self, value: str) -> str:
        found = self[value] = str(escape(value))
        return found


def comment_list_html(comments: Iterable, escaped: EscapedText) -> Markup:
    """`<ol class="comment-list">` with each comment (snapshot.SnapshotComment)
    and its replies in nested `<ol class="comment-replies">` lists.

    A comment is `<li class="comment" id="discussion-comment-…">` holding its
    author (a link when it has a website), its date (a link to the comment)
    and its text; a deleted comment that has replies says so instead. Each
    comment is a microformats2 `p-comment h-cite` of the post's h-entry, its
    author a `p-author h-card`.
    """
    parts: list[str] = []
    _write_list(parts, comments, '<ol class="comment-list">', escaped)
    return Markup("".join(parts))


def _write_list(parts: list[str], comments: Iterable, opening: str, escaped: EscapedText):
    parts.append(opening)
    for comment in comments:
        anchor = escaped[comment.anchor]
        if comment.deleted:
            parts.append(f'\n<li class="comment" id="{anchor}">')
            parts.append('<p class="comment-deleted">This comment was deleted.</p>')
        else:
            author = escaped[comment.author]
            if comment.website:
                author = (
                    f'<a class="u-url" href="{escaped[comment.website]}" rel="{LINK_REL}">'
                    f"{author}</a>"
                )
            parts.append(
                f'\n<li class="comment p-comment h-cite" id="{anchor}">'
                f'<p class="comment-meta"><bdi class="comment-author p-author h-card">{author}'
                f'</bdi> <a class="comment-date u-url" href="#{anchor}"><time class="dt-published"'
                f' datetime="{escaped[comment.created]}">{escaped[comment.created_text]}</time>'
                f'</a></p>\n<div class="comment-text e-content" dir="auto">{comment.html}</div>'
            )
        if comment.replies:
            _write_list(parts, comment.replies, '\n<ol class="comment-replies">', escaped)
        parts.append("</li>")
    parts.append("\n</ol>")


MENTION_VERBS = {"reply": "replied on", "mention": "mentioned this on"}


def mentions_html(mentions: Iterable, likes: int, reposts: int, escaped: EscapedText) -> Markup:
    """The webmentions of a thread: `<ol class="comment-list webmention-list">` with
    each reply or mention from another site (snapshot.SnapshotComment with a
    `source`), and a line that counts the likes and reposts.

    Each is a `p-comment h-cite` whose `u-url` is the page that replied; its
    author a `p-author h-card`, linked to their site when the source gave one
    on its own host. It says where the reply was made ("replied on
    example.org", a link to it), so a reader sees whose page speaks.
    """
    parts: list[str] = []
    mentions = list(mentions)
    if mentions:
        parts.append('<ol class="comment-list webmention-list">')
        for mention in mentions:
            anchor = escaped[mention.anchor]
            author = escaped[mention.author]
            if mention.website:
                author = (
                    f'<a class="u-url" href="{escaped[mention.website]}" rel="{LINK_REL}">'
                    f"{author}</a>"
                )
            verb = MENTION_VERBS.get(mention.kind, "mentioned this on")
            parts.append(
                f'\n<li class="comment comment-webmention p-comment h-cite" id="{anchor}">'
                f'<p class="comment-meta"><bdi class="comment-author p-author h-card">{author}'
                f'</bdi> <span class="comment-source">{verb} <a class="u-url" '
                f'href="{escaped[mention.source]}" rel="{LINK_REL}">'
                f"<bdi>{escaped[mention.source_host]}</bdi></a></span>, "
                f'<a class="comment-date" href="#{anchor}"><time class="dt-published" '
                f'datetime="{escaped[mention.created]}">{escaped[mention.created_text]}</time>'
                "</a></p>"
            )
            if mention.html:
                parts.append(
                    f'\n<div class="comment-text e-content" dir="auto">{mention.html}</div>'
                )
            parts.append("</li>")
        parts.append("\n</ol>")
    counted = [
        f"{number} {word if number == 1 else word + 's'}"
        for number, word in ((likes, "like"), (reposts, "repost"))
        if number
    ]
    if counted:
        parts.append(
            f'\n<p class="webmention-reactions">{" and ".join(counted)} from other sites.</p>'
        )
    if not parts:
        return Markup("")
    return Markup(
        '<div class="discussion-webmentions" data-discussion-webmentions>'
        + "".join(parts)
        + "\n</div>"
    )
