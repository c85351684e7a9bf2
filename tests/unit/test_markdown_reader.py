"""plugins/markdown_reader: one converter per process gives Pelican's own HTML, file after file."""

from __future__ import annotations

import re

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from commons import DEV_SETTINGS
from commons.settings import SettingsError
from plugins.markdown_reader.markdown_reader import (
    SCHEMA,
    ReusingMarkdownReader,
    use_reusing_reader,
)

# Each file leaves something behind in a converter that is not reset: a
# footnote, an abbreviation, a heading id, metadata, a stashed HTML block.
SOURCES = {
    "footnotes.md": (
        "Title: Footnotes\nDate: 2024-01-01\nSummary: A *formatted* summary[^s].\n\n"
        "[^s]: In the summary.\n\n"
        "# Heading\n\nText with a note[^1].\n\n[^1]: The note.\n"
    ),
    "abbreviations.md": (
        "Title: Abbreviations\nDate: 2024-01-02\n\nThe HTML spec.\n\n*[HTML]: Hyper Text\n"
    ),
    "no-definitions.md": (
        "Title: Plain\nDate: 2024-01-03\n\n# Heading\n\nHTML again, and a note[^1] unmatched.\n"
    ),
    "html-block.md": (
        'Title: Blocks\nDate: 2024-01-04\nTags: a, b\n\n<div markdown="1">*inside*</div>\n\n'
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('x')\n```\n"
    ),
    "no-metadata.md": "Just: a paragraph that looks like metadata\n\nand more text.\n",
    # One editor's link definition must not turn another editor's text into
    # a link (here, to a script).
    "defines-a-link.md": (
        "Title: Definer\nDate: 2024-01-05\n\nSee [home].\n\n[home]: javascript:alert(1)\n"
    ),
    "uses-the-name.md": "Title: User\nDate: 2024-01-06\n\n[Click here][home] and [home].\n",
}


@pytest.fixture
def settings():
    return read_settings(str(DEV_SETTINGS))


def read_all(reader, folder) -> list:
    return [reader.read(str(folder / name)) for name in SOURCES]


def test_the_reused_converter_gives_pelican_s_html_and_metadata_for_each_file(settings, tmp_path):
    for name, text in SOURCES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    fresh = [MarkdownReader(settings).read(str(tmp_path / name)) for name in SOURCES]
    reusing = ReusingMarkdownReader(settings)
    # Twice through: the second round starts from a converter that read them all.
    assert read_all(reusing, tmp_path) == fresh
    assert read_all(reusing, tmp_path) == fresh
    content, _metadata = fresh[2]
    assert "<abbr" not in content and 'id="heading"' in content
    assert "<em>formatted</em>" in fresh[0][1]["summary"]
    names = list(SOURCES)
    assert 'href="javascript:' in fresh[names.index("defines-a-link.md")][0]
    reused = read_all(reusing, tmp_path)[names.index("uses-the-name.md")][0]
    assert "<a" not in reused and "javascript:" not in reused


def test_the_reader_keeps_one_converter(settings, tmp_path):
    for name, text in SOURCES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    reader = ReusingMarkdownReader(settings)
    reader.read(str(tmp_path / "footnotes.md"))
    first = reader._md
    reader.read(str(tmp_path / "abbreviations.md"))
    assert reader._md is first


def test_the_plugin_hands_markdown_to_the_reusing_reader_unless_readers_says_otherwise():
    class FakePelican:
        def __init__(self, settings):
            self.settings = settings

    plain = FakePelican({"READERS": {}})
    use_reusing_reader(plain)
    assert plain.settings["READERS"]["md"] is ReusingMarkdownReader
    custom = FakePelican({"READERS": {"md": None, "markdown": MarkdownReader}})
    use_reusing_reader(custom)
    assert custom.settings["READERS"]["md"] is None
    assert custom.settings["READERS"]["markdown"] is MarkdownReader
    off = FakePelican({"READERS": {}, "MARKDOWN_READER": {"reuse": False}})
    use_reusing_reader(off)
    assert off.settings["READERS"] == {}


@pytest.mark.parametrize(("raw", "key"), [({"reuse": "yes"}, "reuse"), ({"cache": 1}, "unknown")])
def test_bad_settings_name_the_key(raw, key):
    with pytest.raises(SettingsError, match=re.escape(key)):
        SCHEMA.validate(raw)


CODE_POST = (
    "Title: Code\nDate: 2024-02-01\nSummary: Some `code` and\n\n    indented = True\n\n"
    "```python\nprint('one')\n```\n\n"
    "```python\nfor line in lines:\n    print(line)\n```\n\n"
    "```javascript\nconst a = 1;\n```\n\n"
    '```{.python hl_lines="2"}\nfirst = 1\nsecond = 2\n```\n\n'
    '```{.python linenums="true"}\nnumbered = 1\n```\n\n'
    "    :::ruby\n    puts 'indented'\n"
)


def count_formatters(monkeypatch) -> list:
    """Every HtmlFormatter made from now on, by whoever makes it."""
    from pygments.formatters import HtmlFormatter

    made = []
    original = HtmlFormatter.__init__

    def counting(self, **options):
        made.append(options)
        original(self, **options)

    monkeypatch.setattr(HtmlFormatter, "__init__", counting)
    return made


def test_code_blocks_get_pelican_s_html_from_one_formatter_per_set_of_options(
    settings, tmp_path, monkeypatch
):
    post = tmp_path / "code.md"
    post.write_text(CODE_POST, encoding="utf-8")
    made = count_formatters(monkeypatch)
    fresh = MarkdownReader(settings).read(str(post))
    made_by_pelican = len(made)
    reader = ReusingMarkdownReader(settings)
    assert reader.read(str(post)) == fresh
    assert reader.read(str(post)) == fresh
    content, metadata = fresh
    assert content.count('class="highlight"') == 7 and "<code>code</code>" in metadata["summary"]
    assert '<span class="hll">' in content and 'class="linenos"' in content
    # Pelican makes one formatter per block; the reader one per distinct set of
    # options (fenced, indented, hl_lines, line numbers…), none for the second read.
    assert made_by_pelican == 7
    distinct = {repr(sorted(options.items())) for options in made[:made_by_pelican]}
    assert len(made) - made_by_pelican == len(distinct) < made_by_pelican


def test_a_formatter_of_the_site_s_own_is_left_to_codehilite(settings):
    from pygments.formatters import HtmlFormatter

    from plugins.markdown_reader.code_formatters import SharedFormatters, with_shared_formatters

    class SiteFormatter(HtmlFormatter):
        pass

    codehilite = "markdown.extensions.codehilite"
    for formatter in (SiteFormatter, "latex"):
        markdown = {"extension_configs": {codehilite: {"pygments_formatter": formatter}}}
        assert with_shared_formatters(markdown) is markdown
    shared = with_shared_formatters(settings["MARKDOWN"])
    assert isinstance(
        shared["extension_configs"][codehilite]["pygments_formatter"], SharedFormatters
    )
    assert "pygments_formatter" not in settings["MARKDOWN"]["extension_configs"][codehilite]


# Characters a Summary line is made of: those the plain-line scan accepts, and
# those it must refuse because some processor reacts to them.
PLAIN_CHARACTERS = "aZéßЖ字ᾷ09²" + ",.;:?!'\"()/%$@’‘“”–—…-"
MARKUP_CHARACTERS = "*_`[]<>&#|{}\\~=+^\t\n\x02\u00a0"


def fields_converters(settings, extensions=(), **extension_configs):
    """Commons' fields converter and Python-Markdown's own, for the same MARKDOWN setting."""
    from markdown import Markdown

    from plugins.guard.user_content import UserContentIdsExtension  # noqa: F401
    from plugins.markdown_reader.plain_fields import USER_CONTENT_EXTENSION, FieldsMarkdown
    from plugins.markdown_reader.toc_marker import with_marker_scanning_toc

    markdown = dict(settings["MARKDOWN"])
    configs = {**markdown.get("extension_configs", {}), **extension_configs}
    markdown["extension_configs"] = configs
    markdown["extensions"] = [*configs, *extensions, USER_CONTENT_EXTENSION]
    # The reader's converter (toc as toc_marker gives it), and Python-Markdown's own.
    converters = FieldsMarkdown(**with_marker_scanning_toc(markdown)), Markdown(**markdown)
    for converter in converters:
        # As Pelican converts a field: without the meta preprocessor.
        converter.preprocessors.deregister("meta")
    return converters


def random_lines(count: int, alphabet: str, seed: int) -> list[str]:
    """Lines of one to eight words drawn from `alphabet` (spaces in it make runs of them)."""
    import random

    chooser = random.Random(seed)
    return [
        " ".join(
            "".join(chooser.choices(alphabet, k=chooser.randint(1, 8)))
            for _ in range(chooser.randint(1, 8))
        )
        for _ in range(count)
    ]


def test_a_plain_summary_line_gets_the_paragraph_markdown_makes_of_it(settings):
    fields, markdown = fields_converters(settings)
    corpus_like = [
        "The hardest part was deciding who would keep it going. It turned out fine.",
        "Notes: what we learned (and what we'd change) — 50% less paper…",
        "Ask us: who's in?",
    ]
    lines = corpus_like + random_lines(3000, PLAIN_CHARACTERS, 1)
    lines += random_lines(1500, PLAIN_CHARACTERS + MARKUP_CHARACTERS + "  ", 2)
    plain = 0
    for line in lines:
        fields.reset()
        markdown.reset()
        assert fields.convert(line) == markdown.convert(line), repr(line)
        plain += fields.plain_paragraph(line)
    # The scan takes the plain lines and refuses each line with markup.
    assert all(fields.plain_paragraph(line) for line in corpus_like)
    assert plain > 500
    for character in MARKUP_CHARACTERS:
        assert not fields.plain_paragraph(f"A line {character}with it")
    for line in ("1990 was a year", "- a list", "A trailing space ", "Two  spaces"):
        assert not fields.plain_paragraph(line)


def test_extensions_that_rewrite_plain_words_get_markdown_s_whole_pipeline(settings):
    smart, markdown = fields_converters(settings, extensions=["markdown.extensions.smarty"])
    line = 'Don\'t say "maybe" -- say yes...'
    assert not smart.plain_paragraph(line)
    assert smart.convert(line) == markdown.convert(line) != f"<p>{line}</p>"
    glossary = {"markdown.extensions.abbr": {"glossary": {"HTML": "Hyper Text"}}}
    abbreviating, markdown = fields_converters(settings, **glossary)
    assert abbreviating.convert("We write HTML") == markdown.convert("We write HTML")
    assert "<abbr" in abbreviating.convert("We write HTML")
    marker = {"markdown.extensions.toc": {"marker": "Contents"}}
    marking, markdown = fields_converters(settings, **marker)
    assert not marking.plain_paragraph("Contents")
    assert marking.convert("Contents") == markdown.convert("Contents")


TOC_DOCUMENTS = [
    "# One\n\n[TOC]\n\n## Two\n\nText.\n",
    "# One\n\n\\[TOC\\]\n\n## Two\n",  # escaped: toc still sees the marker
    "# One\n\n> [TOC]\n\n* [TOC]\n\n    [TOC]\n\n`[TOC]`\n",
    "# One\n\nA [TOC] in a sentence, [TOC]s, [TOC ] and\n[TOC]\n",
    '# No marker\n\n## Here\n\n<div markdown="1">[TOC]</div>\n',
    "Nothing at all.\n",
]


@pytest.mark.parametrize("marker", ["[TOC]", "Contents", ""])
def test_toc_finds_its_marker_as_python_markdown_s_toc_does(settings, marker):
    from markdown import Markdown

    from plugins.markdown_reader.toc_marker import with_marker_scanning_toc

    markdown = dict(settings["MARKDOWN"])
    configs = {**markdown["extension_configs"], "markdown.extensions.toc": {"marker": marker}}
    markdown["extension_configs"] = configs
    markdown["extensions"] = list(configs)
    scanning, stock = Markdown(**with_marker_scanning_toc(markdown)), Markdown(**markdown)
    documents = TOC_DOCUMENTS + [text.replace("[TOC]", "Contents") for text in TOC_DOCUMENTS]
    replaced = 0
    for text in documents:
        scanning.reset()
        stock.reset()
        html = scanning.convert(text)
        assert html == stock.convert(text), text
        assert scanning.toc == stock.toc
        replaced += '<div class="toc">' in html
    # The marker written plainly and escaped; an empty marker turns the search off.
    assert replaced >= 2 if marker else replaced == 0
