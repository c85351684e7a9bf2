"""The comment providers Commons can embed, and what each one needs.

A provider is data: the options its DISCUSSION sub-dict accepts (with a check
per option), whether it offers a comment count or a read-only thread, the
third-party origins it contacts, how the consent notice names it, where a
reader without JavaScript can read the thread, and the runtime configuration
discussion.js needs. The embed markup itself lives in the theme,
`partials/discussion/<name>.html`, written from each provider's documentation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

REQUIRED = object()
ORIGIN_KINDS = ("script", "frame", "connect", "img", "style")


class SettingsError(ValueError):
    """DISCUSSION has a value that Commons cannot use."""


def _where(provider: str, key: str) -> str:
    return f"DISCUSSION['{provider}']['{key}']"


# Checks: each takes (provider, key, value) and returns the value to use, or
# raises SettingsError naming the key, the provider and what is accepted.


def choice(values: tuple[str, ...]) -> Callable:
    def check(provider, key, value):
        if value not in values:
            raise SettingsError(
                f"{_where(provider, key)} is {value!r}; {provider} accepts one of: "
                f"{', '.join(values)}"
            )
        return value

    check.accepted = values
    return check


def boolean(provider, key, value):
    if not isinstance(value, bool):
        raise SettingsError(
            f"{_where(provider, key)} is {value!r}; {provider} accepts true or false"
        )
    return value


def pattern(regex: str, description: str) -> Callable:
    compiled = re.compile(regex)

    def check(provider, key, value):
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise SettingsError(
                f"{_where(provider, key)} is {value!r}; {provider} accepts {description}"
            )
        return value

    return check


def base_url(provider, key, value):
    """An absolute http(s) URL, returned with exactly one trailing slash."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or value != value.strip()
        or any(c.isspace() for c in value)
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise SettingsError(
            f"{_where(provider, key)} is {value!r}; {provider} accepts an absolute http(s) URL "
            "without query or fragment, for example 'https://comments.example.org/'"
        )
    return value.rstrip("/") + "/"


def text(provider, key, value):
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(
            f"{_where(provider, key)} is {value!r}; {provider} accepts a non-empty string"
        )
    return value


def origin_lists(provider, key, value):
    if not isinstance(value, dict) or set(value) - set(ORIGIN_KINDS):
        raise SettingsError(
            f"{_where(provider, key)} is {value!r}; {provider} accepts a dict with the keys "
            f"{', '.join(ORIGIN_KINDS)}, each a list of origins such as 'https://comments.example.org'"
        )
    cleaned = {}
    for kind, origins in value.items():
        if not isinstance(origins, (list, tuple)):
            raise SettingsError(f"{_where(provider, key)}['{kind}'] must be a list of origins")
        cleaned[kind] = [origin_of(base_url(provider, f"{key}']['{kind}", o)) for o in origins]
    return cleaned


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


