"""The PUBLISH setting: where `invoke publish` sends the site, and how.

Apart from commons/publish.py, which sends it, so that the settings loader
(commons/config.py) reads the schema without importing the build.
"""

from __future__ import annotations

from .settings import Choice, Integer, Optional, Pattern, Schema, String

METHODS = ("rsync", "gh-pages")

# Where `invoke publish` sends the site (publishconf.py). The environment
# variables win over the file, so CI secrets stay out of the repository.
SCHEMA = Schema(
    "PUBLISH",
    {
        "method": Optional(
            Choice(METHODS),
            none_means="not configured: `invoke publish` says what to set",
            env="COMMONS_PUBLISH_METHOD",
            help="how the site is sent to its host",
        ),
        "rsync_target": Pattern(
            r"[^\x00-\x1f\x7f]*",
            "user@host:/path/ or a local folder, on one line ('' when not set)",
            "",
            env="COMMONS_RSYNC_TARGET",
            help="where rsync sends the site",
        ),
        "ssh_port": Integer(
            22, minimum=1, maximum=65535, env="COMMONS_SSH_PORT", help="rsync's ssh port"
        ),
        "gh_pages_remote": String(
            "origin", env="COMMONS_GH_PAGES_REMOTE", help="the git remote gh-pages pushes to"
        ),
        "gh_pages_branch": String(
            "gh-pages", env="COMMONS_GH_PAGES_BRANCH", help="the branch gh-pages pushes"
        ),
    },
)
