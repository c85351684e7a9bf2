"""SECURITY_HEADERS: settings, the policy it composes, and the files it writes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from commons.settings import SettingsError
from commons.static_server import HeadersFileError, headers_for, parse_headers_file
from plugins.security_headers.security_headers import (
    SCHEMA,
    content_security_policy,
    inline_script_hashes,
    may_hold_inline_script,
    netlify_headers,
    nginx_snippet,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "SECURITY_HEADERS must be a dict"),
        ({"enable": True}, "unknown key(s) ['enable']"),
        ({"enabled": "yes"}, "SECURITY_HEADERS['enabled'] is 'yes'; it must be True or False"),
        (
            {"referrer_policy": ""},
            "SECURITY_HEADERS['referrer_policy'] is ''; it must be a non-empty string on one line",
        ),
        ({"extra_sources": {"scripts": []}}, "mapping some of ['script', 'style'"),
        ({"extra_sources": {"img": ["https://a.example; script-src *"]}}, "not an origin such as"),
    ],
)
def test_bad_settings_name_the_key(value, expected):
    with pytest.raises(SettingsError) as failure:
        SCHEMA.validate(value)
    assert expected in str(failure.value)


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_policy_allows_exactly_the_provider_and_the_site():
    provider = {"script": ["https://giscus.app"], "frame": ["https://giscus.app"]}
    policy = directives(
        content_security_policy(provider, {"img": ["https://img.example"]}, ["'sha256-abc='"])
    )
    assert policy["script-src"] == [
        "'self'",
        "'wasm-unsafe-eval'",
        "'sha256-abc='",
        "https://giscus.app",
    ]
    assert policy["frame-src"] == ["https://giscus.app"]
    assert policy["img-src"] == ["'self'", "data:", "https://img.example"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_no_provider_means_no_frames():
    assert directives(content_security_policy({}, {}, []))["frame-src"] == ["'none'"]


def test_inline_scripts_are_hashed_and_data_blocks_are_not(tmp_path):
    (tmp_path / "index.html").write_text(
        "<script>document.documentElement.dataset.js='1'</script>"
        '<script type="application/ld+json">{"a": 1}</script><script src="/x.js"></script>'
    )
    # sha256 of the one executable inline script, as CSP wants it.
    assert inline_script_hashes(tmp_path) == [
        "'sha256-21WQj2DafzAzvaeGGpWPE+07y3A77gffb94Rthus9H8='"
    ]


def test_headers_file_round_trips_through_the_parser_the_local_server_uses():
    headers = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff"}
    rules = parse_headers_file(netlify_headers(headers))
    assert headers_for("/2011/03/post/", rules) == headers
    assert 'add_header X-Content-Type-Options "nosniff" always;' in nginx_snippet(headers)


def test_a_malformed_headers_file_is_refused():
    with pytest.raises(HeadersFileError):
        parse_headers_file("  X-Orphan: header before any path\n")


def test_style_attributes_are_allowed_only_with_a_comment_widget():
    assert "style-src-attr" not in directives(content_security_policy({}, {}, []))
    with_widget = directives(content_security_policy({"script": ["https://c.example"]}, {}, []))
    assert with_widget["style-src-attr"] == ["'unsafe-inline'"]
    assert with_widget["style-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("page", "parsed"),
    [
        ('<script src="/x.js"></script><script type="application/json">{}</script>', False),
        ("<SCRIPT SRC='/x.js' defer></SCRIPT><script type=application/ld+json>{}</script>", False),
        ("<p>No scripts at all.</p>", False),
        ("<script>run()</script>", True),
        ("<Script type=module>run()</Script>", True),
        ('<script data-src="/x.js">run()</script>', True),
        ('<script type="application/javascript">run()</script>', True),
        ('<script title="a > b" src="/x.js"></script>', True),  # unsure: parse the page
    ],
)
def test_only_pages_that_may_hold_an_inline_script_are_parsed(page, parsed):
    assert may_hold_inline_script(page.encode()) is parsed


def test_every_executable_inline_script_is_hashed_whatever_its_markup(tmp_path):
    bodies = ["a()", "b()", "c()"]
    (tmp_path / "one.html").write_text(
        f"<SCRIPT>{bodies[0]}</SCRIPT><script data-src='/x.js'>{bodies[1]}</script>"
    )
    (tmp_path / "two.html").write_text(f'<script title="a > b">{bodies[2]}</script>')
    (tmp_path / "three.html").write_text('<script src="/x.js"></script>')
    expected = sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in bodies
    )
    assert inline_script_hashes(tmp_path) == expected


def test_the_pages_scanned_are_those_rglob_finds(tmp_path):
    from plugins.security_headers.security_headers import html_pages

    site = tmp_path / "output"
    for name in ("index.html", "a/b/index.html", ".hidden.html", "x/page.HTML", "feed.xml"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("<p>x</p>", encoding="utf-8")
    (site / "folder.html").mkdir()
    (site / "folder.html" / "inside.html").write_text("<p>y</p>", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "not-followed.html").write_text("<p>z</p>", encoding="utf-8")
    (site / "linked").symlink_to(elsewhere, target_is_directory=True)
    (site / "linked.html").symlink_to(elsewhere / "not-followed.html")
    found = sorted(html_pages(site))
    assert found == sorted(str(page) for page in site.rglob("*.html"))
    assert str(site / "a/b/index.html") in found and str(site / "folder.html") in found
    assert not any("not-followed" in page for page in found)
