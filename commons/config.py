"""The one loader of a site's settings: read once, every Commons setting checked at once.

`load(settings_file)` reads the settings file as Pelican does (its
`read_settings`, with the same overrides a build gives), then checks, in one
pass, every setting Commons reads: its own (`PUBLISH`, `LOCAL_SERVER`,
`OUTPUT_RETENTION`, `COMMENTS_SERVER`) and each plugin's in `PLUGINS` (the
`SCHEMA` its package exports). Each option applies the environment variable it
declares, a deprecated key moves to its new name with a warning, and every
problem, of every setting, is raised at once in one `SettingsError` naming the
file. The result holds typed values with their defaults filled in, and lists
what it checked under `LOADED`, so a plugin's `install` in a Pelican started
with these settings does not check them again.

Tasks, `check`, the preview, the comment publisher and the benchmarks read
their settings here. A Pelican run by `commons.build` reads the file itself;
`plugins.settings_check` then checks it here when Pelican starts, before the
other plugins (without it, each plugin checks its own setting with the same
schema).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .settings import (
    LOADED,
    ListOf,
    Nested,
    Option,
    Problem,
    Schema,
    SettingsError,
    String,
    is_warning,
)


@dataclass(frozen=True)
class Loaded:
    """A site's settings, checked: Pelican's, with every Commons setting typed."""

    settings: dict
    # Deprecated keys still honoured, each with its new name and fix.
    warnings: tuple[Problem, ...] = ()


# Files in the output that Commons does not generate but never deletes.
OUTPUT_RETENTION = ListOf(
    String(),
    [],
    help="top-level files and folders of the output a build, `clean` and publish keep "
    "(a CNAME, .well-known)",
)


def commons_options() -> dict[str, Option]:
    """The settings Commons' own machinery reads (not a plugin's), by name."""
    from .comments.options import SCHEMA as COMMENTS_SERVER
    from .publish_options import SCHEMA as PUBLISH
    from .servers import LOCAL_SERVER_SCHEMA

    return {
        "OUTPUT_RETENTION": OUTPUT_RETENTION,
        "PUBLISH": Nested(PUBLISH),
        "LOCAL_SERVER": Nested(LOCAL_SERVER_SCHEMA),
        "COMMENTS_SERVER": Nested(COMMENTS_SERVER),
    }


def plugin_schemas(plugins: Iterable) -> list[Schema]:
    """The SCHEMA of each plugin in `plugins` (a module or its dotted name) that has one.

    A name that cannot be imported is left to Pelican, which says so when it
    loads its plugins.
    """
    schemas = []
    for plugin in plugins:
        if isinstance(plugin, ModuleType):
            module = plugin
        else:
            try:
                module = importlib.import_module(str(plugin))
            except ImportError:
                continue
        schema = getattr(module, "SCHEMA", None)
        if isinstance(schema, Schema):
            schemas.append(schema)
    return schemas


def site_schema(plugins: Iterable = (), only: Iterable[str] | None = None) -> Schema:
    """Every setting Commons reads, as one schema over Pelican's settings."""
    options = commons_options()
    for schema in plugin_schemas(plugins):
        options[schema.name] = Nested(schema)
    if only is not None:
        wanted = set(only)
        options = {name: option for name, option in options.items() if name in wanted}
    return Schema("", options, other_keys=True)


def validate(
    settings: Mapping, environ: Mapping | None = None, only: Iterable[str] | None = None
) -> Loaded:
    """`settings` (Pelican's) with every Commons setting checked and typed, or
    SettingsError listing every problem. `environ` defaults to this process's
    environment; `only` limits the check to those settings."""
    environ = os.environ if environ is None else environ
    schema = site_schema(settings.get("PLUGINS") or (), only)
    checked, problems = schema.collect(dict(settings), "", settings, environ)
    errors = [problem for problem in problems if not is_warning(problem)]
    if errors:
        raise SettingsError(errors)
    checked[LOADED] = tuple(sorted({*settings.get(LOADED, ()), *schema.options}))
    return Loaded(checked, tuple(problem for problem in problems if is_warning(problem)))


def load(
    settings_file: Path,
    overrides: dict | None = None,
    environ: Mapping | None = None,
    only: Iterable[str] | None = None,
) -> Loaded:
    """The settings `settings_file` gives (with Pelican's `overrides`), checked.

    SettingsError names the file and lists every problem, each with its key,
    value, what is accepted and the fix.
    """
    from pelican.settings import read_settings

    try:
        settings = read_settings(str(settings_file), override=overrides)
    except Exception as error:  # noqa: BLE001 -- the site's own Python: whatever it raises is said with its file
        raise SettingsError(
            [
                f"it does not run: {type(error).__name__}: {error}. Fix: correct it; "
                f"`pelican -s {Path(settings_file).name}` shows where it stops"
            ],
            source=settings_file,
        ) from None
    try:
        return validate(settings, environ, only)
    except SettingsError as error:
        raise SettingsError(error.problems, source=settings_file) from None
