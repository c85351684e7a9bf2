"""The shape every Commons plugin setting shares: one dict, defaults filled in,
unknown keys refused with the list of accepted ones.

Each plugin then checks its own values; this is only the common prologue, so
that every plugin words its errors the same way.
"""

from __future__ import annotations


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
