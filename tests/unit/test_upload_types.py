"""plugins/guard/media.py judges an upload by every type a common server sends it with.

The table is a snapshot of real data (Debian's /etc/mime.types, nginx's
mime.types, Python's mimetypes); it must hold every mapping this machine's
files have, and an extension passes only if every map calls it inert.
"""

from __future__ import annotations

import mimetypes

import pytest

from plugins.drafts import drafts
from plugins.guard import media as media_check
from plugins.guard.served_types import (
    SYSTEM_MAPS,
    machine_types,
    parse_mime_types,
    python_types,
    served_types,
)
from tests.conftest import require


@pytest.fixture(scope="module")
def table():
    return served_types()


def test_the_snapshot_holds_every_mapping_of_this_machine(table):
    for path in SYSTEM_MAPS:
        require(path.is_file(), str(path), "apt-get install media-types nginx-common")
    missing = {
        extension: sorted(kinds - table.get(extension, frozenset()))
        for extension, kinds in machine_types().items()
        if not kinds <= table.get(extension, frozenset())
    }
    assert missing == {}, "run: .venv/bin/python -m plugins.guard.served_types"


def test_both_file_formats_are_read():
    debian = parse_mime_types("# comment\napplication/xhtml+xml\t\txhtml xht xhtm\ntext/x\n")
    nginx = parse_mime_types("types {\n    text/html  html htm shtml;\n    image/png png;\n}\n")
    assert debian == {e: {"application/xhtml+xml"} for e in ("xhtml", "xht", "xhtm")}
    assert nginx == {"html": {"text/html"}, "htm": {"text/html"}, "shtml": {"text/html"}} | {
        "png": {"image/png"}
    }


def upload(tmp_path, name: str, data: bytes = b"plain \x00 data") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        # Only Debian's map knows these: Python's own table would let them through.
        ("page.xhtm", "application/xhtml+xml (.xhtm)"),
        ("script.es", "text/javascript (.es)"),
        # Apache's mod_mime reads every extension.
        ("photo.shtml.png", "text/html (.shtml)"),
        ("photo.xht.unknownext", "application/xhtml+xml (.xht)"),
        ("module.MJS", "javascript (.mjs)"),
        ("offline.appcache", "text/cache-manifest (.appcache)"),
        ("feed.atom", "application/atom+xml (.atom)"),
    ],
)
def test_an_extension_any_map_gives_a_running_type_is_refused(tmp_path, table, name, says):
    assert says in media_check.upload_problem(upload(tmp_path, name), table)


def test_the_published_name_is_judged_too(tmp_path, table):
    path = upload(tmp_path, "notes.txt")
    assert media_check.upload_problem(path, table, published="extra/notes.txt") is None
    assert "(.xhtm)" in media_check.upload_problem(path, table, published="notes.xhtm")
    problem = media_check.upload_problem(path, table, published="images/.well-known/notes.txt")
    assert "hidden folder (.well-known)" in problem


def test_python_alone_would_not_know_the_debian_payloads():
    assert "xhtm" not in python_types() and "es" not in python_types()


@pytest.mark.parametrize(
    "name", ["photo.JPG", "report.2024.pdf", "captions.vtt", "archive.tar.gz", "CNAME", "x.glb2"]
)
def test_inert_and_unknown_extensions_pass(tmp_path, table, name):
    assert media_check.upload_problem(upload(tmp_path, name), table) is None


@pytest.mark.parametrize(
    "data", [b"<html>", b"\xef\xbb\xbf  \n<svg onload=x()>", b"\t<?xml version='1.0'?><x/>"]
)
def test_an_unknown_extension_that_starts_like_markup_is_refused(tmp_path, table, data):
    for name in ("notes.jsm", "README"):
        problem = media_check.upload_problem(upload(tmp_path, name, data), table)
        assert "starts like HTML or XML" in problem


def test_every_extension_passes_only_if_every_map_calls_it_inert(tmp_path, table):
    """Over the whole table: a passing extension is one Python's server (which reads
    this machine's mime.types) sends as an inert type, or as none."""
    require(SYSTEM_MAPS[0].is_file(), "/etc/mime.types", "apt-get install media-types")
    mimetypes.init()  # Python's table and the system's files, as http.server reads them
    passed = 0
    for extension in table:
        if "/" in extension:
            continue
        name = f"x.{extension}"
        if media_check.upload_problem(upload(tmp_path, name), table) is None:
            passed += 1
            guessed = mimetypes.guess_type(name, strict=False)[0]
            assert guessed is None or media_check.inert_type(guessed.lower()), name
    assert 300 < passed < len(table)  # images, audio, video, fonts, archives, text...


def test_the_setting_extends_the_allowlist_knowingly(tmp_path, table):
    path = upload(tmp_path, "chair.glb")
    assert "model/gltf-binary" in media_check.upload_problem(path, table)
    assert media_check.upload_problem(path, table, ["model/gltf-binary"]) is None
    assert media_check.upload_problem(path, table, ["model/*"]) is None
    assert media_check.upload_problem(path, table, ["model/stl"]) is not None
    assert media_check.SCHEMA.validate({"allowed_types": ["model/*"]})["allowed_types"]
    with pytest.raises(ValueError, match=r"GUARD\['media'\]\['allowed_types'\]"):
        media_check.SCHEMA.validate({"allowed_types": ["text/html; charset=utf-8"]})


def test_every_draft_setting_of_pelican_is_emptied_in_production():
    from pelican.settings import DEFAULT_CONFIG

    named = {k for k in DEFAULT_CONFIG if "DRAFT" in k and k.endswith("_SAVE_AS")}
    assert named and named <= set(drafts.draft_save_settings({}))
    assert "DRAFTS_SAVE_AS" in drafts.draft_save_settings({"DRAFTS_SAVE_AS": "drafts/index.html"})
