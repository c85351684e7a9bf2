"""Posts' HTML cleaned by one policy (GUARD['html']), and their ids namespaced."""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import nh3
from pelican.contents import Article, Page

from commons.html_policy import DEFAULTS, SETTING, post_attributes, post_tags
from commons.paths import source_name
from commons.pelican_patches import raw_body, raw_summary, set_raw_body, set_raw_summary
from commons.unicode_controls import terminal_safe

from .problems import Problem
from .user_content import PREFIX, attribute_filter, ids_in, names_as_ids

# The Markdown extension that namespaces the ids Markdown writes, under every policy.
# Named by this package, whichever name it was imported under (a checkout or the wheel).
MARKDOWN_EXTENSION = f"{__package__}.user_content:UserContentIdsExtension"
# In a post's metadata, from its reading (maybe in a parallel_read worker) to
# the guard in Pelican's process: what the sanitiser removed from it.
REMOVED_KEY = "commons_guard_removed"


def _options(settings: dict) -> dict:
    return (settings.get("GUARD") or {}).get("html") or DEFAULTS


def sanitizer(options: dict) -> Sanitizer:
    """A function that cleans one HTML fragment under the configured policy."""
    return Sanitizer(post_tags(options), post_attributes(options))


class Sanitizer:
    """Cleans HTML fragments under one policy with one `nh3.Cleaner`.

    The Cleaner is built once: `nh3.clean` converts the allowed tags and
    attributes into its own sets on every call, which costs more than cleaning
    a summary does. Its attribute filter namespaces the fragment's ids and the
    links to them, so it needs the targets of the fragment being cleaned: they
    are set per thread for the length of one call.
    """

    def __init__(self, tags: set, attributes: dict):
        self.current = threading.local()
        # link_rel=None: internal links must stay as written, without rel added.
        self.cleaner = nh3.Cleaner(
            tags=tags, attributes=attributes, link_rel=None, attribute_filter=self.namespace
        )

    def namespace(self, tag: str, attribute: str, value: str) -> str | None:
        return self.current.namespace(tag, attribute, value)

    def __call__(self, fragment: str, targets: frozenset | set = frozenset()) -> str:
        """`targets`: ids set elsewhere in the post (a summary's links point into its body)."""
        # Ids and names go into the user-content- namespace, and the links to them.
        fragment = names_as_ids(fragment)
        self.current.namespace = attribute_filter(ids_in(fragment) | targets)
        try:
            return self.cleaner.clean(fragment)
        finally:
            del self.current.namespace


# Set by the reader hook on what it has cleaned: Pelican keeps it with the
# post's other metadata (in its content cache too).
CLEANED_WITH = "commons_guard_html"


@dataclass(frozen=True)
class Policy:
    """What one GUARD['html'] setting cleans with: the sanitiser (None under 'keep'),
    and the fingerprint recorded on what it cleaned."""

    clean: Callable | None
    fingerprint: str


def policy_for(options: dict) -> Policy:
    """The Policy of a validated GUARD['html'] (built once per distinct setting)."""
    return _policy(
        options["policy"],
        tuple(sorted(options["extra_tags"])),
        tuple(
            sorted(
                (tag, tuple(sorted(names))) for tag, names in options["extra_attributes"].items()
            )
        ),
    )


@functools.lru_cache(maxsize=8)
def _policy(policy: str, extra_tags: tuple, extra_attributes: tuple) -> Policy:
    options = {
        "policy": policy,
        "extra_tags": list(extra_tags),
        "extra_attributes": {tag: list(names) for tag, names in extra_attributes},
    }
    return Policy(
        clean=sanitizer(options) if policy == "sanitize" else None,
        fingerprint=fingerprint(options),
    )


def configure_markdown(settings: dict) -> None:
    markdown = settings.setdefault("MARKDOWN", {})
    extensions = markdown.setdefault("extensions", [])
    if MARKDOWN_EXTENSION not in extensions:
        extensions.append(MARKDOWN_EXTENSION)


