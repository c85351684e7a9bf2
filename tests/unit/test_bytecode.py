"""The suite compiles the checkout's own modules once (tests/bytecode.py), and
nothing a test's site holds."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.bytecode import compile_checkout


def cached(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def test_the_checkouts_modules_are_compiled_and_nothing_else(tmp_path):
    sources = [
        tmp_path / "commons" / "__init__.py",
        tmp_path / "commons" / "deep" / "module.py",
        tmp_path / "plugins" / "a_plugin" / "__init__.py",
        tmp_path / "pelicanconf.py",
    ]
    elsewhere = tmp_path / "site" / "pelicanconf.py"
    for path in [*sources, elsewhere]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("VALUE = 1\n", encoding="utf-8")

    assert compile_checkout(tmp_path)

    assert [path for path in sources if not cached(path).is_file()] == []
    assert not cached(elsewhere).exists()


def test_a_module_that_does_not_compile_is_reported(tmp_path):
    (tmp_path / "commons").mkdir()
    (tmp_path / "plugins").mkdir()
    (tmp_path / "commons" / "broken.py").write_text("def (:\n", encoding="utf-8")
    assert not compile_checkout(tmp_path)
