"""Production settings: the real address, absolute URLs, every feed.

Used by `invoke preview` and `invoke publish`. Anything not set here comes
from pelicanconf.py.
"""

import importlib.util
import os
import sys
from pathlib import Path


def load_local_settings() -> None:
    """pelicanconf.py beside this file, as the module `pelicanconf`.

    `pelican content -s publishconf.py` runs without the site's root on
    Python's path, where `import pelicanconf` would look; and a copy of the
    site elsewhere must read its own pelicanconf.py, not the one on that path.
    """
    local = Path(__file__).resolve().with_name("pelicanconf.py")
    loaded = sys.modules.get("pelicanconf")
    if loaded is not None and Path(loaded.__file__).resolve() == local:
        return
    spec = importlib.util.spec_from_file_location("pelicanconf", local)
    module = importlib.util.module_from_spec(spec)
    sys.modules["pelicanconf"] = module
    spec.loader.exec_module(module)


load_local_settings()

from pelicanconf import *  # noqa: E402, F403

# The public address is set once, as PUBLIC_URL in pelicanconf.py (or with
# COMMONS_SITEURL), so local builds check links written with it too.
SITEURL = PUBLIC_URL  # noqa: F405
RELATIVE_URLS = False
FEED_DOMAIN = SITEURL

# Production builds start from an empty cache, so the output never depends on
# what a previous local build left behind.
LOAD_CONTENT_CACHE = False

# Where `invoke publish` sends the site. method: "rsync" or "gh-pages"
# (None: not configured; publish says what to set). The environment variables
# COMMONS_PUBLISH_METHOD, COMMONS_RSYNC_TARGET, COMMONS_SSH_PORT,
# COMMONS_GH_PAGES_REMOTE and COMMONS_GH_PAGES_BRANCH override these, so CI
# secrets stay out of the repository (docs/settings-reference.md).
PUBLISH = {
    "method": None,
    "rsync_target": "",
    "ssh_port": 22,
    "gh_pages_remote": "origin",
    "gh_pages_branch": "gh-pages",
}

# Drafts are previewed locally only: production writes none, in any language,
# and no template lists them (plugins/drafts empties every DRAFT*_SAVE_AS).
DRAFTS = {"preview": False}

# robots.txt, pointing crawlers at the sitemap, is for the public site only.
# Feed entry ids are built on id_authority: `invoke publish` refuses the
# example one. Set it here once, to a name the community holds, and never
# change it (COMMONS_FEEDS_ID_AUTHORITY overrides it, for CI).
FEEDS = {
    **FEEDS,  # noqa: F405
    "id_authority": os.environ.get("COMMONS_FEEDS_ID_AUTHORITY") or FEEDS["id_authority"],  # noqa: F405
    "robots_txt": True,
}

# The published site is searchable: Pagefind indexes it (local builds skip it).
SEARCH = {**SEARCH, "index": True}  # noqa: F405

# The Content-Security-Policy and other headers, as `_headers` (Netlify,
# Cloudflare Pages) and `nginx-security-headers.conf`, at the site's root.
SECURITY_HEADERS = {**SECURITY_HEADERS, "enabled": True}  # noqa: F405

# Production comments: the site's own Isso server (docs/discussion.md).
DISCUSSION = {
    **DISCUSSION,  # noqa: F405
    "isso": {
        **DISCUSSION["isso"],  # noqa: F405
        "url": os.environ.get("COMMONS_ISSO_URL", "https://comments.commons.example.org/"),
    },
}

# The comment server's own settings, for `invoke comments-config`,
# `comments-backup`, `comments-restore` and `comments-move` (docs/comment-server.md).
# Secrets are never here: the server reads them from its environment file.
COMMENTS_SERVER = {
    "database": "/var/lib/commons-comments/comments.db",
    "bind": "127.0.0.1:8090",
    "backup_dir": "/var/backups/commons-comments",
    "backup_keep": 14,
}
