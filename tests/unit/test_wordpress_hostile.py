"""A hostile export: what its titles, slugs, ids, statuses, uploads and links can do.

The export is Isso's real one (tests/data/wordpress/isso-wordpress.xml) with
its post's fields replaced by payloads; `posts` makes one item per dict of
fields from that post.
"""

from __future__ import annotations

import copy
import re

import markdown
import pytest
from lxml import etree
from lxml import html as lxml_html

from commons import REPO_ROOT
from commons.files import name_problem
from commons.importers.wordpress import ExportError, import_wordpress
from tests.build.test_import_wordpress import front_matter, settings

EXPORT = REPO_ROOT / "tests" / "data" / "wordpress" / "isso-wordpress.xml"
WP = "http://wordpress.org/export/1.0/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
UPLOADS = "http://example.tld/wp-content/uploads"


def _set(item, name: str, value: str) -> None:
    if name == "title":
        element = item.find("title")
    elif name == "content":
        element = item.find(f"{{{CONTENT}}}encoded")
        if element is None:
            element = etree.SubElement(item, f"{{{CONTENT}}}encoded")
    else:
        element = item.find(f"{{{WP}}}{name}")
        if element is None:
            element = etree.SubElement(item, f"{{{WP}}}{name}")
    element.text = value


def posts(tmp_path, *items: dict[str, str]):
    """An export with one post per dict: Isso's post with those fields replaced."""
    tree = etree.parse(str(EXPORT))
    channel = tree.find("channel")
    model = channel.find("item")
    for item in channel.findall("item"):
        channel.remove(item)
    for number, fields in enumerate(items):
        item = copy.deepcopy(model)
        if number:
            # Only the first keeps the comments: each is one more thread otherwise.
            for comment in item.findall(f"{{{WP}}}comment"):
                item.remove(comment)
        _set(item, "post_id", str(100 + number))
        for name, value in fields.items():
            if value is None:
                item.remove(item.find(f"{{{WP}}}{name}"))
            else:
                _set(item, name, value)
        channel.append(item)
    path = tmp_path / "export.xml"
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def hostile(tmp_path, **fields: str):
    return posts(tmp_path, fields)


def importing(tmp_path, export, overrides=None, **options):
    """Import `export` into tmp_path/content; returns the folder and the lines said."""
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    lines: list[str] = []
    import_wordpress(
        export,
        content_dir=content,
        settings={**settings(), **(overrides or {})},
        isso_db=tmp_path / "comments.db",
        say=lines.append,
        **options,
    )
    return content, lines


def run(tmp_path, export, **options):
    return importing(tmp_path, export, **options)[0]


def files_in(folder):
    """Every file or link under `folder` (links not followed), relative, sorted."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_symlink() or not p.is_dir()
    )


def uploads_with(tmp_path, files: dict[str, bytes]):
    uploads = tmp_path / "uploads"
    for relative, data in files.items():
        (uploads / relative).parent.mkdir(parents=True, exist_ok=True)
        (uploads / relative).write_bytes(data)
    uploads.mkdir(exist_ok=True)
    return uploads


# Addresses that run script, spelt as a browser still reads them: entities,
# mixed case, tabs, line breaks and spaces inside or around the scheme.
SCRIPT_LINKS = (
    '<p><a href="jav&#x09;ascript:alert(1)">one</a> '
    '<a href=" JaVaScRiPt:alert(2)">two</a> '
    '<a href="&#x6A;avascript&colon;alert(3)">three</a> '
    '<a href="vbscript:msgbox(4)">four</a> '
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==">five</a> '
    '<a href="&#10;java&#13;script:alert(6)">six</a></p>\n\n'
    '<p><img src="javascript:alert(7)" alt="seven"> '
    '<img src="JAVA&#x0A;SCRIPT:alert(8)" alt="eight"></p>\n\n'
    '<video controls src="https://example.org/v.mp4" poster="javascript:alert(9)"></video>\n\n'
    '[audio src="vbscript:msgbox(10)"]\n\n'
    '[caption]<a href="javascript:alert(11)"><img src="https://example.org/a.png" alt="a"></a>'
    " eleven[/caption]\n\n"
    '<p><a href="https://example.org/kept">kept</a></p>'
)
SCRIPT_SCHEME = re.compile(r"^(?:javascript|vbscript|data:text)", re.IGNORECASE)


def script_urls(root) -> list[str]:
    """Every address in `root` a browser would run (independently of commons.urls)."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name in ("href", "src", "poster", "action", "formaction", "data"):
                seen = re.sub(r"[\x00-\x20]", "", value)
                if SCRIPT_SCHEME.match(seen):
                    found.append(f"<{element.tag} {name}={value!r}>")
    return found


