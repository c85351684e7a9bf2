"""Receivers and the Jinja global for the RENDER_ONCE setting."""

from __future__ import annotations

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

from commons.settings import Boolean, ListOf, Schema, String, install

SETTING = "RENDER_ONCE"
SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(
            True, help="reuse rendered partials; `False` renders each one every time"
        ),
        # Partials that depend only on the post and site-wide settings: never on
        # the page they are shown on (its URL, its pagination, a `with` variable).
        "templates": ListOf(
            String(),
            ["partials/post_summary.html"],
            accepted="a list of template names, such as ['partials/post_summary.html']",
            help=(
                "partials that depend only on the post and site-wide settings, never on the page "
                "they are shown on"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()


class RenderOnce:
    """The `render_once(template, post)` Jinja global, with its cache for one build."""

    def __init__(self):
        self.options = dict(DEFAULTS)
        # (template, id(post), SITEURL) -> (post, HTML). The post is kept so
        # that its id names it for the whole build. SITEURL is in the key
        # because with RELATIVE_URLS it is "../.." or "../../../.." depending
        # on how deep the page is.
        self.rendered: dict[tuple[str, int, str], tuple[object, Markup]] = {}

    def reset(self, *_args) -> None:
        self.rendered.clear()

    @pass_context
    def __call__(self, context, template_name: str, post) -> Markup:
        cacheable = self.options["enabled"] and template_name in self.options["templates"]
        key = (template_name, id(post), str(context.get("SITEURL", "")))
        cached = self.rendered.get(key) if cacheable else None
        if cached is not None and cached[0] is post:
            return cached[1]
        template = context.environment.get_template(template_name)
        html = Markup(template.render({**context.get_all(), "article": post}))
        if cacheable:
            self.rendered[key] = (post, html)
        return html


render_once = RenderOnce()


def check_settings(pelican) -> None:
    render_once.options = install(pelican.settings, SCHEMA)
    render_once.reset()


def add_template_global(generator) -> None:
    env = getattr(generator, "env", None)
    if env is not None:
        env.globals["render_once"] = render_once


def register():
    signals.initialized.connect(check_settings)
    signals.generator_init.connect(add_template_global)
    # After the build's last page is written, nothing may outlive it.
    signals.finalized.connect(render_once.reset)
