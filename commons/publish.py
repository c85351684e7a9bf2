"""Publishing: check a freshly built site, then send it to its host.

The site is always built into a fresh folder first (see tasks.publish), so a
failed or empty build never reaches the target: rsync's --delete only ever
runs with a complete, checked site as its source.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

from .build import LOCK_WAIT, output_lock
from .linkcheck import broken_links, broken_redirects
from .settings import Choice, Integer, Optional, Pattern, Schema, String

METHODS = ("rsync", "gh-pages")
RSYNC_MODES = "D755,F644"

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


# The lock every publish of a site holds, from refreshing its comment snapshot
# to the end of the transfer: `.commons-lock-publish` in the snapshot cache.
PUBLISH_LOCK = "publish"


class PublishError(RuntimeError):
    """Publishing cannot go ahead; the message says what to set or fix."""


def publish_lock(snapshot_root: Path, wait: float = LOCK_WAIT) -> AbstractContextManager:
    """Hold the publish lock of the site whose snapshot cache is `snapshot_root`.

    `invoke publish` and the comment publisher (commons/comments/publisher.py)
    write the same snapshot cache and send to the same target: one at a time,
    so an older site never overwrites a newer one. It is the build's lock
    (commons.build.output_lock: released with the process that holds it).
    """
    root = Path(snapshot_root)
    root.mkdir(parents=True, exist_ok=True)
    return output_lock(root / PUBLISH_LOCK, wait)


def check_site(
    site: Path,
    settings: dict,
    pages: list[str] | None = None,
    anchors: dict[str, list[str]] | None = None,
) -> None:
    """Refuse to publish a site that lacks its home page or its main feeds (FEED_ALL_ATOM,
    FEED_ALL_RSS, when set), has fewer than two HTML pages, or has broken internal links
    (in `pages`, site-relative paths, when given, with the pages' `anchors` when known:
    see commons/comments/publisher.py)."""
    required = [site / "index.html"]
    for key in ("FEED_ALL_ATOM", "FEED_ALL_RSS"):
        if settings.get(key):
            required.append(site / settings[key])
    missing = [str(path.relative_to(site)) for path in required if not path.is_file()]
    if missing:
        raise PublishError(f"The new build lacks {', '.join(missing)}; nothing was published.")
    count = sum(1 for _ in site.rglob("*.html"))
    if count < 2:
        raise PublishError(f"The new build has only {count} page(s); nothing was published.")
    broken = broken_links(site, settings["SITEURL"], pages, anchors)
    redirects = (settings.get("REDIRECTS") or {}).get("redirects_file", "_redirects")
    broken += broken_redirects(site, settings["SITEURL"], redirects)
    if broken:
        raise PublishError(
            "The new build has broken internal links; nothing was published:\n  "
            + "\n  ".join(broken)
        )


def validate_options(options: dict) -> None:
    """Raise PublishError, saying what to set, unless PUBLISH names a usable target."""
    method = options.get("method")
    if method not in METHODS:
        raise PublishError(
            "Publishing is not configured. In publishconf.py set PUBLISH['method'] to "
            f"one of {', '.join(repr(m) for m in METHODS)} (or the environment variable "
            "COMMONS_PUBLISH_METHOD), then for 'rsync' set PUBLISH['rsync_target'] "
            "(COMMONS_RSYNC_TARGET, for example user@host:/var/www/site/). "
            'See README.md, "Publish".'
        )
    if method == "rsync":
        target = options.get("rsync_target")
        if not target:
            raise PublishError(
                "PUBLISH['method'] is 'rsync' but PUBLISH['rsync_target'] is empty: set it "
                "(or COMMONS_RSYNC_TARGET) to user@host:/path/ or a local folder."
            )
        if shutil.which("rsync") is None:
            raise PublishError("rsync is not installed: apt-get install rsync")


def retention_filters(retain) -> list[str]:
    """rsync filter rules that leave each OUTPUT_RETENTION entry, and every hidden file,
    on the target as they are.

    An exclude rule keeps a file out of both sides of the transfer: what the
    target holds there (a `CNAME`, `.well-known/…`, an `.htaccess`) is neither
    replaced by a file of the new build nor removed by `--delete`, whatever is
    inside it. (A protect rule, `P`, only stops the removal.) The site itself
    holds no hidden file: posts, uploads and redirects may not write one.
    """
    rules = []
    for entry in retain:
        name = str(entry).strip("/")
        if name:
            rules.append(f"--filter=- /{name}")
    rules.append("--filter=- .*")
    return rules


def publish_command(site: Path, options: dict, dry_run: bool, retain=()) -> list[str]:
    """The command that deploys `site`, or PublishError saying what to configure."""
    validate_options(options)
    if options["method"] == "rsync":
        target = options["rsync_target"]
        # --chmod: the target gets modes a web server running as another user
        # can read, whatever the modes of the folder the site was built in.
        # --checksum: a file is sent when its content changed, not because this
        # build wrote it again; --no-times/--omit-dir-times: unchanged files keep
        # their modification time on the server (and their HTTP caching), so a
        # dry run right after a publish lists nothing.
        command = [
            "rsync",
            "--archive",
            f"--chmod={RSYNC_MODES}",
            "--no-times",
            "--omit-dir-times",
            "--checksum",
            "--compress",
            "--delete",
            "--itemize-changes",
            *retention_filters(retain),
        ]
        if ":" in target:
            command += ["-e", f"ssh -p {int(options.get('ssh_port') or 22)}"]
        if dry_run:
            command.append("--dry-run")
        return [*command, f"{site}/", target]
    command = [
        "ghp-import",
        "--no-jekyll",
        "--branch",
        options.get("gh_pages_branch") or "gh-pages",
        "--remote",
        options.get("gh_pages_remote") or "origin",
        "--message",
        "Publish the site",
    ]
    if not dry_run:
        command.append("--push")
    return [*command, str(site)]


def publish_site(site: Path, options: dict, dry_run: bool, repo: Path, retain=()) -> None:
    command = publish_command(site, options, dry_run, retain)
    if dry_run and command[0] == "ghp-import":
        print("Dry run: would commit the site to the branch and push it with:")
        print("  " + shlex.join([*command, "--push"]))
        return
    print("$ " + shlex.join(command))
    completed = subprocess.run(command, cwd=repo, check=False)
    if completed.returncode != 0:
        raise PublishError(f"{command[0]} failed with exit code {completed.returncode}.")
