"""Where a reader goes after a post: the previous and next posts, and related ones.

Sets `article.newer_article`, `article.older_article` and
`article.related_posts` on every published post. Settings: `POST_NAVIGATION`.
"""

from .post_navigation import SCHEMA, register

__all__ = ["SCHEMA", "register"]
