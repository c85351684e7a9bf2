"""Every path and link a post sets stays a relative path inside the site.

`Url`, `Save_as`, `Lang`, `Template` and `Slug` (and the paths built from
them) are checked after the content is read: no scheme (`javascript:`,
`data:`), no absolute path, no `..`, no hidden file, no backslash or control
character, and no path that Commons itself generates (home, search, 404,
archives, feeds, sitemap, robots.txt, _headers, category, tag and author
pages) or keeps (OUTPUT_RETENTION). A draft is never written when the site
does not publish drafts, whatever its `Save_as` says.
"""

from .output_paths import SCHEMA, register

__all__ = ["SCHEMA", "register"]
