"""The `initialized` receiver that checks the site's settings with commons.config."""

from __future__ import annotations

import logging

from pelican import signals

from commons.config import validate
from commons.settings import LOADED, SettingsError

logger = logging.getLogger(__name__)


def check_all(pelican) -> None:
    """Replace Pelican's settings by their checked values, or log every problem and raise."""
    settings = pelican.settings
    if settings.get(LOADED):
        return
    try:
        loaded = validate(settings)
    except SettingsError as error:
        # One record: Pelican's `--fatal errors` stops at the first one.
        logger.error("%s", error)
        raise
    for warning in loaded.warnings:
        # INFO: `--fatal warnings` would stop the build the warning is about
        # (the tasks say it as a warning before Pelican starts).
        logger.info("%s", warning)
    settings.update(loaded.settings)


def register() -> None:
    signals.initialized.connect(check_all)
