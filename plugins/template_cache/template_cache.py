"""The receivers and the bytecode cache that keep compiled templates between builds."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache
from pelican import signals

from commons.files import Folder
from commons.settings import Boolean, Optional, Schema, String, install

SETTING = "TEMPLATE_CACHE"
# Set by the test suite so that every build of a run shares one folder.
PATH_VARIABLE = "COMMONS_TEMPLATE_CACHE"
# The folder under CACHE_PATH (or under `path`) that holds one folder per digest.
FOLDER = "templates"
# Compiled code can run anything: only the user who builds may read or write it.
DIR_MODE = 0o700
FILE_MODE = 0o600
SCALARS = (str, int, float, bool, type(None))

SCHEMA = Schema(
    SETTING,
    {
        "enabled": Boolean(
            True, help="keep compiled templates between builds; `False` compiles them every build"
        ),
        "path": Optional(
            String(),
            none_means="a folder in CACHE_PATH",
            accepted="None or a folder path",
            env=PATH_VARIABLE,
            help=(
                "the folder compiled templates are kept in; whoever can write it can run code "
                "in the build"
            ),
        ),
    },
)


def _callable_name(value) -> str:
    """What a filter, test or autoescape function is, the same in every process."""
    kind = value if isinstance(value, type) else type(value)
    function = getattr(value, "__func__", value)
    name = getattr(function, "__qualname__", None) or kind.__qualname__
    module = getattr(function, "__module__", None) or kind.__module__
    return f"{module}.{name}:{getattr(value, 'jinja_pass_arg', None)}"


def _closure_values(function) -> list[str]:
    # select_autoescape's choice lives in its closure: the extensions it lists.
    cells = getattr(function, "__closure__", None) or ()
    return [repr(cell.cell_contents) for cell in cells]


def compile_digest(environment: jinja2.Environment) -> str:
    """The digest of everything a template's compiled code depends on, read off `environment`.

    Every scalar attribute of the environment (delimiters, trim_blocks,
    lstrip_blocks, newline_sequence, keep_trailing_newline, optimized, is_async,
    autoescape, and those an extension adds, such as i18n's newstyle_gettext),
    its policies, its extensions, its filters' and tests' names and how each is
    called (the compiler passes context or environment by them), autoescape
    when it is a function, and Jinja's and Python's versions.
    """
    scalars = {
        name: value for name, value in vars(environment).items() if isinstance(value, SCALARS)
    }
    autoescape = environment.autoescape
    described = {
        "jinja": jinja2.__version__,
        "python": sys.version,
        "cache_tag": sys.implementation.cache_tag,
        "options": scalars,
        "autoescape": (
            [_callable_name(autoescape), *_closure_values(autoescape)]
            if callable(autoescape)
            else autoescape
        ),
        "finalize": _callable_name(environment.finalize) if environment.finalize else None,
        "undefined": _callable_name(environment.undefined),
        "policies": {name: repr(value) for name, value in environment.policies.items()},
        "extensions": sorted(
            [name, extension.priority, _callable_name(type(extension))]
            for name, extension in environment.extensions.items()
        ),
        "filters": sorted([n, _callable_name(f)] for n, f in environment.filters.items()),
        "tests": sorted([n, _callable_name(f)] for n, f in environment.tests.items()),
    }
    text = json.dumps(described, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache in `root`/templates/<digest of the environment>/.

    The folder is chosen when the first template loads, from the environment
    that loads it, so options a plugin sets after the cache is given still
    count; one cache per environment, and an environment is not changed once
    templates load from it (Jinja's own rule: its template cache would keep
    templates compiled with the old options).
    Files are read and written through commons.files.Folder: never through a
    symbolic link planted on the way (a WriteRefused names it and the fix),
    written whole beside the target and renamed, folders 0700, files 0600.
    """

    def __init__(self, root: Path):
        self.folder = Folder(root, force=True, file_mode=FILE_MODE, dir_mode=DIR_MODE)
        self.digest: str | None = None

    def _relative(self, bucket: Bucket) -> str:
        if self.digest is None:
            self.digest = compile_digest(bucket.environment)
        return f"{FOLDER}/{self.digest}/{bucket.key}.cache"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = self.folder.read_bytes(self._relative(bucket))
        except (FileNotFoundError, NotADirectoryError):
            return
        # A file of another Jinja or a damaged one leaves the bucket empty:
        # Jinja then compiles the template and writes it again.
        bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.folder.write_bytes(self._relative(bucket), bucket.bytecode_to_string())


def cache_root(settings: dict) -> Path | None:
    """The folder compiled templates go under, or None when the cache is off."""
    options = install(settings, SCHEMA)
    if not options["enabled"]:
        return None
    return Path(options["path"] or settings["CACHE_PATH"])


def give_cache(generator) -> None:
    """Give the generator's template environment the compiled-template cache.

    Pelican sends generator_init once the environment is made and before any
    template is loaded (its templates are loaded when pages are written).
    """
    environment = getattr(generator, "env", None)
    root = cache_root(generator.settings)
    if environment is not None and root is not None:
        environment.bytecode_cache = CompiledTemplates(root)


def register():
    signals.generator_init.connect(give_cache)
