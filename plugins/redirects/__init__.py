"""Old addresses keep working: redirects from the files in content/redirects/.

Each line of a `*.txt` file there names an old path and the new place
(`{filename}/post.md`, `{category}Name`, `{tag}Name`, `{author}Name` or a path
in the built site). Targets are resolved after all content is read, so a
redirect follows its post when the URL pattern changes, and a target that does
not exist stops the build. Written at the site's root: `_redirects` (Netlify,
Cloudflare Pages), an nginx `map`, and one small HTML page per old path (a
canonical link and a meta refresh) for hosts with neither; a page Commons
generates is never replaced. An old path that is hidden (`/.htaccess`,
`/.well-known/…`), kept (OUTPUT_RETENTION: `/CNAME`), reserved
(GUARD['paths']['reserved'], the theme's and the search index's folders) or a
file Commons writes (a feed, `robots.txt`, `_headers`, `_redirects`), or that
has a wildcard or a placeholder a host would expand (`*`, `:name`), stops the
build with the file and the line.
"""

from .redirects import SCHEMA, register

__all__ = ["SCHEMA", "register"]