def image(relative: str) -> str:
    return f'<p><img src="{UPLOADS}/{relative}" alt="A picture"></p>'


def test_a_title_cannot_add_metadata_lines(tmp_path):
    export = hostile(
        tmp_path,
        title="Hello\nStatus: published\nComments_id: other-thread\n\n<script>x</script>",
        status="draft",
    )
    content = run(tmp_path, export)
    (path,) = content.glob("*.md")
    fields = front_matter(path)
    assert fields["Status"] == "draft"
    assert "Comments_id" not in fields
    assert fields["Title"] == "Hello Status: published Comments_id: other-thread x"


def test_a_slug_cannot_leave_the_content_folder(tmp_path):
    export = hostile(tmp_path, post_name="../../../etc/evil")
    content = run(tmp_path, export)
    written = [p for p in tmp_path.rglob("*.md")]
    assert written and all(p.parent == content for p in written)
    assert front_matter(written[0])["Slug"] == "etcevil"


@pytest.mark.parametrize(
    "fields",
    [
        {"post_name": "..", "title": "?!…", "post_id": "..%2f..%2fx"},
        {"post_name": "", "title": "«»", "post_id": "/../../victim/notes"},
        {"post_name": "%2e%2e%2f%2e%2e%2fvictim", "title": "", "post_id": "../../victim/x"},
    ],
    ids=["dot-dot-slug", "id-with-slashes", "encoded-slug"],
)
def test_no_slug_title_or_id_leads_a_post_out_of_the_content_folder(tmp_path, fields):
    content = run(tmp_path, hostile(tmp_path, **fields))
    outside = [p for p in files_in(tmp_path) if not p.startswith("content/")]
    assert sorted(outside) == ["comments.db", "export.xml"]
    (path,) = content.glob("*.md")
    assert name_problem(path.name) is None and ".." not in path.name
    assert front_matter(path)["Slug"] == path.stem


def test_a_link_planted_as_a_posts_file_is_not_written_through_even_with_force(tmp_path):
    victim = tmp_path / "victim.md"
    victim.write_text("kept", encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    (content / "test.md").symlink_to(victim)
    with pytest.raises(ExportError) as refused:
        run(tmp_path, EXPORT, force=True)
    assert "test.md is a symbolic link" in str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert victim.read_text(encoding="utf-8") == "kept"
    assert files_in(content) == ["test.md"]


def test_every_clash_is_listed_before_anything_is_written(tmp_path):
    export = posts(
        tmp_path,
        {"post_name": "first", "content": image("2019/05/desk.png")},
        {"post_name": "second"},
        {"post_name": "third"},
    )
    uploads = uploads_with(tmp_path, {"2019/05/desk.png": b"the export's"})
    content = tmp_path / "content"
    (content / "images" / "2019" / "05").mkdir(parents=True)
    (content / "images" / "2019" / "05" / "desk.png").write_bytes(b"an editor's")
    (content / "second.md").write_text("an editor's post", encoding="utf-8")
    with pytest.raises(ExportError) as refused:
        run(tmp_path, export, uploads=uploads)
    message = str(refused.value)
    assert "2 file(s)" in message and "nothing was written" in message
    assert str(content / "second.md") in message
    assert str(content / "images" / "2019" / "05" / "desk.png") in message
    assert "--force" in message
    assert files_in(content) == ["images/2019/05/desk.png", "second.md"]
    assert (content / "images" / "2019" / "05" / "desk.png").read_bytes() == b"an editor's"


def test_an_identical_image_is_reused_and_a_different_one_replaced_only_with_force(tmp_path):
    export = hostile(tmp_path, content=image("2019/05/desk.png"))
    uploads = uploads_with(tmp_path, {"2019/05/desk.png": b"the export's"})
    content = tmp_path / "content"
    kept = content / "images" / "2019" / "05" / "desk.png"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"the export's")
    run(tmp_path, export, uploads=uploads)
    assert "{static}/images/2019/05/desk.png" in (content / "test.md").read_text()
    (uploads / "2019" / "05" / "desk.png").write_bytes(b"a new picture")
    with pytest.raises(ExportError, match=r"desk\.png already exists"):
        run(tmp_path, export, uploads=uploads, force=False)
    assert kept.read_bytes() == b"the export's"
    run(tmp_path, export, uploads=uploads, force=True)
    assert kept.read_bytes() == b"a new picture"


