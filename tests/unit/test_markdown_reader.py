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
