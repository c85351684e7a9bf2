"""Which open pages a save reloads (commons/preview/server.py's Hub)."""

from __future__ import annotations

from commons.preview.server import Hub


def reload_event(paths: list[str]) -> tuple[str, dict]:
    hub = Hub("server")
    listener = hub.subscribe()
    listener.get_nowait()  # hello
    hub.reload(paths)
    return listener.get_nowait()


def test_changed_feeds_reload_only_where_they_are_open():
    # A save whose post page was already reloaded also changes the feeds: the
    # post's page must not reload a second time for them.
    paths = ["index.html", "feeds/all.atom.xml", "sitemap.xml", "robots.txt"]
    assert reload_event(paths) == ("reload", {"paths": paths})


def test_a_stylesheet_script_or_image_reloads_every_page():
    for asset in ("theme/css/commons.css", "theme/js/theme.js", "images/photo.jpg"):
        assert reload_event(["index.html", asset]) == ("reload", {"paths": ["*"]})
