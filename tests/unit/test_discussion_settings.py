"""DISCUSSION: defaults, normalisation, and one clear message per bad value."""

from __future__ import annotations

import pytest

from commons.discussion.providers import GISCUS_LANGS, PROVIDERS, provider_origins
from commons.discussion.settings import COMMON_DEFAULTS, validate_settings
from commons.settings import SettingsError
from plugins.discussion.webmention import endpoint_url

ISSO = {"url": "https://comments.example.org"}
GISCUS = {
    "repo": "cohere/commons",
    "repo_id": "R_kgDOExample",
    "category": "Comments",
    "category_id": "DIC_kwDOExample",
}
# The attributes GISCUS gives giscus' script on any page: the page's settings
# carry them (tests/build/test_discussion_providers.py) and the adapter puts
# them on the script it makes (tests/browser/test_discussion_embeds.py).
GISCUS_ATTRIBUTES = {
    "src": "https://giscus.app/client.js",
    "data-repo": "cohere/commons",
    "data-repo-id": "R_kgDOExample",
    "data-category": "Comments",
    "data-category-id": "DIC_kwDOExample",
    "data-mapping": "specific",
    "data-strict": "1",
    "data-lang": "en",
    "crossorigin": "anonymous",
}
SAMPLES = {
    "isso": ISSO,
    "giscus": GISCUS,
    "utterances": {"repo": "cohere/commons"},
    "disqus": {"shortname": "cohere-commons"},
    "remark42": {"host": "https://remark42.example.org", "site_id": "cohere"},
    "cusdis": {"app_id": "0f8c1c9e-1111-2222-3333-444455556666"},
    "comentario": {"url": "https://comentario.example.org/"},
    "custom": {"template": "comments.html", "name": "Talkyard"},
    "none": {},
}


def test_defaults_need_only_the_isso_url():
    config = validate_settings({"isso": ISSO})
    for key, value in COMMON_DEFAULTS.items():
        assert config[key] == value
    assert config["isso"] == {"url": "https://comments.example.org/", "lang": "en", "css": True}


def test_every_provider_has_a_sample_and_accepts_it():
    assert set(SAMPLES) == set(PROVIDERS)
    for name, options in SAMPLES.items():
        config = validate_settings({"provider": name, name: options})
        assert set(config[name]) == set(PROVIDERS[name].options)


@pytest.mark.parametrize(
    ("site_lang", "provider", "expected"),
    [
        ("pt-BR", "cusdis", "pt-br"),
        ("pt-BR", "disqus", "pt_BR"),
        ("pt-BR", "isso", "pt-BR"),
        ("de-AT", "giscus", "de"),
        ("zh-tw", "giscus", "zh-TW"),
        ("fr", "comentario", "fr"),
    ],
)
def test_language_defaults_to_the_sites_in_the_providers_spelling(site_lang, provider, expected):
    config = validate_settings({"provider": provider, provider: SAMPLES[provider]}, site_lang)
    assert config[provider]["lang"] == expected


