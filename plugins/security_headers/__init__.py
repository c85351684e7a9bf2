"""Security headers for production: a Content-Security-Policy that allows exactly
what the site and its comment provider need, plus Referrer-Policy,
X-Content-Type-Options and Permissions-Policy.

Written as `_headers` (the format Netlify and Cloudflare Pages read) and as an
nginx snippet, both at the root of the built site.
"""

from .security_headers import SCHEMA, register

__all__ = ["SCHEMA", "register"]
