"""WordPress bodies -> Markdown: paragraphs, blocks, shortcodes, images, links (no build)."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from lxml import html

from commons.importers.body import Site, convert_body, old_address, upload_path, wpautop
from commons.importers.wxr import read_export

DATA = Path(__file__).resolve().parent.parent / "data" / "wordpress"
THEME_DATA = DATA / "themeunittestdata.wordpress.xml"


def site(tmp_path: Path, **kwargs) -> Site:
    return Site(old_hosts={"example.org"}, content_dir=tmp_path, uploads=None, **kwargs)


def rendered(markdown_text: str):
    """The Markdown as Pelican's reader renders it (extra: tables, fenced code)."""
    return html.fromstring(f"<div>{markdown.markdown(markdown_text, extensions=['extra'])}</div>")


@pytest.fixture(scope="module")
def theme_items():
    return {item.slug: item for item in read_export(THEME_DATA).items}


def test_wpautop_makes_paragraphs_and_breaks_but_leaves_blocks():
    out = html.fromstring(
        "<div>"
        + wpautop("One\ntwo\n\nThree\n<ul>\n<li>item</li>\n</ul>\n<pre>a\n\nb</pre>")
        + "</div>"
    )
    paragraphs = out.findall("p")
    assert [p.text_content().replace("\n", "") for p in paragraphs] == ["Onetwo", "Three"]
    assert paragraphs[0].find("br") is not None
    assert out.find("ul/li").text == "item"
    assert out.find("pre").text == "a\n\nb"


def test_blockquote_paragraphs_stay_inside_the_quote():
    out = html.fromstring("<div>" + wpautop("<blockquote>First\n\nSecond</blockquote>") + "</div>")
    assert [p.text for p in out.findall("blockquote/p")] == ["First", "Second"]


def test_caption_becomes_a_figure_with_its_caption(tmp_path, theme_items):
    body = convert_body(theme_items["post-format-image-caption"].content, site(tmp_path))
    page = rendered(body.markdown)
    figure = page.find(".//figure")
    assert figure is not None
    assert figure.find(".//img").get("alt") == "Bell on Wharf"
    assert figure.findtext("figcaption").strip() == "Bell on wharf in San Francisco"
    assert "[caption" not in body.markdown


def test_gallery_becomes_its_attachments_images(tmp_path, theme_items):
    export = read_export(THEME_DATA)
    where = site(tmp_path)
    for item in export.items:
        if item.post_type == "attachment":
            where.attachments[item.post_id] = (item.attachment_url, item.title)
            where.children.setdefault(item.parent_id, []).append(item.post_id)
    item = theme_items["post-format-gallery"]
    body = convert_body(item.content, where, item.post_id)
    images = rendered(body.markdown).findall(".//img")
    galleries = item.content.count("[gallery")  # one per column count, 1 to 9, and one plain
    assert galleries == 10
    assert len(images) == galleries * len(where.children[item.post_id]) > 50
    assert "[gallery" not in body.markdown


def test_more_splits_the_teaser_and_leaves_the_whole_body(tmp_path, theme_items):
    item = theme_items["template-more-tag"]
    body = convert_body(item.content, site(tmp_path))
    assert body.teaser
    assert "\n" not in body.teaser
    assert "more" not in body.markdown.lower().split("<!--")[0] or "<!--more" not in body.markdown
    first_words = body.teaser.split()[:4]
    assert " ".join(first_words) in " ".join(body.markdown.split())


def test_gutenberg_comments_are_removed_and_dynamic_blocks_reported(tmp_path, theme_items):
    item = theme_items["widgets-block-category"]
    body = convert_body(item.content, site(tmp_path))
    assert "wp:" not in body.markdown
    assert any("wp:latest-posts" in problem for problem in body.problems)


def test_audio_video_and_embed_become_links_when_the_sanitiser_drops_players(tmp_path):
    text = (
        '[audio mp3="https://example.org/wp-content/uploads/2020/01/talk.mp3"][/audio]\n\n'
        "[embed]https://www.youtube.com/watch?v=abc[/embed]\n\n"
        "https://vimeo.com/12345\n\n"
        '<iframe src="https://www.youtube.com/embed/xyz"></iframe>'
    )
    page = rendered(convert_body(text, site(tmp_path)).markdown)
    links = [a.get("href") for a in page.iter("a")]
    assert links == [
        "https://example.org/wp-content/uploads/2020/01/talk.mp3",
        "https://www.youtube.com/watch?v=abc",
        "https://vimeo.com/12345",
        "https://www.youtube.com/embed/xyz",
    ]
    assert page.find(".//audio") is None and page.find(".//iframe") is None


def test_players_are_kept_when_the_sanitiser_allows_them(tmp_path):
    where = site(tmp_path, media_elements=frozenset({"audio"}))
    body = convert_body('[audio src="https://example.org/a.mp3"]', where)
    assert rendered(body.markdown).find(".//audio").get("src") == "https://example.org/a.mp3"