def fingerprint(options: dict) -> str:
    extra = {tag: sorted(names) for tag, names in options["extra_attributes"].items()}
    return repr((options["policy"], sorted(options["extra_tags"]), sorted(extra.items()), PREFIX))


class SanitizingReaderMixin:
    """Clean a post's HTML as its reader returns it.

    Reading may happen in parallel_read's worker processes, so the cleaning
    does too, instead of on Pelican's one thread.
    """

    def read(self, source_path):
        content, metadata = super().read(source_path)
        policy = policy_for(_options(self.settings))
        if policy.clean is not None:
            raw = content or ""
            content, metadata = clean_read(content, metadata, policy)
            source = source_name(source_path, self.settings.get("PATH"))
            removed = [
                Problem(source, "", problem, fix, stops=False)
                for problem, fix in removed_embeds(raw, content or "")
            ]
            for problem in removed:
                # A line, not a warning (warnings are fatal): the post builds
                # without the element, and the editor, and `invoke check`
                # (from the problem file), learn which file lost what.
                print(terminal_safe(str(problem)), file=sys.stderr)
            if removed:
                metadata[REMOVED_KEY] = removed
        return content, metadata


# Frames and players: the sanitiser removes them unless GUARD['html'] allows the
# tag, and an editor would otherwise never learn why the video is gone.
EMBEDS = re.compile(r"<(iframe|video|audio|object|embed)\b", re.IGNORECASE)


def removed_embeds(raw: str, cleaned: str) -> list[tuple[str, str]]:
    """(problem, fix) per kind of frame or player the cleaning removed."""
    before = Counter(tag.lower() for tag in EMBEDS.findall(raw))
    if not before:
        return []  # nothing to lose: most posts have no frame or player
    after = Counter(tag.lower() for tag in EMBEDS.findall(cleaned))
    lines = []
    for tag in sorted(before):
        lost = before[tag] - after[tag]
        if lost <= 0:
            continue
        if tag in ("video", "audio"):
            fix = (
                f"add '{tag}' (and 'source') to {SETTING}['extra_tags'] with its attributes "
                "to play your own files, or link to the file instead"
            )
        else:
            fix = (
                "link to what it showed instead: a frame from another site would load "
                "before the reader consents, so Commons never publishes one"
            )
        lines.append((f"{lost} <{tag}> element(s) removed by the sanitiser ({SETTING})", f"{fix}."))
    return lines


def clean_read(content: str, metadata: dict, policy: Policy) -> tuple[str, dict]:
    body_ids = ids_in(content or "")
    if content:
        content = policy.clean(content)
    summary = metadata.get("summary")
    if isinstance(summary, str) and summary:
        metadata["summary"] = policy.clean(summary, body_ids)
    metadata[CLEANED_WITH] = policy.fingerprint
    return content, metadata


def sanitize_content(content) -> list[Problem]:
    """The safety net: clean whatever the reader hook did not clean under this policy.

    Returns what the reading removed, and a post that cannot be cleaned as the
    policy says."""
    if not isinstance(content, (Article, Page)):
        return []
    problems = list(content.metadata.pop(REMOVED_KEY, None) or [])
    cleaned_with = content.metadata.get(CLEANED_WITH)
    policy = policy_for(_options(content.settings))
    if policy.clean is None:
        if cleaned_with and cleaned_with != policy.fingerprint:
            # Read (or cached) while the policy was 'sanitize': the raw HTML
            # is not in this build.
            problems.append(
                Problem(
                    source_name(content.source_path, content.settings.get("PATH")),
                    "",
                    f"was cleaned under an earlier {SETTING} policy and Pelican's content "
                    "cache still holds that version",
                    "run `invoke rebuild` (it clears the cache).",
                )
            )
        return problems
    if cleaned_with == policy.fingerprint:
        return problems  # cleaned as it was read
    body = raw_body(content)
    body_ids = ids_in(body or "")
    if body:
        set_raw_body(content, policy.clean(body))
    if "summary" in content.metadata:
        content.metadata["summary"] = policy.clean(content.metadata["summary"], body_ids)
    summary = raw_summary(content)
    if summary:
        set_raw_summary(content, policy.clean(summary, body_ids))
    return problems
