"""One exception base: every exception Commons defines derives from CommonsError,
through InputError (also a ValueError) or OperationError (also a RuntimeError),
so a tool catches Commons' refusals in one clause and nothing else."""

from __future__ import annotations

import importlib
import inspect

import pytest

from commons import REPO_ROOT
from commons.errors import CommonsError, InputError, OperationError

# Exceptions that never leave the module that raises them: control flow, not errors.
INTERNAL = {
    "commons.comments.form.Refused",  # becomes the HTTP answer to a refused form
    "commons.settings.Invalid",  # becomes one of SettingsError's problems
}


def modules() -> list[str]:
    names = []
    for package in ("commons", "plugins"):
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def defined_exceptions() -> list[type]:
    found = []
    for name in modules():
        module = importlib.import_module(name)
        for _attribute, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, BaseException)
                and value.__module__ == name
                and not value.__name__.startswith("_")
                and f"{name}.{value.__name__}" not in INTERNAL
            ):
                found.append(value)
    return found


def test_every_exception_commons_defines_derives_from_commons_error():
    exceptions = defined_exceptions()
    assert len(exceptions) >= 20
    outside = [f"{error.__module__}.{error.__name__}" for error in exceptions]
    outside = [
        name
        for name, error in zip(outside, exceptions, strict=True)
        if not issubclass(error, CommonsError)
    ]
    assert outside == []


@pytest.mark.parametrize(
    ("error", "also"), [(InputError, ValueError), (OperationError, RuntimeError)]
)
def test_each_branch_is_still_the_builtin_error_callers_catch(error, also):
    assert issubclass(error, CommonsError) and issubclass(error, also)
