"""Values worked out from a post's text are kept beside the content cache, by the text's digest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commons.derived_values import MAX_AGE, DerivedValues
from commons.files import WriteRefused
from plugins.guard import written_links
from plugins.guard.links import link_problems

BODY = '<p><a href="/2019/05/other/">other</a> <img src="/images/a.png" alt=""></p>'


def settings_for(cache: Path, load: bool = True, keep: bool = True) -> dict:
    return {"CACHE_PATH": str(cache), "LOAD_CONTENT_CACHE": load, "CACHE_CONTENT": keep}


def code_file(root: Path, text: str = "def make(): pass\n") -> Path:
    path = root / "maker.py"
    path.write_text(text, encoding="utf-8")
    return path


class Maker:
    """`make` for one text, counting its calls."""

    def __init__(self, value):
        self.value = value
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_a_value_is_made_once_and_the_next_build_takes_it_for_the_same_text(tmp_path):
    code = code_file(tmp_path)
    first = DerivedValues(settings_for(tmp_path / "cache"), "test", [code])
    make = Maker(["made"])
    assert first.get("kind", "text", make) == ["made"]
    assert first.get("kind", "text", make) == ["made"]
    assert make.calls == 1, "asked twice in one build: made once"
    first.save()

    second = DerivedValues(settings_for(tmp_path / "cache"), "test", [code])
    again = Maker(["made again"])
    assert second.get("kind", "text", again) == ["made"]
    assert again.calls == 0
    edited = Maker(["edited"])
    assert second.get("kind", "text, edited", edited) == ["edited"]
    assert edited.calls == 1, "another text is never given the last text's value"
    other_kind = Maker(["other kind"])
    assert second.get("other", "text", other_kind) == ["other kind"]


def test_values_made_by_other_code_or_another_library_are_not_read(tmp_path):
    code = code_file(tmp_path)
    first = DerivedValues(settings_for(tmp_path / "cache"), "test", [code], packages=("lxml",))
    first.get("kind", "text", Maker("old"))
    first.save()
    code_file(tmp_path, "def make(): return 1\n")
    changed = DerivedValues(settings_for(tmp_path / "cache"), "test", [code], packages=("lxml",))
    assert changed.get("kind", "text", Maker("new")) == "new"
    other_library = DerivedValues(
        settings_for(tmp_path / "cache"), "test", [code], packages=("lxml", "nh3")
    )
    assert other_library.get("kind", "text", Maker("newer")) == "newer"


def test_without_the_content_cache_nothing_is_read_or_written(tmp_path):
    code = code_file(tmp_path)
    kept = DerivedValues(settings_for(tmp_path / "cache"), "test", [code])
    kept.get("kind", "text", Maker("kept"))
    kept.save()
    not_loaded = DerivedValues(settings_for(tmp_path / "cache", load=False), "test", [code])
    assert not_loaded.get("kind", "text", Maker("fresh")) == "fresh"
    not_kept = DerivedValues(settings_for(tmp_path / "other", keep=False), "test", [code])
    not_kept.get("kind", "text", Maker("fresh"))
    not_kept.save()
    assert not (tmp_path / "other").exists()


def test_unused_values_are_dropped_after_max_age_builds(tmp_path):
    code = code_file(tmp_path)
    cache = tmp_path / "cache"
    first = DerivedValues(settings_for(cache), "test", [code])
    first.get("kind", "old post", Maker("old"))
    first.save()
    for _ in range(MAX_AGE):
        later = DerivedValues(settings_for(cache), "test", [code])
        later.get("kind", "another post", Maker("another"))
        later.save()
        assert later.path.is_file()
    data = json.loads(later.path.read_text(encoding="utf-8"))["values"]
    assert len(data) == 2, "unused for MAX_AGE builds: still kept"
    last = DerivedValues(settings_for(cache), "test", [code])
    last.get("kind", "another post", Maker("another"))
    last.save()
    data = json.loads(last.path.read_text(encoding="utf-8"))["values"]
    assert [entry[1] for entry in data.values()] == ["another"]


def test_an_unreadable_or_foreign_file_is_ignored(tmp_path):
    code = code_file(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    for text in ["not json", json.dumps([1, 2]), json.dumps({"format": 99, "values": {}})]:
        (cache / "derived-test.json").write_text(text, encoding="utf-8")
        values = DerivedValues(settings_for(cache), "test", [code])
        assert values.get("kind", "text", Maker("made")) == "made"


class Post:
    def __init__(self, source: Path, body: str):
        self.source_path = str(source)
        self._content = body
        self.settings = {"STATIC_PATHS": ["images"]}


def test_the_guard_parses_a_body_once_for_its_links_and_its_images(tmp_path, monkeypatch):
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    (content / "images/a.png").write_bytes(b"png")
    post = Post(content / "post.md", BODY)
    parsed = []
    parse = written_links.body_facts
    monkeypatch.setattr(
        written_links, "body_facts", lambda body: parsed.append(body) or parse(body)
    )
    settings = {"GUARD": {"links": {"check_references": True}}}
    values = written_links.body_values(settings_for(tmp_path / "cache") | settings)
    problems = link_problems([post], settings, content, values)
    assert [problem.problem for problem in problems] == [
        'the image /images/a.png has no alt text, so a screen reader says only "image"'
    ]
    assert parsed == [BODY], "the references and the images without alt: one parse"
    values.save()

    parsed.clear()
    next_build = written_links.body_values(settings_for(tmp_path / "cache") | settings)
    assert link_problems([post], settings, content, next_build) == problems
    assert written_links.references(BODY, next_build) == [
        ("href", "/2019/05/other/"),
        ("src", "/images/a.png"),
    ]
    assert parsed == [], "the same body in the next build: read from the cache"
    post._content = BODY.replace('alt=""', 'alt="A"')
    assert link_problems([post], settings, content, next_build) == []
    assert parsed == [post._content]


def test_a_link_planted_as_the_values_file_is_refused_and_nothing_written_through_it(tmp_path):
    # The values are written as every Commons tool writes a file (commons.files.Folder):
    # beside the target, then linked into place, never through a link.
    cache = tmp_path / "cache"
    cache.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text("kept", encoding="utf-8")
    values = DerivedValues(settings_for(cache), "test", [code_file(tmp_path)])
    (cache / "derived-test.json").symlink_to(outside)
    values.get("kind", "text", Maker("made"))
    with pytest.raises(WriteRefused, match=r"derived-test\.json is a symbolic link"):
        values.save()
    assert outside.read_text(encoding="utf-8") == "kept"
    assert (cache / "derived-test.json").is_symlink()
    assert [path.name for path in cache.iterdir()] == ["derived-test.json"], "no temporary left"
