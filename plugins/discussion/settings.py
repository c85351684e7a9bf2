"""The DISCUSSION setting: its schema, its defaults and its validation.

Validated once, when Pelican starts. Every error names the key, the provider
where it applies, and the values that are accepted, because several of these
mistakes (a giscus `lang` of " en") break the widget silently in the browser.
"""

from __future__ import annotations

from string import Formatter

from .providers import PROVIDERS, REQUIRED, SettingsError

SETTING = "DISCUSSION"
MODES = ("consent", "lazy", "eager")
COMMON_DEFAULTS = {
    "provider": "isso",
    "articles": True,
    "pages": False,
    "mode": "consent",
    "consent_text": "Comments are hosted by {provider}. Load comments?",
    "closed_text": "The discussion on this post is closed.",
    "remember": True,
    "counts": True,
}
TEXT_KEYS = ("consent_text", "closed_text")
BOOLEAN_KEYS = ("articles", "pages", "remember", "counts")

__all__ = ["COMMON_DEFAULTS", "MODES", "SETTING", "SettingsError", "validate_settings"]


def validate_settings(raw, site_lang: str = "en") -> dict:
    """DISCUSSION with defaults filled in, every sub-dict checked; or SettingsError.

    The result holds the common keys and one normalised sub-dict per provider
    that the setting mentions (the active one is always present).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{SETTING} must be a dict, got {type(raw).__name__}")
    accepted = sorted(COMMON_DEFAULTS) + sorted(PROVIDERS)
    unknown = sorted(set(raw) - set(accepted))
    if unknown:
        raise SettingsError(
            f"{SETTING}: unknown key(s) {unknown}; accepted keys are {', '.join(accepted)}"
        )
    config = {**COMMON_DEFAULTS, **{k: v for k, v in raw.items() if k in COMMON_DEFAULTS}}
    if config["provider"] not in PROVIDERS:
        raise SettingsError(
            f"{SETTING}['provider'] is {config['provider']!r}; accepted values are "
            f"{', '.join(PROVIDERS)}"
        )
    if config["mode"] not in MODES:
        raise SettingsError(
            f"{SETTING}['mode'] is {config['mode']!r}; accepted values are {', '.join(MODES)}"
        )
    for key in BOOLEAN_KEYS:
        if not isinstance(config[key], bool):
            raise SettingsError(
                f"{SETTING}['{key}'] is {config[key]!r}; accepted values are true, false"
            )
    for key in TEXT_KEYS:
        _check_text(key, config[key])

    mentioned = [name for name in PROVIDERS if name in raw or name == config["provider"]]
    for name in mentioned:
        config[name] = _provider_options(name, raw.get(name, {}), site_lang)
    return config


def _check_text(key: str, value) -> None:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{SETTING}['{key}'] is {value!r}; it must be a non-empty string")
    try:
        fields = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
    except ValueError as error:
        raise SettingsError(
            f"{SETTING}['{key}'] is {value!r} ({error}); write literal braces as {{{{ and }}}}"
        ) from error
    allowed = {"provider"} if key == "consent_text" else set()
    if fields - allowed:
        placeholders = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        raise SettingsError(
            f"{SETTING}['{key}'] uses {sorted(fields - allowed)}; the placeholders it may use: "
            f"{placeholders}"
        )


def _provider_options(name: str, raw, site_lang: str) -> dict:
    provider = PROVIDERS[name]
    where = f"{SETTING}['{name}']"
    if not isinstance(raw, dict):
        raise SettingsError(
            f"{where} must be a dict with the keys {', '.join(provider.options)}, "
            f"got {type(raw).__name__}"
        )
    unknown = sorted(set(raw) - set(provider.options))
    if unknown:
        raise SettingsError(
            f"{where}: unknown key(s) {unknown}; {name} accepts the keys "
            f"{', '.join(provider.options)}"
        )
    options = {}
    for key, option in provider.options.items():
        if key in raw:
            options[key] = option.check(name, key, raw[key])
        elif option.site_lang:
            options[key] = _language_from_site(name, key, option.check, site_lang)
        elif option.default is REQUIRED:
            raise SettingsError(
                f"{where}['{key}'] is missing; {name} needs it. Accepted keys: "
                f"{', '.join(provider.options)}"
            )
        else:
            options[key] = option.default
    return options


def _language_from_site(name: str, key: str, check, site_lang: str) -> str:
    """The provider's spelling of the site's DEFAULT_LANG ('pt-BR' -> 'pt-br', 'pt_BR', 'pt')."""
    accepted = getattr(check, "accepted", None)
    if accepted is None:
        candidate = site_lang.replace("-", "_") if name == "disqus" else site_lang
        return check(name, key, candidate)
    lowered = {value.lower(): value for value in accepted}
    for candidate in (site_lang, site_lang.split("-")[0]):
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    raise SettingsError(
        f"{SETTING}['{name}']['{key}'] defaults to the site's DEFAULT_LANG {site_lang!r}, which "
        f"{name} does not offer; set it to one of: {', '.join(accepted)}"
    )
