"""Receivers for the DRAFTS setting."""

from __future__ import annotations

import logging

from pelican import signals
from pelican.settings import DEFAULT_CONFIG

from commons.settings import Boolean, Schema, install

logger = logging.getLogger(__name__)

SETTING = "DRAFTS"
SCHEMA = Schema(
    SETTING,
    {
        # True: drafts are built (under /drafts/) with the list of drafts, for
        # local preview. False (production): none is written or listed.
        "preview": Boolean(
            True,
            help=(
                "build drafts under `/drafts/` and the list of drafts, for local preview. `False` "
                "(`publishconf.py`): every `*_SAVE_AS` setting naming DRAFT (Pelican's and the "
                "site's, in every language) is emptied and every list of drafts the templates get "
                "is empty, so no draft is written and no template (`Template: drafts` included) "
                "lists one"
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()


def draft_save_settings(settings: dict) -> list[str]:
    """Every setting that places a draft or a list of drafts: each `*_SAVE_AS` naming DRAFT.

    Derived from Pelican's DEFAULT_CONFIG and the site's own settings, so a
    key a later Pelican (or a plugin) adds is covered without a change here.
    """
    keys = {*DEFAULT_CONFIG, *settings}
    return sorted(key for key in keys if "DRAFT" in key and key.endswith("_SAVE_AS"))


def draft_holders(names) -> list[str]:
    """The names, among `names` (a generator's attributes or its context's keys), of
    those that hold drafts: Pelican's `drafts`, `drafts_translations`,
    `draft_pages`, `draft_translations`, and any later one named alike."""
    return sorted(name for name in names if "draft" in name.lower())


def previews(settings: dict) -> bool:
    return bool((settings.get(SETTING) or DEFAULTS)["preview"])


def check_settings(pelican) -> None:
    install(pelican.settings, SCHEMA)
    if previews(pelican.settings):
        return
    for key in draft_save_settings(pelican.settings):
        pelican.settings[key] = ""


def withhold_drafts(generator) -> None:
    """Production: every list of drafts the generator holds or shares is emptied."""
    if previews(generator.settings):
        return
    withheld = 0
    for name in draft_holders(vars(generator)):
        value = getattr(generator, name)
        if isinstance(value, list):
            withheld += len(value)
            setattr(generator, name, [])
    for name in draft_holders(generator.context):
        if isinstance(generator.context[name], list):
            generator.context[name] = []
    if withheld:
        logger.info("Drafts: %d drafts withheld from this production build", withheld)


def register():
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(withhold_drafts)
    signals.page_generator_finalized.connect(withhold_drafts)
