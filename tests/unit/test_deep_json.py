"""JSON of any depth is read as the json module reads shallow JSON."""

from __future__ import annotations

import json
import random

import pytest

from commons import deep_json
from commons.comments.snapshot import read_thread, thread_file


def random_value(chooser: random.Random, depth: int = 0):
    pick = chooser.random()
    if depth > 5 or pick < 0.4:
        return chooser.choice([0, -2.5, 1e30, 'q"\\\u00e9\n\x01', True, False, None, ""])
    if pick < 0.7:
        return [random_value(chooser, depth + 1) for _ in range(chooser.randint(0, 4))]
    return {str(chooser.randint(0, 9)): random_value(chooser, depth + 1) for _ in range(4)}


def test_reads_what_the_json_module_reads():
    chooser = random.Random(23)
    for _ in range(1000):
        text = json.dumps(random_value(chooser), indent=chooser.choice([None, 1]))
        assert deep_json._loads_flat(text) == json.loads(text), text


@pytest.mark.parametrize(
    "text", ["", "[", "[1,]", '{"a":1,}', "{1:2}", "[1 2]", '{"a" 1}', "[]x", "[1]]", "tru", "[01]"]
)
def test_refuses_what_the_json_module_refuses(text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        deep_json._loads_flat(text)


def test_reads_nesting_the_json_module_cannot():
    depth = 50_000
    text = '{"a": ' * depth + "[1]" + "}" * depth
    with pytest.raises(RecursionError):
        json.loads(text)
    value = deep_json.loads(text)
    for _ in range(depth):
        value = value["a"]
    assert value == [1]


def test_a_deeply_nested_cache_file_is_read_not_fatal(tmp_path):
    path = thread_file(tmp_path, "t")
    path.parent.mkdir(parents=True, exist_ok=True)
    nested = '{"x": ' * 5000 + "1" + "}" * 5000
    path.write_text(f'{{"thread": "t", "comments": [], "extra": {nested}}}', encoding="utf-8")
    assert read_thread(tmp_path, "t")["comments"] == []
