"""The compiled-template folder's digest changes with everything compilation depends on."""

from __future__ import annotations

import os
import stat

import jinja2
import pytest
from jinja2 import pass_context

from commons.files import WriteRefused
from plugins.template_cache.template_cache import CompiledTemplates, compile_digest

SOURCE = "{% for x in items %}\n  <li>{{ x|shout }}</li>\n{% endfor %}\n"


def shout(value):
    return str(value).upper()


@pass_context
def shout_in_context(context, value):
    return str(value).upper()


def environment(**options) -> jinja2.Environment:
    env = jinja2.Environment(**options)
    env.filters["shout"] = shout
    return env


CHANGES = {
    "trim_blocks": {"trim_blocks": True},
    "lstrip_blocks": {"lstrip_blocks": True},
    "delimiters": {"variable_start_string": "[[", "variable_end_string": "]]"},
    "newline_sequence": {"newline_sequence": "\r\n"},
    "keep_trailing_newline": {"keep_trailing_newline": True},
    "autoescape": {"autoescape": True},
    "autoescape_function": {"autoescape": jinja2.select_autoescape(["html"])},
    "optimized": {"optimized": False},
    "extension": {"extensions": ["jinja2.ext.loopcontrols"]},
    "line_statements": {"line_statement_prefix": "#"},
    "finalize": {"finalize": str},
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_compile_option_has_its_own_folder(change):
    assert compile_digest(environment(**CHANGES[change])) != compile_digest(environment())


def test_the_same_options_share_a_folder():
    assert compile_digest(environment(trim_blocks=True)) == compile_digest(
        environment(trim_blocks=True)
    )
    # select_autoescape's choice is in its closure: two choices, two folders.
    assert compile_digest(environment(autoescape=jinja2.select_autoescape(["html"]))) != (
        compile_digest(environment(autoescape=jinja2.select_autoescape(["xml"])))
    )


def test_a_filter_that_takes_the_context_compiles_to_another_folder():
    other = environment()
    other.filters["shout"] = shout_in_context
    assert compile_digest(other) != compile_digest(environment())


def test_another_jinja_version_has_its_own_folder(monkeypatch):
    before = compile_digest(environment())
    monkeypatch.setattr(jinja2, "__version__", "0.0-other")
    assert compile_digest(environment()) != before


def render(env: jinja2.Environment) -> str:
    return env.get_template("list.html").render(items=["a", "b"])


def test_a_shared_folder_gives_what_a_cold_compile_gives(tmp_path):
    # The same template, name and source, compiled under two sets of options
    # into one cache root: each environment loads its own compiled code.
    loader = jinja2.DictLoader({"list.html": SOURCE})
    for options in ({}, {"trim_blocks": True, "lstrip_blocks": True}, {}):
        warm = environment(loader=loader, bytecode_cache=CompiledTemplates(tmp_path), **options)
        cold = environment(loader=loader, **options)
        assert render(warm) == render(cold)
    folders = list((tmp_path / "templates").iterdir())
    assert len(folders) == 2


def test_folders_and_files_are_private(tmp_path):
    loader = jinja2.DictLoader({"list.html": SOURCE})
    render(environment(loader=loader, bytecode_cache=CompiledTemplates(tmp_path)))
    written = [tmp_path / "templates", *(tmp_path / "templates").rglob("*")]
    assert len(written) == 3
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_a_linked_cache_folder_is_refused_and_nothing_written_through_it(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "cache"
    root.mkdir()
    os.symlink(elsewhere, root / "templates")
    loader = jinja2.DictLoader({"list.html": SOURCE})
    with pytest.raises(WriteRefused, match="symbolic link"):
        render(environment(loader=loader, bytecode_cache=CompiledTemplates(root)))
    assert list(elsewhere.iterdir()) == []