BAD = [
    ("comments", "DISCUSSION must be a dict"),
    ({"isso": ISSO, "providr": "isso"}, "unknown key(s) ['providr']; accepted keys are"),
    ({"provider": "facebook"}, "DISCUSSION['provider'] is 'facebook'; it must be one of: isso,"),
    (
        {"isso": ISSO, "mode": "auto"},
        "DISCUSSION['mode'] is 'auto'; it must be one of: consent, lazy, eager",
    ),
    (
        {"isso": ISSO, "articles": "yes"},
        "DISCUSSION['articles'] is 'yes'; it must be True or False",
    ),
    (
        {"isso": ISSO, "consent_text": " "},
        "DISCUSSION['consent_text'] is ' '; it must be a non-empty string",
    ),
    (
        {"isso": ISSO, "consent_text": "Hosted by {host}"},
        "DISCUSSION['consent_text'] is 'Hosted by {host}' (it uses ['host']; the placeholders "
        "it may use: {provider})",
    ),
    ({"isso": ISSO, "closed_text": "Closed {provider}"}, "placeholders it may use: none"),
    ({"isso": ISSO, "consent_text": "Load {"}, "write literal braces as {{ and }}"),
    ({}, "DISCUSSION['isso']['url'] is missing; isso needs it"),
    ({"isso": "http://x/"}, "DISCUSSION['isso'] must be a dict with the keys url, lang, css"),
    (
        {"isso": {**ISSO, "theme": "dark"}},
        "DISCUSSION['isso']: unknown key(s) ['theme']; isso accepts",
    ),
    (
        {"isso": {"url": "comments.example.org"}},
        "DISCUSSION['isso']['url'] is 'comments.example.org'; isso accepts an absolute http(s) URL",
    ),
    ({"isso": {"url": " https://c.example.org/"}}, "isso accepts an absolute http(s) URL"),
    ({"isso": {"url": "https://c.example.org/?a=1"}}, "without query or fragment"),
    (
        {"isso": {**ISSO, "lang": "english"}},
        "DISCUSSION['isso']['lang'] is 'english'; isso accepts one of: bg,",
    ),
    (
        {"isso": {**ISSO, "css": "no"}},
        "DISCUSSION['isso']['css'] is 'no'; isso accepts True or False",
    ),
    (
        {"provider": "giscus", "giscus": {**GISCUS, "lang": " en"}},
        "DISCUSSION['giscus']['lang'] is ' en'; giscus accepts one of: " + ", ".join(GISCUS_LANGS),
    ),
    (
        {"provider": "giscus", "giscus": {**GISCUS, "repo": "commons"}},
        "giscus accepts a GitHub repository as 'owner/name'",
    ),
    (
        {"provider": "giscus", "giscus": {"repo": "a/b"}},
        "DISCUSSION['giscus']['repo_id'] is missing",
    ),
    (
        {"provider": "giscus", "giscus": {**GISCUS, "theme_dark": "night"}},
        "DISCUSSION['giscus']['theme_dark'] is 'night'; giscus accepts one of: light,",
    ),
    (
        {"provider": "giscus", "giscus": {**GISCUS, "input_position": "middle"}},
        "giscus accepts one of: bottom, top",
    ),
    (
        {"provider": "utterances", "utterances": {"repo": "a/b", "theme_light": "light"}},
        "utterances accepts one of: github-light,",
    ),
    (
        {"provider": "disqus", "disqus": {"shortname": "Cohere Commons"}},
        "disqus accepts a Disqus shortname",
    ),
    (
        {"provider": "disqus", "disqus": {"shortname": "c", "lang": "en-US"}},
        "disqus accepts a Disqus language code",
    ),
    (
        {"provider": "remark42", "remark42": {"host": "https://r.example.org", "lang": "pt"}},
        "DISCUSSION['remark42']['lang'] is 'pt'; remark42 accepts one of: en,",
    ),
    (
        {"provider": "cusdis", "cusdis": {"app_id": "x y"}},
        "cusdis accepts the website's app id from the Cusdis dashboard",
    ),
    (
        {"provider": "comentario", "comentario": {"url": "https://c.example.org", "max_level": 3}},
        "comentario accepts a nesting level",
    ),
    (
        {"provider": "custom", "custom": {"name": "T"}},
        "DISCUSSION['custom']['template'] is missing",
    ),
    (
        {
            "provider": "custom",
            "custom": {"template": "c.html", "name": "T", "origins": {"scripts": []}},
        },
        "custom accepts a dict with the keys script, frame, connect, img, style",
    ),
    # A sub-dict for a provider that is not in use is still checked.
    ({"isso": ISSO, "giscus": {**GISCUS, "lang": "EN"}}, "DISCUSSION['giscus']['lang'] is 'EN'"),
]


@pytest.mark.parametrize(("value", "expected"), BAD)
def test_bad_settings_name_the_key_the_provider_and_the_accepted_values(value, expected):
    with pytest.raises(SettingsError) as failure:
        validate_settings(value)
    assert expected in str(failure.value)


