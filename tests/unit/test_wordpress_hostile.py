"""A hostile export: what its titles, slugs, terms and excerpts can do to the files written.

The export is Isso's real one (tests/data/wordpress/isso-wordpress.xml) with
its post's fields replaced by payloads.
"""

from __future__ import annotations

from lxml import etree

from commons import REPO_ROOT
from commons.importers.wordpress import import_wordpress
from tests.build.test_import_wordpress import front_matter, settings

EXPORT = REPO_ROOT / "tests" / "data" / "wordpress" / "isso-wordpress.xml"
WP = "http://wordpress.org/export/1.0/"


def hostile(tmp_path, **fields: str):
    tree = etree.parse(str(EXPORT))
    item = tree.find("channel/item")
    for name, value in fields.items():
        element = item.find(f"{{{WP}}}{name}") if name != "title" else item.find("title")
        if element is None:
            element = etree.SubElement(item, f"{{{WP}}}{name}")
        element.text = value
    path = tmp_path / "export.xml"
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def run(tmp_path, export):
    content = tmp_path / "content"
    content.mkdir()
    import_wordpress(
        export,
        content_dir=content,
        settings=settings(),
        isso_db=tmp_path / "comments.db",
        say=lambda line: None,
    )
    return content


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
