"""An upload that runs script in Chromium when served from the site's origin is refused
by the build: the payload is shown to run first (served as is, no CSP), so a
build that let it through would be caught."""

from __future__ import annotations

import pytest

from commons import PUBLISH_SETTINGS
from commons.build import BuildError, build_site
from tests.conftest import copy_content

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
RECT = '<rect width="200" height="200" fill="teal"/>'
PAYLOADS = [
    # (id, file name, text, click to trigger?)
    ("svg-script", "a.svg", f"{SVG}{RECT}<script>window.__pwned = 1</script></svg>", False),
    (
        "svg-onload",
        "a.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned = 2"></svg>',
        False,
    ),
    (
        "svg-foreign-object",
        "a.svg",
        f'{SVG}<foreignObject width="200" height="200"><body xmlns="http://www.w3.org/1999/xhtml">'
        '<img src="nowhere" onerror="window.__pwned = 3"/></body></foreignObject></svg>',
        False,
    ),
    (
        "svg-javascript-link",
        "a.svg",
        f'{SVG}<a href="javascript:window.__pwned = 4">{RECT}</a></svg>',
        True,
    ),
    (
        "xml-xhtml",
        "a.xml",
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<script>window.__pwned = 5</script></body></html>",
        False,
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "click"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS]
)
def test_an_upload_that_runs_in_chromium_is_refused_by_the_build(
    tmp_path, served_site, browser, name, text, click
):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / name).write_text(text, encoding="utf-8")
    server = served_site(raw)
    page = browser.new_page()
    page.goto(server.url + name, wait_until="load")
    if click:
        page.mouse.click(100, 100)
    page.wait_for_function("window.__pwned !== undefined", timeout=5000)

    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    (content / "images" / name).write_text(text, encoding="utf-8")
    output = tmp_path / "output"
    with pytest.raises(BuildError) as failure:
        build_site(output, settings_file=PUBLISH_SETTINGS, content=content)
    assert f"images/{name}:" in str(failure.value)
    assert "MEDIA_CHECK['trusted_files']" in str(failure.value)
    assert not output.exists()