def test_tables_and_code_survive(tmp_path):
    text = (
        "<table><tr><th>Tool</th><th>Day</th></tr><tr><td>Drill</td><td>Friday</td></tr></table>"
        '\n\n[code language="python"]print("<b>")[/code]'
    )
    page = rendered(convert_body(text, site(tmp_path)).markdown)
    assert [td.text for td in page.iter("td")] == ["Drill", "Friday"]
    assert page.find(".//code").text.strip() == 'print("<b>")'


def test_uploads_are_listed_for_copying_and_linked_with_static(tmp_path):
    # The conversion writes nothing: the importer copies Body.images_copied
    # through its Folder once every file it writes has been checked.
    uploads = tmp_path / "uploads"
    (uploads / "2020" / "01").mkdir(parents=True)
    (uploads / "2020" / "01" / "bell.jpg").write_bytes(b"jpeg")
    where = Site(old_hosts={"example.org"}, content_dir=tmp_path / "content", uploads=uploads)
    body = convert_body(
        '<img src="https://example.org/wp-content/uploads/2020/01/bell-300x200.jpg" alt="Bell">',
        where,
    )
    assert "{static}/images/2020/01/bell.jpg" in body.markdown
    assert body.images_copied == {"2020/01/bell.jpg": uploads.resolve() / "2020/01/bell.jpg"}
    assert not (tmp_path / "content").exists()
    assert body.remote_images == []


def test_an_upload_path_cannot_leave_the_uploads_folder(tmp_path):
    where = site(tmp_path)
    assert upload_path("https://example.org/wp-content/uploads/../../etc/passwd", where) is None
    assert upload_path("https://example.org/wp-content/uploads/2020/01/a.png", where) == (
        "2020/01/a.png"
    )


def test_links_to_old_posts_become_filename_links(tmp_path):
    where = site(tmp_path, links={"/2012/01/03/hello/": "{filename}/hello.md"})
    body = convert_body('See <a href="https://example.org/2012/01/03/hello">this</a>.', where)
    assert "({filename}/hello.md)" in body.markdown
    assert old_address("https://elsewhere.net/2012/01/03/hello/", where) is None


def test_text_that_looks_like_markup_stays_text(tmp_path):
    text = (
        "<p>Write &lt;b&gt; for bold, x=1 [sic] *not bold* 3 &lt; 4</p>\n\n"
        "<p>1. not a list</p>\n\n<p># not a heading</p>"
    )
    page = rendered(convert_body(text, site(tmp_path)).markdown)
    assert [p.text_content() for p in page.findall("p")] == [
        "Write <b> for bold, x=1 [sic] *not bold* 3 < 4",
        "1. not a list",
        "# not a heading",
    ]
    assert page.find(".//b") is None and page.find(".//ol") is None


def test_the_theme_datas_audio_shortcode_becomes_a_link(tmp_path, theme_items):
    body = convert_body(theme_items["post-format-audio"].content, site(tmp_path))
    links = rendered(body.markdown).xpath("//a/@href")
    assert links.count(links[0]) == 2 and links[0].endswith("stlouisblues.mp3")
    assert body.problems == []


def test_gutenberg_footnotes_become_markdown_footnotes(tmp_path):
    # WordPress keeps the notes in post meta and renders the list when the
    # page is viewed: the export's body has only the references.
    blocks = read_export(DATA / "64-block-test-data.xml")
    item = next(item for item in blocks.items if item.slug == "footnotes")
    assert len(item.footnotes) == 2

    body = convert_body(item.content, site(tmp_path), item.post_id, item.footnotes)
    page = rendered(body.markdown)

    references = page.xpath("//sup//a/@href")
    notes = page.xpath('//div[@class="footnote"]//li')
    assert len(references) == 2 and len(notes) == 2
    assert [note.text_content().strip().rstrip("↩").strip() for note in notes] == [
        "A note",
        "Another note",
    ]
    ids = set(page.xpath("//@id"))
    for href in references:
        assert href.startswith("#") and href[1:] in ids


def test_a_language_name_with_backticks_does_not_unmake_the_code_block(tmp_path):
    # A class an export may carry: with it after the fence, the fence would be
    # text and the code read as Markdown (and as HTML by Pelican).
    from isso import config
    from isso.html import Markup

    from commons.importers.body import ISSO, convert_fragment

    code = "<b>not bold</b> *not em*"
    fragment = f'<pre><code class="language-x```">{code.replace("<", "&lt;")}</code></pre>'
    comment = convert_fragment(fragment, site(tmp_path), dialect=ISSO)
    shown = html.fromstring(
        f"<div>{Markup(config.load(config.default_file())).render(comment)}</div>"
    )
    assert shown.xpath("string(.//pre)").rstrip("\n") == code
    post = convert_body(fragment, site(tmp_path)).markdown
    assert rendered(post).xpath("string(.//pre)").rstrip("\n") == code