def test_an_unsupported_site_language_is_named_with_the_fix():
    with pytest.raises(SettingsError) as failure:
        validate_settings({"provider": "remark42", "remark42": SAMPLES["remark42"]}, "sw")
    message = str(failure.value)
    assert "DISCUSSION['remark42']['lang'] defaults to the site's DEFAULT_LANG 'sw'" in message
    assert "remark42 accepts one of: en, be, bp" in message
    assert "Fix: set DISCUSSION['remark42']['lang'] to one of the accepted values" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("isso", {"script", "connect", "img", "style"}),
        ("giscus", {"script", "frame", "style"}),
        ("utterances", {"script", "frame"}),
        ("disqus", {"script", "frame", "connect", "img", "style"}),
        ("remark42", {"script", "frame", "connect", "img", "style"}),
        ("cusdis", {"script", "connect", "img", "style"}),
        ("comentario", {"script", "connect", "img", "style"}),
    ],
)
def test_provider_origins_list_what_each_provider_contacts(name, expected):
    origins = provider_origins(validate_settings({"provider": name, name: SAMPLES[name]}))
    assert set(origins) == {"script", "frame", "connect", "img", "style"}
    assert {kind for kind, values in origins.items() if values} == expected
    for values in origins.values():
        for origin in values:
            assert origin.startswith("https://") and origin.count("/") == 2, origin


def test_provider_origins_read_the_validated_setting_and_custom_lists():
    custom = validate_settings(
        {
            "provider": "custom",
            "custom": {
                "template": "comments.html",
                "name": "Talkyard",
                "origins": {"script": ["https://talk.example.org/js/"], "frame": []},
            },
        }
    )
    origins = provider_origins(custom)
    assert origins["script"] == ["https://talk.example.org"]
    assert origins["frame"] == [] and origins["connect"] == []
    isso = provider_origins(validate_settings({"isso": ISSO}))
    assert isso["script"] == ["https://comments.example.org"]
    giscus = provider_origins(validate_settings({"provider": "giscus", "giscus": GISCUS}))
    assert giscus["frame"] == ["https://giscus.app"]


@pytest.mark.parametrize(
    ("key", "rule", "expected"),
    [
        ("thread_id", "{url}", "the placeholders it may use"),
        ("thread_id", "all-one-thread", "every post would share one thread"),
        ("thread_id", "{slug", "write literal braces"),
        ("page_thread_id", "/{date:%Y}/{slug}/", "'date'"),
    ],
)
def test_a_bad_thread_rule_names_the_key_and_what_it_may_use(key, rule, expected):
    with pytest.raises(SettingsError) as failure:
        validate_settings({"isso": ISSO, key: rule})
    message = str(failure.value)
    assert f"DISCUSSION['{key}']" in message
    assert expected in message


def test_a_thread_rule_gives_the_ids_an_earlier_service_used():
    from datetime import datetime

    from commons.identity import thread_id

    options = validate_settings({"isso": ISSO, "thread_id": "/{date:%Y}/{date:%m}/{slug}/"})
    fields = {"date": datetime(2012, 1, 3), "lang": "en", "category": "", "author": ""}
    assert thread_id(None, "hello", rule=options["thread_id"], fields=fields) == "/2012/01/hello/"
    assert thread_id("kept", "hello", rule=options["thread_id"], fields=fields) == "kept"
    assert thread_id(None, "about", True, rule=options["page_thread_id"]) == "pages/about"


def test_a_bad_webmention_endpoint_names_the_key_and_what_it_accepts():
    setting = {"isso": ISSO, "webmention": {"endpoint": "mentions.example.org/in"}}
    with pytest.raises(SettingsError) as failure:
        validate_settings(setting)
    message = str(failure.value)
    assert "DISCUSSION['webmention']['endpoint'] is 'mentions.example.org/in'" in message
    assert "an absolute http(s) URL" in message and "or None" in message


def test_the_webmention_endpoint_defaults_to_the_isso_servers():
    # Advertised unless turned off: Commons' comment server receives them.
    assert endpoint_url(validate_settings({"isso": ISSO})) == (
        "https://comments.example.org/webmention"
    )
    on = {"isso": ISSO, "webmention": {"enabled": True}}
    assert endpoint_url(validate_settings(on)) == "https://comments.example.org/webmention"
    chosen = {
        "isso": ISSO,
        "webmention": {"enabled": True, "endpoint": "https://in.example.net/wm/"},
    }
    assert endpoint_url(validate_settings(chosen)) == "https://in.example.net/wm"
    off = {"isso": ISSO, "webmention": {"enabled": False}}
    assert endpoint_url(validate_settings(off)) == ""
    assert endpoint_url(validate_settings({"provider": "none"})) == ""
