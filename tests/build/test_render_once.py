"""Post summaries rendered once per build (plugins/render_once): same site, less work."""

from __future__ import annotations

import re

import pytest
from jinja2 import DictLoader, Environment

from bench.corpus import write_corpus
from commons import PUBLISH_SETTINGS
from commons.settings import SettingsError
from plugins.render_once.render_once import SCHEMA, RenderOnce
from tests.conftest import site_files

SUMMARY = "partials/post_summary.html"
# Small pages: many listing pages, at two depths (category/x/ and
# category/x/page/2/), so that relative SITEURLs differ between them.
SMALL_PAGES = {"DEFAULT_PAGINATION": 3, "SEARCH": {"enabled": False}}


@pytest.mark.parametrize("production", [False, True], ids=["local", "prod"])
def test_the_site_is_byte_identical_with_and_without_the_cache(tmp_path, build, production):
    content = tmp_path / "content"
    write_corpus(30, seed=3, out=content)
    settings = {"settings_file": PUBLISH_SETTINGS} if production else {}
    cached = site_files(build(content=content, overrides=SMALL_PAGES, **settings))
    uncached = site_files(
        build(
            content=content,
            overrides={**SMALL_PAGES, "RENDER_ONCE": {"enabled": False}},
            **settings,
        )
    )
    assert sorted(cached) == sorted(uncached)
    assert [name for name in cached if cached[name] != uncached[name]] == []
    # The listings really were paginated at several depths.
    assert any(re.search(r"/page/\d+/index.html$", name) for name in cached)


class Post:
    def __init__(self, title: str):
        self.title = title


def environment(cache: RenderOnce, renders: list) -> Environment:
    env = Environment(
        loader=DictLoader(
            {
                SUMMARY: "{{ count(article) }}<h2>{{ article.title }}</h2>{{ SITEURL }}",
                "other.html": "{{ count(article) }}{{ article.title }}",
                "listing.html": (
                    "{% for post in posts %}{{ render_once(name, post) }}|{% endfor %}"
                ),
            }
        ),
        autoescape=True,
    )
    env.globals.update(render_once=cache, count=lambda post: renders.append(post.title) or "")
    return env


def test_a_summary_is_rendered_once_per_post_and_siteurl():
    cache, renders = RenderOnce(), []
    listing = environment(cache, renders).get_template("listing.html")
    posts = [Post("One"), Post("Two & <Three>")]

    first = listing.render(posts=posts, name=SUMMARY, SITEURL="..")
    again = listing.render(posts=posts, name=SUMMARY, SITEURL="..")
    deeper = listing.render(posts=posts, name=SUMMARY, SITEURL="../..")

    assert first == again == "<h2>One</h2>..|<h2>Two &amp; &lt;Three&gt;</h2>..|"
    assert deeper == "<h2>One</h2>../..|<h2>Two &amp; &lt;Three&gt;</h2>../..|"
    assert renders == ["One", "Two & <Three>", "One", "Two & <Three>"]

    cache.reset()
    listing.render(posts=posts, name=SUMMARY, SITEURL="..")
    assert len(renders) == 6  # a new build renders again


def test_templates_not_listed_and_a_disabled_cache_render_every_time():
    cache, renders = RenderOnce(), []
    listing = environment(cache, renders).get_template("listing.html")
    posts = [Post("One")]
    for _ in range(2):
        listing.render(posts=posts, name="other.html", SITEURL="")
    cache.options = {**cache.options, "enabled": False}
    for _ in range(2):
        listing.render(posts=posts, name=SUMMARY, SITEURL="")
    assert renders == ["One"] * 4


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"enabled": 1}, "enabled"),
        ({"templates": "partials/post_summary.html"}, "templates"),
        ({"templates": [""]}, "templates"),
        ({"partials": []}, "unknown key"),
    ],
)
def test_bad_settings_name_the_key(raw, key):
    with pytest.raises(SettingsError, match=re.escape(key)):
        SCHEMA.validate(raw)