LANG_TAG = pattern(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", "a language tag such as 'en' or 'pt-BR'")
REPO = pattern(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "a GitHub repository as 'owner/name'")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The languages each widget ships; a value outside these breaks the widget
# (giscus builds its iframe URL from `lang`) or silently falls back.
ISSO_LANGS = _words(
    "bg ca cs da de el en eo es fa fi fr gl hr hu id it ja ko nl oc pl pt pt-BR pt-PT ru "
    "sk sv tr uk vi zh zh-CN zh-TW"
)
GISCUS_LANGS = _words(
    "ar be bg ca cs da de en eo es eu fa fr gr hbs he hu id it ja kh ko nl pl pt ro ru th "
    "tr uk uz vi zh-CN zh-HK zh-TW"
)
GISCUS_THEMES = _words(
    "light light_high_contrast light_protanopia light_tritanopia dark dark_high_contrast "
    "dark_protanopia dark_tritanopia dark_dimmed transparent_dark preferred_color_scheme "
    "noborder_light noborder_dark noborder_gray cobalt purple_dark gruvbox gruvbox_dark "
    "gruvbox_light catppuccin_latte catppuccin_frappe catppuccin_macchiato "
    "catppuccin_mocha fro"
)
UTTERANCES_THEMES = _words(
    "github-light github-dark preferred-color-scheme github-dark-orange icy-dark "
    "dark-blue photon-dark boxy-light gruvbox-dark"
)
REMARK42_LOCALES = _words("en be bp bg zh fi fr de ja ko pl ru es tr ua it vi")
CUSDIS_LANGS = _words("ar bg ca cs de en es fi fr hu id ja ko oc pl pt-br ru th tr vi zh-cn zh-tw")


LIGHT_DARK = {"light": "light", "dark": "dark"}


@dataclass(frozen=True)
class Option:
    check: Callable
    default: object = REQUIRED
    # Options whose default is the site's DEFAULT_LANG (when the provider supports it).
    site_lang: bool = False


@dataclass(frozen=True)
class Provider:
    name: str
    options: dict[str, Option]
    counts: bool
    # Can the provider show an existing thread without a comment box? (A thread
    # locked on the provider's side: a locked GitHub discussion or issue, a
    # closed Disqus thread, a read-only Remark42 post or Comentario page.)
    read_only: bool
    origins: Callable[[dict], dict[str, list[str]]]
    # The service's name in the consent notice.
    label: Callable[[dict], str]
    runtime: Callable[[dict], dict] = field(default=lambda options: {})
    # A web page where the thread can be read without JavaScript, if there is one.
    web_url: Callable[[dict, str], str | None] = field(default=lambda options, thread_id: None)


def _same(*kinds: str) -> Callable:
    """Origins: one service origin (from the option 'url' or 'host') for each kind given."""

    def origins(options):
        origin = origin_of(options.get("url") or options["host"])
        return {kind: [origin] for kind in kinds}

    return origins


def _hosted_at(title: str, key: str) -> Callable:
    """A label naming the service and the host readers' browsers will contact."""
    return lambda options: f"{title} at {urlsplit(options[key]).netloc}"


def _disqus_origins(options):
    forum = f"https://{options['shortname']}.disqus.com"
    return {
        "script": [forum, "https://c.disquscdn.com"],
        "frame": ["https://disqus.com"],
        "connect": [forum, "https://disqus.com", "https://links.services.disqus.com"],
        "img": [
            "https://a.disquscdn.com",
            "https://c.disquscdn.com",
            "https://referrer.disqus.com",
        ],
        "style": ["https://c.disquscdn.com"],
    }


def _giscus_web(options, thread_id):
    return f"https://github.com/{options['repo']}/discussions"


def _utterances_web(options, thread_id):
    return (
        f"https://github.com/{options['repo']}/issues?q={quote('is:issue in:title ' + thread_id)}"
    )


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider(
            name="isso",
            options={
                "url": Option(base_url),
                "lang": Option(choice(ISSO_LANGS), site_lang=True),
                # Isso's stylesheet (from the Isso server) lays the widget out;
                # the site's stylesheet sets its --isso-* colours for light/dark.
                "css": Option(boolean, True),
            },
            counts=True,
            read_only=False,
            origins=_same("script", "connect", "img", "style"),
            label=_hosted_at("Isso", "url"),
            runtime=lambda o: {"countUrl": o["url"] + "count"},
        ),
        Provider(
            name="giscus",
            options={
                "repo": Option(REPO),
                "repo_id": Option(text),
                "category": Option(text),
                "category_id": Option(text),
                "host": Option(base_url, "https://giscus.app/"),
                "lang": Option(choice(GISCUS_LANGS), site_lang=True),
                "theme_light": Option(choice(GISCUS_THEMES), "light"),
                "theme_dark": Option(choice(GISCUS_THEMES), "dark"),
                "reactions": Option(boolean, True),
                "input_position": Option(choice(("bottom", "top")), "bottom"),
            },
            counts=False,
            read_only=True,
            origins=_same("script", "frame", "style"),
            label=lambda o: "giscus (GitHub Discussions)",
            runtime=lambda o: {
                "themes": {"light": o["theme_light"], "dark": o["theme_dark"]},
                "themeAttr": "data-theme",
                "frameOrigin": origin_of(o["host"]),
            },
            web_url=_giscus_web,
        ),
        Provider(
            name="utterances",
            options={
                "repo": Option(REPO),
                "label": Option(text, "comments"),
                "theme_light": Option(choice(UTTERANCES_THEMES), "github-light"),
                "theme_dark": Option(choice(UTTERANCES_THEMES), "github-dark"),
            },
            counts=False,
            read_only=True,
            origins=lambda o: {"script": ["https://utteranc.es"], "frame": ["https://utteranc.es"]},
            label=lambda o: "utterances (GitHub Issues)",
            runtime=lambda o: {
                "themes": {"light": o["theme_light"], "dark": o["theme_dark"]},
                "themeAttr": "data-theme",
                "frameOrigin": "https://utteranc.es",
            },
            web_url=_utterances_web,
        ),
        Provider(
            name="disqus",
            options={
                "shortname": Option(pattern(r"[a-z0-9-]+", "a Disqus shortname: a-z, 0-9 and -")),
                "lang": Option(
                    pattern(
                        r"[a-z]{2,3}(_[A-Z]{2})?", "a Disqus language code such as 'en' or 'pt_BR'"
                    ),
                    site_lang=True,
                ),
            },
            counts=True,
            read_only=True,
            origins=_disqus_origins,
            label=lambda o: "Disqus",
            runtime=lambda o: {
                "disqus": {"language": o["lang"]},
                "countScript": {
                    "src": f"https://{o['shortname']}.disqus.com/count.js",
                    "id": "dsq-count-scr",
                },
            },
        ),
        Provider(
            name="remark42",
            options={
                "host": Option(base_url),
                "site_id": Option(text, "remark"),
                "lang": Option(choice(REMARK42_LOCALES), site_lang=True),
            },
            counts=True,
            read_only=True,
            origins=_same("script", "frame", "connect", "img", "style"),
            label=_hosted_at("Remark42", "host"),
            runtime=lambda o: {
                "themes": LIGHT_DARK,
                "remark42": {
                    "host": o["host"].rstrip("/"),
                    "site_id": o["site_id"],
                    "locale": o["lang"],
                    "components": ["embed", "counter"],
                },
                "countScript": {"src": o["host"] + "web/counter.mjs", "type": "module"},
            },
        ),
        Provider(
            name="cusdis",
            options={
                "host": Option(base_url, "https://cusdis.com/"),
                "app_id": Option(
                    pattern(r"[A-Za-z0-9-]+", "the website's app id from the Cusdis dashboard")
                ),
                "lang": Option(choice(CUSDIS_LANGS), site_lang=True),
            },
            counts=True,
            read_only=False,
            origins=_same("script", "connect", "img", "style"),
            label=_hosted_at("Cusdis", "host"),
            runtime=lambda o: {
                "themes": LIGHT_DARK,
                "themeAttr": "data-theme",
                "countScript": {
                    "src": o["host"] + "js/cusdis-count.umd.js",
                    "data-host": o["host"].rstrip("/"),
                    "data-app-id": o["app_id"],
                },
            },
        ),
        Provider(
            name="comentario",
            options={
                "url": Option(base_url),
                "lang": Option(LANG_TAG, site_lang=True),
                "max_level": Option(
                    pattern(r"[1-9][0-9]?", "a nesting level from 1 to 99 (as a string)"), "10"
                ),
                "fonts": Option(boolean, False),
            },
            counts=False,
            read_only=True,
            origins=_same("script", "connect", "img", "style"),
            label=_hosted_at("Comentario", "url"),
            runtime=lambda o: {"themes": LIGHT_DARK, "themeAttr": "theme"},
        ),
        Provider(
            name="custom",
            options={
                "template": Option(
                    pattern(
                        r"[A-Za-z0-9_./-]+\.html",
                        "a template path such as 'partials/comments.html'",
                    )
                ),
                "name": Option(text),
                "origins": Option(origin_lists, {}),
                "read_only": Option(boolean, False),
            },
            counts=False,
            read_only=False,
            origins=lambda o: {kind: list(v) for kind, v in o["origins"].items()},
            label=lambda o: o["name"],
        ),
    )
}


