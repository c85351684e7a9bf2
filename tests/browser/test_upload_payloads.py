"""An upload that runs script in Chromium when served from the site's origin is refused
by the build: the payload is shown to run first (served as is, no CSP), so a
build that let it through would be caught."""

from __future__ import annotations

import shutil

import pytest

from commons import PUBLISH_SETTINGS
from commons.build import BuildError, build_site
from commons.servers import free_port
from tests.conftest import copy_content, guard

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
    tmp_path, served_site, reading_page, name, text, click
):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / name).write_text(text, encoding="utf-8")
    server = served_site(raw)
    page = reading_page
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
    assert "GUARD['media']['trusted_files']" in str(failure.value)
    assert not output.exists()


# A page and the script it loads, each under an extension that only some
# servers' maps know (Debian's mime.types: .xhtm as XHTML, .es as JavaScript).
# Each pair runs in Chromium with no CSP and under the production CSP (with
# `script-src 'self'` and nosniff): only the build's check stops it.
RUNNING_PAIRS = [
    ("xhtm-es", "page.xhtm", "page.es"),
    ("xht-mjs", "page.xht", "module.mjs"),
    ("shtml-es", "page.shtml", "page.es"),
]


def xhtml_page(script: str) -> str:
    return (
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title>'
        f'<script src="{script}"></script></head><body>x</body></html>'
    )


def runs(page, url: str):
    response = page.goto(url, wait_until="load")
    page.wait_for_function("window.__pwned === 'script'", timeout=5000)
    return response


@pytest.mark.parametrize(
    ("page_name", "script_name"), [p[1:] for p in RUNNING_PAIRS], ids=[p[0] for p in RUNNING_PAIRS]
)
def test_an_upload_pair_that_runs_with_and_without_the_csp_is_refused(
    tmp_path, served_site, reading_page, page_name, script_name
):
    files = {page_name: xhtml_page(script_name), script_name: "window.__pwned = 'script';\n"}
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in files.items():
        (raw / name).write_text(text, encoding="utf-8")
    runs(reading_page, served_site(raw).url + page_name)  # no CSP

    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    for name, text in files.items():
        (content / "images" / name).write_text(text, encoding="utf-8")
    # Under the production CSP: built with publishconf.py (the files let
    # through as a maintainer could) and served with the headers it writes.
    port = free_port()
    trusted = {"trusted_files": [f"images/{name}" for name in files]}
    output = tmp_path / "output"
    build_site(
        output,
        settings_file=PUBLISH_SETTINGS,
        content=content,
        env={"COMMONS_SITEURL": f"http://127.0.0.1:{port}"},
        overrides={"GUARD": guard(PUBLISH_SETTINGS, media=trusted)},
    )
    site = served_site(output, port=port, headers_file="_headers")
    response = runs(reading_page, site.url + f"images/{page_name}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"

    # What the build says without the maintainer's word.
    shutil.rmtree(output)
    with pytest.raises(BuildError) as failure:
        build_site(output, settings_file=PUBLISH_SETTINGS, content=content)
    for name in files:
        assert f"images/{name}: is served as" in str(failure.value)
    assert not output.exists()
