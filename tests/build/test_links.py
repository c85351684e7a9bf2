"""Every internal link and anchor of every generated page resolves."""

from __future__ import annotations

import pytest

from commons.linkcheck import broken_links


@pytest.mark.parametrize("site", ["built_site", "published_site"])
def test_every_internal_link_and_anchor_resolves(request, site):
    output = request.getfixturevalue(site)
    # Local builds use relative URLs; production ones the configured SITEURL.
    origin = "https://commons.example.org" if site == "published_site" else "http://site.invalid"
    pages = list(output.rglob("*.html"))
    assert len(pages) > 5
    assert broken_links(output, origin) == []


def test_the_checker_finds_a_broken_link_and_a_broken_anchor(tmp_path):
    (tmp_path / "index.html").write_text(
        '<p id="here"><a href="missing/">x</a> <a href="#nowhere">y</a> <a href="#here">z</a></p>'
    )
    problems = broken_links(tmp_path, "http://site.invalid")
    assert len(problems) == 2
    assert "missing" in problems[0] and "nowhere" in problems[1]
