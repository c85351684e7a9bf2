"""The comment providers Commons can embed, and what each one needs.

A provider is data: the options its DISCUSSION sub-dict accepts (with a check
per option), whether it offers a comment count or a read-only thread, the
third-party origins it contacts, how the consent notice names it, where a
reader without JavaScript can read the thread, and the runtime configuration
the theme's scripts need. The embed itself is made in the browser, after
consent, by the provider's adapter (theme/static/js/discussion/<name>.js),
written from each provider's documentation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote, urlsplit

from commons.settings import (
    REQUIRED,
    URL,
    Boolean,
    Choice,
    DictOf,
    Invalid,
    ListOf,
    Option,
    Pattern,
    Schema,
    String,
)
from commons.urls import origin_of

ORIGIN_KINDS = ("script", "frame", "connect", "img", "style")
SETTING = "DISCUSSION"


class Origin(URL):
    """An http(s) URL, reduced to its origin: 'https://talk.example.org/js/' -> 'https://talk.example.org'."""

    def clean(self, value, context):
        return origin_of(super().clean(value, context))


class SiteLang(Option):
    """A language option whose default is the site's DEFAULT_LANG, in the provider's
    spelling ('pt-BR' -> 'pt-br', 'pt_BR', 'pt'); `inner` says what the provider accepts."""

    def __init__(self, inner: Choice | Pattern, *, underscore: bool = False, help: str = ""):
        super().__init__(
            REQUIRED,
            accepted=inner.accepted,
            fix="correct the value, or remove the key to use the site's DEFAULT_LANG",
            help=help,
        )
        self.inner = inner
        self.underscore = underscore

    def clean(self, value, context):
        return self.inner.clean(value, context)

    def default_for(self, where, context):
        site_lang = context.get("DEFAULT_LANG") or "en"
        if isinstance(self.inner, Choice):
            lowered = {value.lower(): value for value in self.inner.values}
            for candidate in (site_lang, site_lang.split("-")[0]):
                if candidate.lower() in lowered:
                    return lowered[candidate.lower()]
        else:
            candidate = site_lang.replace("-", "_") if self.underscore else site_lang
            if self.inner.regex.fullmatch(candidate):
                return candidate
        raise Invalid(
            f"defaults to the site's DEFAULT_LANG {site_lang!r}, which is not on the list",
            f"set {where} to one of the accepted values (or change DEFAULT_LANG)",
        )


def _lang_tag() -> Pattern:
    return Pattern(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", "a language tag such as 'en' or 'pt-BR'")


def _repo(help: str) -> Pattern:
    return Pattern(
        r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "a GitHub repository as 'owner/name'", help=help
    )


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


@dataclass(frozen=True, eq=False)
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

    @cached_property
    def schema(self) -> Schema:
        """The provider's sub-dict of DISCUSSION, as a schema ('isso accepts ...')."""
        return Schema(f"{SETTING}['{self.name}']", self.options, label=self.name)


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
                "url": URL(help="the Isso server, for example `https://comments.example.org/`"),
                "lang": SiteLang(
                    Choice(ISSO_LANGS),
                    help="one of Isso's languages; default: the site's `DEFAULT_LANG`",
                ),
                # Isso's stylesheet (from the Isso server) lays the widget out;
                # the site's stylesheet sets its --isso-* colours for light/dark.
                "css": Boolean(
                    True,
                    help=(
                        "load Isso's stylesheet (the site's stylesheet sets its colours for both "
                        "schemes)"
                    ),
                ),
            },
            counts=True,
            read_only=False,
            origins=_same("script", "connect", "img", "style"),
            label=_hosted_at("Isso", "url"),
            # The server is the count endpoint's folder (discussion/isso.js).
            runtime=lambda o: {
                "countUrl": o["url"] + "count",
                "isso": {"lang": o["lang"], "css": o["css"]},
            },
        ),
        Provider(
            name="giscus",
            options={
                "repo": _repo("the GitHub repository, `owner/name`, from https://giscus.app"),
                "repo_id": String(help="the repository's id, from https://giscus.app"),
                "category": String(help="the discussions' category, from https://giscus.app"),
                "category_id": String(help="the category's id, from https://giscus.app"),
                "host": URL("https://giscus.app/", help="the giscus server (a self-hosted one)"),
                "lang": SiteLang(
                    Choice(GISCUS_LANGS),
                    help="one of giscus' languages; default: the site's `DEFAULT_LANG`",
                ),
                "theme_light": Choice(
                    GISCUS_THEMES, "light", help="the giscus theme for the light scheme"
                ),
                "theme_dark": Choice(
                    GISCUS_THEMES, "dark", help="the giscus theme for the dark scheme"
                ),
                "reactions": Boolean(True, help="reactions on the post"),
                "input_position": Choice(
                    ("bottom", "top"), "bottom", help="where the comment box is: `bottom` or `top`"
                ),
            },
            counts=False,
            read_only=True,
            origins=_same("script", "frame", "style"),
            label=lambda o: "giscus (GitHub Discussions)",
            runtime=lambda o: {
                "themes": {"light": o["theme_light"], "dark": o["theme_dark"]},
                # Its script's attributes but the thread's (data-term) and the
                # scheme's (data-theme), which discussion/giscus.js adds.
                "giscus": {
                    "src": o["host"] + "client.js",
                    "data-repo": o["repo"],
                    "data-repo-id": o["repo_id"],
                    "data-category": o["category"],
                    "data-category-id": o["category_id"],
                    "data-mapping": "specific",
                    "data-strict": "1",
                    "data-reactions-enabled": "1" if o["reactions"] else "0",
                    "data-emit-metadata": "0",
                    "data-input-position": o["input_position"],
                    "data-lang": o["lang"],
                    "crossorigin": "anonymous",
                },
            },
            web_url=_giscus_web,
        ),
        Provider(
            name="utterances",
            options={
                "repo": _repo(
                    "the GitHub repository, `owner/name`; the thread id is the issue term"
                ),
                "label": String("comments", help="the label of the issues utterances opens"),
                "theme_light": Choice(
                    UTTERANCES_THEMES,
                    "github-light",
                    help="the utterances theme for the light scheme",
                ),
                "theme_dark": Choice(
                    UTTERANCES_THEMES,
                    "github-dark",
                    help="the utterances theme for the dark scheme",
                ),
            },
            counts=False,
            read_only=True,
            origins=lambda o: {"script": ["https://utteranc.es"], "frame": ["https://utteranc.es"]},
            label=lambda o: "utterances (GitHub Issues)",
            runtime=lambda o: {
                "themes": {"light": o["theme_light"], "dark": o["theme_dark"]},
                # Its script's attributes but the thread's (data-issue-term) and
                # the scheme's (data-theme), which discussion/utterances.js adds.
                "utterances": {
                    "src": "https://utteranc.es/client.js",
                    "data-repo": o["repo"],
                    "data-label": o["label"],
                    "crossorigin": "anonymous",
                },
            },
            web_url=_utterances_web,
        ),
        Provider(
            name="disqus",
            options={
                "shortname": Pattern(
                    r"[a-z0-9-]+",
                    "a Disqus shortname: a-z, 0-9 and -",
                    help="the Disqus forum's shortname",
                ),
                "lang": SiteLang(
                    Pattern(
                        r"[a-z]{2,3}(_[A-Z]{2})?", "a Disqus language code such as 'en' or 'pt_BR'"
                    ),
                    underscore=True,
                    help="a Disqus language code; default: the site's `DEFAULT_LANG`",
                ),
            },
            counts=True,
            read_only=True,
            origins=_disqus_origins,
            label=lambda o: "Disqus",
            runtime=lambda o: {
                "disqus": {
                    "language": o["lang"],
                    "src": f"https://{o['shortname']}.disqus.com/embed.js",
                },
                "countScript": {
                    "src": f"https://{o['shortname']}.disqus.com/count.js",
                    "id": "dsq-count-scr",
                },
            },
        ),
        Provider(
            name="remark42",
            options={
                "host": URL(help="the Remark42 server (its `REMARK_URL`)"),
                "site_id": String("remark", help="the Remark42 site (its `SITE`)"),
                "lang": SiteLang(
                    Choice(REMARK42_LOCALES),
                    help="a Remark42 locale; default: the site's `DEFAULT_LANG`",
                ),
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
                "host": URL("https://cusdis.com/", help="the Cusdis server (a self-hosted one)"),
                "app_id": Pattern(
                    r"[A-Za-z0-9-]+",
                    "the website's app id from the Cusdis dashboard",
                    help="the website's app id, from the Cusdis dashboard",
                ),
                "lang": SiteLang(
                    Choice(CUSDIS_LANGS),
                    help="a Cusdis language; default: the site's `DEFAULT_LANG`",
                ),
            },
            counts=True,
            read_only=False,
            origins=_same("script", "connect", "img", "style"),
            label=_hosted_at("Cusdis", "host"),
            runtime=lambda o: {
                "themes": LIGHT_DARK,
                "cusdis": {"host": o["host"], "app_id": o["app_id"], "lang": o["lang"]},
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
                "url": URL(help="the Comentario instance (it serves `comentario.js`)"),
                "lang": SiteLang(
                    _lang_tag(), help="an RFC 5646 language tag; default: the site's `DEFAULT_LANG`"
                ),
                "max_level": Pattern(
                    r"[1-9][0-9]?",
                    "a nesting level from 1 to 99 (as a string)",
                    "10",
                    help='how deep replies nest, `"1"` to `"99"`',
                ),
                "fonts": Boolean(False, help="use Comentario's fonts instead of the site's"),
            },
            counts=False,
            read_only=True,
            origins=_same("script", "connect", "img", "style"),
            label=_hosted_at("Comentario", "url"),
            runtime=lambda o: {
                "themes": LIGHT_DARK,
                "comentario": {
                    "url": o["url"],
                    "lang": o["lang"],
                    "max_level": o["max_level"],
                    "fonts": o["fonts"],
                },
            },
        ),
        # No comment service (a site that has left one): posts show the last
        # snapshot of their threads, read-only, and nothing is loaded.
        Provider(
            name="none",
            options={},
            counts=False,
            read_only=True,
            origins=lambda o: {},
            label=lambda o: "",
        ),
        Provider(
            name="custom",
            options={
                "template": Pattern(
                    r"[A-Za-z0-9_./-]+\.html",
                    "a template path such as 'partials/comments.html'",
                    help=(
                        "a template in `THEME_TEMPLATES_OVERRIDES` (or the theme); it receives the"
                        " post's `discussion`"
                    ),
                ),
                "name": String(help="the service's name in the consent notice"),
                "origins": DictOf(
                    ListOf(Origin()),
                    {},
                    keys=Choice(ORIGIN_KINDS),
                    accepted=f"a dict with the keys {', '.join(ORIGIN_KINDS)}, each a list of "
                    "origins such as 'https://comments.example.org'",
                    help=(
                        "the origins the service loads from, per kind, for the "
                        "Content-Security-Policy"
                    ),
                ),
                "read_only": Boolean(False, help="whether a closed thread can still be shown"),
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


def provider_origins(config: dict) -> dict[str, list[str]]:
    """The third-party origins the configured provider needs, per CSP directive kind.

    `config` is the validated DISCUSSION setting (what `validate_settings`
    returns, and what Pelican's settings hold once the plugin has started).
    The result has the keys script, frame, connect, img and style, each a
    sorted list of origins such as 'https://giscus.app'; the security headers
    build their Content-Security-Policy from it.
    """
    provider = PROVIDERS[config["provider"]]
    found = provider.origins(config[provider.name])
    return {kind: sorted(set(found.get(kind, []))) for kind in ORIGIN_KINDS}


def form_origins(config: dict) -> list[str]:
    """Where the post's plain comment form posts (partials/discussion/form.html): the
    comment server Commons runs (Isso), whose origin the CSP's form-action must allow."""
    if config["provider"] != "isso":
        return []
    return [origin_of(config["isso"]["url"])]


def script_config(config: dict) -> dict:
    """The site-wide configuration theme.js and discussion.js read from the JSON block.

    Only settings go here, and only what the page cannot tell otherwise: a
    thread's own id, title and URL, and the provider's name, are `data-*`
    attributes of its section, so one block serves every page; whether the
    site counts comments is whether a listing has count slots; whether it
    remembers the reader's choice is whether `label` is here. The adapters
    (theme/static/js/discussion/<provider>.js) make the provider's embed from
    the provider's own key.
    """
    provider = PROVIDERS[config["provider"]]
    return {
        "mode": config["mode"],
        "storageKey": f"commons.discussion.{provider.name}",
        # The service's name for "Ask me again", which live.js writes only
        # while the reader's choice is remembered.
        **({"label": label(provider, config[provider.name])} if config["remember"] else {}),
        **provider.runtime(config[provider.name]),
    }


# What only the thread needs (discussion/live.js, the adapters): a page that
# shows comment counts and no thread (a listing) goes without. (Remark42's
# settings serve its counter too.)
THREAD_ONLY_KEYS = frozenset(
    {"label", "themes", "isso", "giscus", "utterances", "disqus", "cusdis", "comentario"}
)


def count_script_config(config: dict) -> dict:
    """`script_config` for a page with comment counts and no thread: what
    discussion.js and discussion/counts.js read, and nothing else."""
    return {
        key: value for key, value in script_config(config).items() if key not in THREAD_ONLY_KEYS
    }
