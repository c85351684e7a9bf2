"""The receiver that gives each read file's labels the generator's settings."""

from __future__ import annotations

from pelican import signals
from pelican.urlwrappers import URLWrapper


def share_settings(generator, metadata: dict) -> None:
    """Point every label in `metadata` (one, or a list of them) at `generator.settings`."""
    settings = generator.settings
    for value in metadata.values():
        labels = value if isinstance(value, (list, tuple)) else (value,)
        for label in labels:
            if isinstance(label, URLWrapper) and label.settings is not settings:
                label.settings = settings


def register():
    # Sent for each file after its metadata is read (from the cache or not),
    # before the post is made and before the generator saves the cache.
    signals.article_generator_context.connect(share_settings)
    signals.page_generator_context.connect(share_settings)
