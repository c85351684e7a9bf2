"""Receiver that freezes content URLs after all generators have read their content."""

from __future__ import annotations

from pelican import signals

from commons.contents import every_content


def freeze_urls(generators) -> None:
    for generator in generators:
        for content in every_content(generator):
            # Read both before setting either: save_as is formatted on its own.
            url, save_as = content.url, content.save_as
            content.override_url = url
            content.override_save_as = save_as


def register():
    signals.all_generators_finalized.connect(freeze_urls)
