"""The edges of the trust boundary (issue 23): redirect lines, uploads and drafts
from the hostile corpus, through the real build and a real rsync publish to a
local folder.

- A redirect never replaces a hidden, kept or reserved file, nor writes a
  rule a host would expand.
- An upload passes only when every type a common server sends it with is one
  no browser runs.
- No draft reaches production, in any language, and no template lists one.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree, html
from pelican.settings import DEFAULT_CONFIG, read_settings

from commons import DEV_SETTINGS, PUBLISH_SETTINGS, REPO_ROOT
from commons.build import BuildError, build_site
from commons.importers.wordpress import import_wordpress
from commons.publish import publish_site
from tests.conftest import copy_content, guard, require
from tests.hostile_corpus import (
    DRAFT_SECRET,
    HOSTILE_REDIRECTS,
    HOSTILE_UPLOADS,
    INERT_UPLOADS,
    REDIRECT_TARGET,
    write_drafts,
)

# Search is not what these tests are about; it only slows the builds that pass.
FAST = {"SEARCH": {"enabled": False}}
RETAINED = [".git", ".nojekyll", "CNAME", ".well-known"]
WORDPRESS_EXPORT = REPO_ROOT / "tests" / "data" / "wordpress" / "isso-wordpress.xml"


def failed_build(tmp_path: Path, content: Path, settings: Path, overrides=None) -> str:
    output = tmp_path / "output"
    with pytest.raises(BuildError) as failure:
        build_site(output, settings_file=settings, content=content, overrides=overrides or FAST)
    assert not output.exists()
    return str(failure.value)


# ---------------------------------------------------------------- redirects
@pytest.mark.parametrize(
    ("old", "says"), [c[1:] for c in HOSTILE_REDIRECTS], ids=[c[0] for c in HOSTILE_REDIRECTS]
)
def test_a_redirect_over_a_hidden_kept_or_reserved_file_stops_the_build(tmp_path, old, says):
    content = copy_content(tmp_path / "content")
    (content / "redirects").mkdir()
    lines = ["# a comment", f"/fine/ {REDIRECT_TARGET}", f"{old} {REDIRECT_TARGET}"]
    (content / "redirects" / "wordpress.txt").write_text("\n".join(lines) + "\n")
    message = failed_build(tmp_path, content, PUBLISH_SETTINGS)
    assert "redirects/wordpress.txt:3" in message and says in message and "Fix:" in message
    assert "wordpress.txt:2" not in message


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("http://example.tld/.htaccess", "hidden file or folder (.htaccess)"),
        ("http://example.tld/CNAME", "a file kept across builds (OUTPUT_RETENTION)"),
        ("http://example.tld/.well-known/acme-challenge/x", "hidden file or folder"),
    ],
    ids=["htaccess", "cname", "well-known"],
)
def test_an_imported_items_link_over_a_kept_file_stops_the_build(tmp_path, link, says):
    tree = etree.parse(str(WORDPRESS_EXPORT))
    tree.find("channel/item/link").text = link
    export = tmp_path / "export.xml"
    tree.write(str(export), encoding="utf-8", xml_declaration=True)
    content = tmp_path / "content"
    content.mkdir()
    import_wordpress(
        export,
        content_dir=content,
        settings=read_settings(str(DEV_SETTINGS)),
        isso_db=tmp_path / "comments.db",
        say=lambda line: None,
    )
    lines = (content / "redirects" / "wordpress.txt").read_text().splitlines()
    number = next(
        n
        for n, line in enumerate(lines, 1)
        if line.split(" ")[0].rstrip("/") == urlsplit(link).path
    )
    message = failed_build(tmp_path, content, PUBLISH_SETTINGS)
    assert f"redirects/wordpress.txt:{number}" in message and says in message


def test_a_rebuild_never_loses_the_retained_cname_to_a_redirect(tmp_path):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    build_site(output, settings_file=DEV_SETTINGS, content=content, overrides=FAST)
    (output / "CNAME").write_text("blog.cohere.coop\n")
    (content / "redirects").mkdir()
    (content / "redirects" / "old.txt").write_text(f"/CNAME {REDIRECT_TARGET}\n")
    with pytest.raises(BuildError) as failure:
        build_site(output, settings_file=DEV_SETTINGS, content=content, overrides=FAST)
    assert "redirects/old.txt:1" in str(failure.value)
    assert (output / "CNAME").read_text() == "blog.cohere.coop\n"


# ---------------------------------------------------------------- publish
@pytest.fixture(scope="module")
def production_with_drafts(tmp_path_factory) -> Path:
    """A production build of content with drafts in two languages, a page asking
    for the list of drafts, and a CNAME a maintainer places at the root."""
    root = tmp_path_factory.mktemp("edges")
    content = copy_content(root / "content")
    write_drafts(content)
    (content / "extra").mkdir()
    (content / "extra" / "CNAME").write_text("new.example.org\n")
    overrides = {**FAST, "EXTRA_PATH_METADATA": {"extra/CNAME": {"path": "CNAME"}}}
    output = root / "output"
    build_site(output, settings_file=PUBLISH_SETTINGS, content=content, overrides=overrides)
    return output


def test_publish_never_replaces_or_deletes_retained_and_hidden_files(
    production_with_drafts, tmp_path
):
    require(__import__("shutil").which("rsync") is not None, "rsync", "apt-get install rsync")
    assert (production_with_drafts / "CNAME").read_text() == "new.example.org\n"
    target = tmp_path / "www"
    kept = {
        "CNAME": "blog.cohere.coop\n",
        ".htaccess": "Options -Indexes\n",
        ".well-known/acme-challenge/token": "proof\n",
        "2011/.htaccess": "Require all granted\n",
        "old-page.html": "a page the site no longer generates",
    }
    for name, text in kept.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    options = {"method": "rsync", "rsync_target": f"{target}/"}
    publish_site(production_with_drafts, options, dry_run=False, repo=REPO_ROOT, retain=RETAINED)
    assert (target / "index.html").is_file()
    assert not (target / "old-page.html").exists()
    for name, text in kept.items():
        if name != "old-page.html":
            assert (target / name).read_text() == text, name


# ---------------------------------------------------------------- drafts
def files_holding(site: Path, text: str) -> list[str]:
    return sorted(
        str(path.relative_to(site))
        for path in site.rglob("*")
        if path.is_file() and text.encode() in path.read_bytes()
    )


def test_no_draft_reaches_a_published_site_in_any_language(production_with_drafts, tmp_path):
    assert files_holding(production_with_drafts, DRAFT_SECRET) == []
    listing = html.fromstring((production_with_drafts / "every-draft" / "index.html").read_bytes())
    assert listing.xpath("//main//article") == []
    assert not (production_with_drafts / "drafts").exists()
    target = tmp_path / "www"
    options = {"method": "rsync", "rsync_target": f"{target}/"}
    publish_site(production_with_drafts, options, dry_run=False, repo=REPO_ROOT, retain=RETAINED)
    assert files_holding(target, DRAFT_SECRET) == []


# Every setting of Pelican that places a draft: a key a later Pelican adds is
# enumerated here, pointed at its own folder below, and must write nothing.
DRAFT_SAVE_KEYS = sorted(k for k in DEFAULT_CONFIG if "DRAFT" in k and k.endswith("_SAVE_AS"))


def draft_paths() -> dict:
    paths = {key: f"leak-{key.lower()}/{{slug}}-{{lang}}/index.html" for key in DRAFT_SAVE_KEYS}
    return {**paths, "DRAFTS_SAVE_AS": "leak-drafts_save_as/index.html"}


@pytest.mark.parametrize("settings", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["local", "production"])
def test_every_draft_setting_of_pelican_writes_nothing_in_production(tmp_path, settings):
    assert len(DRAFT_SAVE_KEYS) >= 4  # DRAFT_, DRAFT_LANG_, DRAFT_PAGE_, DRAFT_PAGE_LANG_
    content = copy_content(tmp_path / "content")
    write_drafts(content)
    output = tmp_path / "output"
    overrides = {**FAST, **draft_paths()}
    build_site(output, settings_file=settings, content=content, overrides=overrides)
    holding = files_holding(output, DRAFT_SECRET)
    if settings == PUBLISH_SETTINGS:
        assert holding == []
        assert sorted(p.name for p in output.glob("leak-*")) == []
        return
    # Locally, each of these settings writes drafts (the corpus has one for
    # each): a key the corpus cannot reach would make the production half
    # prove nothing.
    for key in draft_paths():
        assert any(path.startswith(f"leak-{key.lower()}/") for path in holding), key
    assert "every-draft/index.html" in holding


# ---------------------------------------------------------------- uploads
@pytest.mark.parametrize(
    ("name", "data"), [c[1:] for c in HOSTILE_UPLOADS], ids=[c[0] for c in HOSTILE_UPLOADS]
)
def test_an_upload_served_as_a_type_a_browser_runs_is_refused(tmp_path, name, data):
    content = copy_content(tmp_path / "content")
    (content / "images" / name).parent.mkdir(parents=True)
    (content / "images" / name).write_bytes(data)
    message = failed_build(tmp_path, content, PUBLISH_SETTINGS)
    assert f"images/{name}:" in message and "Fix:" in message
    assert "GUARD['media']['allowed_types']" in message


def test_uploads_of_inert_types_are_published(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    for name, data in INERT_UPLOADS:
        (content / "images" / name).write_bytes(data)
    output = tmp_path / "output"
    build_site(output, settings_file=PUBLISH_SETTINGS, content=content, overrides=FAST)
    for name, data in INERT_UPLOADS:
        assert (output / "images" / name).read_bytes() == data


def test_a_maintainer_allows_another_type_knowingly(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir()
    (content / "images" / "chair.glb").write_bytes(b"glTF\x02\x00\x00\x00")
    message = failed_build(tmp_path, content, PUBLISH_SETTINGS)
    assert "images/chair.glb: is served as model/gltf-binary (.glb)" in message
    output = tmp_path / "output"
    for allowed in (["model/gltf-binary"], ["model/*"]):
        overrides = {**FAST, "GUARD": guard(media={"trusted_files": [], "allowed_types": allowed})}
        build_site(output, settings_file=PUBLISH_SETTINGS, content=content, overrides=overrides)
        assert (output / "images" / "chair.glb").is_file()


def test_a_malformed_allowed_type_names_the_setting(tmp_path):
    content = copy_content(tmp_path / "content")
    overrides = {
        **FAST,
        "GUARD": guard(media={"trusted_files": [], "allowed_types": ["text/html "]}),
    }
    message = failed_build(tmp_path, content, PUBLISH_SETTINGS, overrides)
    assert "GUARD['media']['allowed_types']" in message and "text/html " in message
