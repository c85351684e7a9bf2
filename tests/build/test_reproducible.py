"""Two builds of the same commit into different folders are byte-identical."""

from __future__ import annotations

import pytest

from commons import DEV_SETTINGS, PUBLISH_SETTINGS
from commons.build import build_site
from tests.conftest import SAMPLE_CONTENT, site_files


@pytest.mark.parametrize("settings_file", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["local", "prod"])
def test_two_builds_are_byte_identical(tmp_path, settings_file):
    # Different folder names and a cold cache for the second build: nothing
    # about where or when the build ran may leak into the site.
    first = build_site(
        tmp_path / "first" / "output", content=SAMPLE_CONTENT, settings_file=settings_file
    ).output
    second = build_site(
        tmp_path / "elsewhere" / "site",
        content=SAMPLE_CONTENT,
        settings_file=settings_file,
        overrides={"CACHE_PATH": str(tmp_path / "cold-cache")},
    ).output
    one, other = site_files(first), site_files(second)
    assert sorted(one) == sorted(other)
    differing = [name for name in one if one[name] != other[name]]
    assert differing == []


def test_a_rebuild_from_the_warm_cache_matches_a_cold_build(tmp_path):
    # The second build loads the content cache the first one pickled: a
    # setting or object that cannot be pickled breaks exactly this.
    output = tmp_path / "output"
    cold = site_files(build_site(output, content=SAMPLE_CONTENT).output)
    warm = site_files(build_site(output, content=SAMPLE_CONTENT).output)
    assert warm == cold
