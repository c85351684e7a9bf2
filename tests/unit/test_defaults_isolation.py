"""Each read of a site's settings starts from Commons' defaults as written.

A site's pelicanconf.py takes them with `from commons.defaults import *`;
builds, `check` and the preview read it again in one process, and Pelican
and its Markdown extensions change settings in place (MARKDOWN's extension
list, an extension's config).
"""

from __future__ import annotations

from pelican.settings import read_settings

from commons import DEV_SETTINGS


def test_a_settings_read_does_not_see_what_the_last_one_changed_in_place():
    first = read_settings(str(DEV_SETTINGS))
    first["MARKDOWN"]["extension_configs"]["markdown.extensions.extra"]["leak"] = 1
    first["GUARD"]["links"]["site_urls"].append("https://elsewhere.example")
    first["PLUGINS"].append("leaked_plugin")
    second = read_settings(str(DEV_SETTINGS))
    assert "leak" not in second["MARKDOWN"]["extension_configs"]["markdown.extensions.extra"]
    assert "https://elsewhere.example" not in second["GUARD"]["links"]["site_urls"]
    assert "leaked_plugin" not in second["PLUGINS"]
