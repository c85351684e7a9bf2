"""Receivers for the BODY_HTML setting."""

from __future__ import annotations

import nh3
from pelican import signals
from pelican.contents import Article, Page

from commons.settings import SettingsError, with_defaults

SETTING = "BODY_HTML"
POLICIES = ("sanitize", "keep")
DEFAULTS = {"policy": "sanitize", "extra_tags": [], "extra_attributes": {}}
# nh3's defaults (ammonia's) plus what Markdown itself writes: ids for
# headings and footnotes, classes for code highlighting and footnotes.
GENERIC_ATTRIBUTES = {"id", "class", "lang", "dir", "title"}
# Never allowed, whatever extra_tags says: they run code, restyle the page, or
# (frames, objects) load a third party before the reader has chosen to.
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "form", "base", "meta", "link"}


def validate_settings(raw) -> dict:
    merged = with_defaults(SETTING, raw, DEFAULTS)
    if merged["policy"] not in POLICIES:
        raise SettingsError(
            f"{SETTING}['policy'] is {merged['policy']!r}; accepted values are "
            f"{', '.join(repr(p) for p in POLICIES)}"
        )
    tags = merged["extra_tags"]
    if not isinstance(tags, (list, tuple)) or not all(isinstance(tag, str) for tag in tags):
        raise SettingsError(f"{SETTING}['extra_tags'] must be a list of tag names")
    forbidden = sorted(set(tags) & FORBIDDEN_TAGS)
    if forbidden:
        raise SettingsError(
            f"{SETTING}['extra_tags'] may not contain {forbidden}: they run code or "
            "restyle the page; use policy 'keep' if the editors are trusted with them"
        )
    attributes = merged["extra_attributes"]
    if not isinstance(attributes, dict) or not all(
        isinstance(names, (list, tuple, set)) for names in attributes.values()
    ):
        raise SettingsError(
            f"{SETTING}['extra_attributes'] must map a tag name (or '*') to a list of attributes"
        )
    if any(name.lower().startswith("on") for names in attributes.values() for name in names):
        raise SettingsError(f"{SETTING}['extra_attributes'] may not allow event handlers (on*)")
    return merged


def sanitizer(options: dict):
    """A function that cleans one HTML fragment under the configured policy."""
    tags = set(nh3.ALLOWED_TAGS) | set(options["extra_tags"])
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = set(GENERIC_ATTRIBUTES)
    for tag, names in options["extra_attributes"].items():
        attributes.setdefault(tag, set()).update(names)

    def clean(fragment: str) -> str:
        # link_rel=None: internal links must stay as written, without rel added.
        return nh3.clean(fragment, tags=tags, attributes=attributes, link_rel=None)

    return clean


_clean = None


def configure(pelican) -> None:
    global _clean
    options = validate_settings(pelican.settings.get(SETTING))
    pelican.settings[SETTING] = options
    _clean = sanitizer(options) if options["policy"] == "sanitize" else None


def sanitize_content(content) -> None:
    if _clean is None or not isinstance(content, (Article, Page)):
        return
    if content._content:
        content._content = _clean(content._content)
    if "summary" in content.metadata:
        content.metadata["summary"] = _clean(content.metadata["summary"])
    if getattr(content, "_summary", None):
        content._summary = _clean(content._summary)


def register():
    signals.initialized.connect(configure)
    signals.content_object_init.connect(sanitize_content)
