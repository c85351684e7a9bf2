"""commons.receivers.BuildReceivers: an object's receivers stay connected for its own
Pelican's builds and go, with what it held of a build, when another Pelican starts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pelican import signals

from plugins.feeds.plugin import SitemapPages
from plugins.guard.written_links import BodyLinks


def connected(receivers) -> int:
    return sum(
        any(known == receiver for known in signal.receivers.values())
        for signal, receiver in receivers.receivers()
    )


def sitemap_pages(settings: dict) -> SitemapPages:
    return SitemapPages(SimpleNamespace(settings=settings, output_path="output"))


def body_links(settings: dict) -> BodyLinks:
    links = BodyLinks(settings, report=None)
    links.contents = ["a post kept for the check at the build's end"]
    return links


@pytest.mark.parametrize("make", [sitemap_pages, body_links])
def test_a_plugin_listens_until_another_pelican_starts_then_lets_its_build_go(make):
    settings = {"SITEMAP": {}}
    receivers = make(settings)
    kept = list(getattr(receivers, "contents", []))
    receivers.connect()
    try:
        count = len(receivers.receivers())
        assert connected(receivers) == count
        assert (signals.initialized, receivers.stop_if_replaced) in receivers.receivers()
        receivers.stop_if_replaced(SimpleNamespace(settings=settings))  # its own Pelican
        assert connected(receivers) == count
        assert getattr(receivers, "contents", []) == kept
        receivers.stop_if_replaced(SimpleNamespace(settings=dict(settings)))  # another one
        assert connected(receivers) == 0
        assert getattr(receivers, "contents", []) == []
    finally:
        receivers.disconnect()
