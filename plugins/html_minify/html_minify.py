"""The receivers for HTML_MINIFY: the theme's templates compacted as Jinja loads them.

The seam is Jinja's own: an extension's `preprocess` gets each template's
source before Jinja compiles it, so the compaction is done once per template
(the compiled template is kept between builds, plugins/template_cache); only
an attribute value made with expressions is decided per page, by the filter
this extension adds, after escaping. Whatever a template inserts is never
touched (plugins/html_minify/compact.py says what changes). The extension
sets the digest of compact.py on the environment, which the compiled-template
cache's key reads, so a changed compactor compiles every template again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import pass_eval_context
from jinja2.ext import Extension
from pelican import signals

from commons.settings import Boolean, Schema, install

from .compact import ATTRIBUTE_VALUE, attribute_value, compact

SETTING = "HTML_MINIFY"
SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(
            True,
            help="write the theme's own markup without layout whitespace and needless "
            "attribute quotes (what a page inserts, such as a post's body, is never changed)",
        )
    },
)
DEFAULTS = SCHEMA.defaults()
COMPACTOR_SOURCE = Path(__file__).with_name("compact.py")
# What compact() reads as Jinja's syntax: with other delimiters, line
# statements or a finalize, templates are left as they are.
DEFAULT_SYNTAX = {
    "block_start_string": "{%",
    "block_end_string": "%}",
    "variable_start_string": "{{",
    "variable_end_string": "}}",
    "comment_start_string": "{#",
    "comment_end_string": "#}",
    "line_statement_prefix": None,
    "line_comment_prefix": None,
    "finalize": None,
}


@pass_eval_context
def rendered_attribute_value(eval_context, parts: tuple, quote: str):
    """An attribute value made with expressions, escaped as `{{ }}` escapes."""
    return attribute_value(parts, quote, eval_context.autoescape)


class CompactMarkup(Extension):
    """Each `.html` template's own markup compacted before Jinja compiles it."""

    def __init__(self, environment):
        super().__init__(environment)
        digest = hashlib.sha256(COMPACTOR_SOURCE.read_bytes()).hexdigest()
        environment.extend(html_minify_compactor=digest)
        environment.filters[ATTRIBUTE_VALUE] = rendered_attribute_value

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        syntax = {key: getattr(self.environment, key) for key in DEFAULT_SYNTAX}
        if not (name or "").endswith(".html") or syntax != DEFAULT_SYNTAX:
            return source
        return compact(source)


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)


def compact_templates(generator) -> None:
    """Give the generator's template environment the extension.

    Pelican sends generator_init once the environment is made and before any
    template is loaded, so every template it loads is compacted.
    """
    environment = getattr(generator, "env", None)
    if environment is None or not install(generator.settings, SCHEMA)["enabled"]:
        return
    environment.add_extension(CompactMarkup)


def register():
    signals.initialized.connect(check_settings)
    signals.generator_init.connect(compact_templates)