def label(provider: Provider, options: dict) -> str:
    """How the consent notice names the service: 'Isso at comments.example.org'."""
    return provider.label(options)


def provider_origins(settings: dict) -> dict[str, list[str]]:
    """The third-party origins the configured provider needs, per CSP directive kind.

    `settings` is Pelican's settings dict (or the DISCUSSION dict itself). The
    result has the keys script, frame, connect, img and style, each a sorted
    list of origins such as 'https://giscus.app'; the security-headers work
    builds a Content-Security-Policy from it.
    """
    from .settings import validate_settings

    # Pelican's settings have upper-case keys; the DISCUSSION dict has none.
    is_pelican = any(key.isupper() for key in settings)
    raw = settings.get("DISCUSSION") if is_pelican else settings
    site_lang = settings.get("DEFAULT_LANG", "en") if is_pelican else "en"
    config = validate_settings(raw, site_lang=site_lang)
    provider = PROVIDERS[config["provider"]]
    found = provider.origins(config[provider.name])
    return {kind: sorted(set(found.get(kind, []))) for kind in ORIGIN_KINDS}


def script_config(config: dict) -> dict:
    """The site-wide configuration discussion.js reads from `#discussion-config`.

    Only settings go here; a thread's own id, title and URL are `data-*`
    attributes of its section, so one block serves every page.
    """
    provider = PROVIDERS[config["provider"]]
    return {
        "provider": provider.name,
        "mode": config["mode"],
        "remember": config["remember"],
        "counts": config["counts"] and provider.counts,
        "storageKey": f"commons.discussion.{provider.name}",
        # theme/static/js/discussion/<name>.js; a custom provider has none.
        "adapter": provider.name != "custom",
        **provider.runtime(config[provider.name]),
    }