def test_a_symlinked_images_folder_is_not_written_through(tmp_path):
    export = hostile(tmp_path, content=image("2019/05/desk.png"))
    uploads = uploads_with(tmp_path, {"2019/05/desk.png": b"picture"})
    victim = tmp_path / "victim"
    victim.mkdir()
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    (content / "images" / "2019").symlink_to(victim)
    with pytest.raises(ExportError) as refused:
        run(tmp_path, export, uploads=uploads, force=True)
    assert f"{content / 'images' / '2019'} is a symbolic link" in str(refused.value)
    assert list(victim.iterdir()) == []
    assert files_in(content) == ["images/2019"]


@pytest.mark.parametrize(
    "name", [".htaccess", ".well-known/security.txt", "../../x.png", "a\u202egnp.png"]
)
def test_an_upload_whose_name_is_not_plain_is_not_copied(tmp_path, name):
    uploads = uploads_with(
        tmp_path, {"2019/05/.htaccess": b"x", "2019/05/.well-known/security.txt": b"x"}
    )
    uploads_with(tmp_path, {"x.png": b"x", "2019/05/a\u202egnp.png": b"x"})
    body = f'<p><a href="{UPLOADS}/2019/05/{name}">file</a></p>' + image(f"2019/05/{name}")
    content = run(tmp_path, hostile(tmp_path, content=body), uploads=uploads)
    assert not (content / "images").exists()
    assert "{static}" not in (content / "test.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("status", ["pitch", "needs-review", "assigned", "Publish", None])
def test_a_status_other_than_publish_is_a_draft_with_a_warning(tmp_path, status):
    content, lines = importing(tmp_path, hostile(tmp_path, status=status))
    (path,) = content.glob("*.md")
    assert front_matter(path)["Status"] == "draft"
    said = repr(status) if status else "no status"
    assert any(
        line.startswith("WARNING content/test.md:") and said in line and "draft" in line
        for line in lines
    ), lines
    # No old address leads to a draft.
    redirects = (content / "redirects" / "wordpress.txt").read_text(encoding="utf-8")
    rules = [line for line in redirects.splitlines() if not line.startswith("#")]
    assert rules and not any("{filename}" in rule for rule in rules)


@pytest.mark.parametrize("status", ["inherit", "trash", "auto-draft"])
def test_revisions_and_the_bin_are_not_imported(tmp_path, status):
    content, lines = importing(tmp_path, hostile(tmp_path, status=status))
    assert list(content.glob("*.md")) == []
    assert f"post ({status})" in "\n".join(lines)


@pytest.mark.parametrize("status", ["pitch", "private", "draft"])
def test_a_drafts_own_uploads_stay_out_of_the_published_tree(tmp_path, status):
    uploads = uploads_with(tmp_path, {"2019/05/shared.png": b"shared", "2019/05/own.png": b"own"})
    body = image("2019/05/shared.png") + image("2019/05/own.png")

    def export(draft_status):
        return posts(
            tmp_path,
            # The draft comes first: what it may show must not depend on the order.
            {"post_name": "plans", "status": draft_status, "content": body},
            {"post_name": "news", "status": "publish", "content": image("2019/05/shared.png")},
        )

    content, lines = importing(tmp_path, export(status), uploads=uploads)
    assert files_in(content / "images") == ["2019/05/shared.png"]
    draft = (content / "plans.md").read_text(encoding="utf-8")
    assert "{static}/images/2019/05/shared.png" in draft
    assert f"{UPLOADS}/2019/05/own.png" in draft
    assert any(
        line.startswith("NOT COPIED content/plans.md") and "2019/05/own.png" in line
        for line in lines
    )
    # Published in WordPress later, imported again with --force: now it is copied.
    importing(tmp_path, export("publish"), uploads=uploads, force=True)
    assert files_in(content / "images") == ["2019/05/own.png", "2019/05/shared.png"]
    assert "{static}/images/2019/05/own.png" in (content / "plans.md").read_text()


KEEP = {"GUARD": {"html": {"policy": "keep", "extra_tags": [], "extra_attributes": {}}}}


def test_script_links_are_dropped_from_the_markdown_whatever_the_policy(tmp_path):
    content, _lines = importing(tmp_path, hostile(tmp_path, content=SCRIPT_LINKS), KEEP)
    text = (content / "test.md").read_text(encoding="utf-8").split("\n\n", 1)[1]
    # Rendered as the `keep` policy leaves it: Markdown's HTML, unsanitised.
    page = lxml_html.fragment_fromstring(
        markdown.markdown(text, extensions=["extra"]), create_parent="div"
    )
    assert script_urls(page) == []
    words = page.text_content()
    for word in ("one", "two", "three", "four", "five", "six", "eleven"):
        assert word in words
    assert page.xpath("//a/@href") == ["https://example.org/kept"]
    assert page.xpath("//video/@src") == ["https://example.org/v.mp4"]
