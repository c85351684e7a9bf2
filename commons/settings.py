"""The shape every Commons plugin setting shares: one dict, defaults filled in,
unknown keys refused with the list of accepted ones.

Each plugin then checks its own values; this is only the common prologue, so
that every plugin words its errors the same way.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A Commons setting has a value its plugin cannot use."""


def with_defaults(name: str, raw, defaults: dict) -> dict:
    """`raw` (the setting's value, None when unset) merged over `defaults`, or SettingsError."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{name} must be a dict with the keys {sorted(defaults)}")
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise SettingsError(
            f"{name}: unknown key(s) {unknown}; accepted keys are {sorted(defaults)}"
        )
    return {**defaults, **raw}


def install(settings: dict, name: str, validate, *args) -> dict:
    """Validate `settings[name]` with `validate(raw, *args)`, store the result and return it.

    A failure is logged before it is raised, so the editor reads the sentence
    on its own line rather than at the end of Pelican's traceback.
    """
    try:
        options = validate(settings.get(name), *args)
    except SettingsError as error:
        logger.error("%s", error)
        raise
    settings[name] = options
    return options
