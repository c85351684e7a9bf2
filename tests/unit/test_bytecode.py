"""The suite compiles the checkout's own modules once (tests/bytecode.py), and
nothing a test's site holds."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from tests.bytecode import compile_checkout
from tests.conftest import checkout_copy


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


def test_a_checkout_copy_loads_the_compiled_modules_and_compiles_a_rewritten_one(tmp_path):
    compile_checkout()
    copy = checkout_copy(tmp_path / "checkout")
    # A settings file rewritten in the copy: its bytecode no longer matches.
    settings = copy / "publishconf.py"
    settings.write_text(settings.read_text(encoding="utf-8") + "\nEXTRA = 1\n", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-v", "-c", "import pelicanconf, publishconf, commons.build, tasks"],
        cwd=copy,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    loaded = {
        Path(line.rsplit(" matches ", 1)[1]).relative_to(copy).as_posix()
        for line in completed.stderr.splitlines()
        if line.startswith(f"# {copy}") and " matches " in line
    }
    assert {"pelicanconf.py", "tasks.py", "commons/build.py", "commons/__init__.py"} <= loaded
    assert "publishconf.py" not in loaded
