"""The settings schema every setting Commons reads is declared with.

In the spirit of mkdocs' `config_options`: a plugin (or Commons itself, for
PUBLISH, LOCAL_SERVER, ...) describes its dict as a `Schema` of typed options
(`Boolean`, `String`, `Integer`, `Choice`, `Pattern`, `URL`, `ListOf`,
`DictOf`, `Nested`, `Optional`, or any `Option` with a custom check), each
with its default, the environment variable that overrides it (`env=`) and a
line for the reference (`help=`). A renamed key is a `Deprecated` option: a
warning while its value is still used, an error once it is `removed`.
Validation fills the defaults in, refuses unknown keys, and collects EVERY
problem before it raises one `SettingsError` that lists them all, one line
each, naming the key (its full path, such as DISCUSSION['isso']['url']), the
value, what is accepted and the fix. `commons.config.load` checks a site's
settings with these schemas before a task runs; `install` is the one place
that logs and raises when Pelican starts, and it reports the other plugins'
bad settings in the same breath.

    SCHEMA = Schema("CSS_MINIFY", {"enabled": Boolean(True)})

    def check_settings(pelican):
        install(pelican.settings, SCHEMA)
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType, ModuleType
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# The default of an option that has none: the setting must give it.
REQUIRED = object()
# The default of an option that is left out of the result when not given.
ABSENT = object()
# The Pelican setting that lists the settings commons.config has checked.
LOADED = "COMMONS_LOADED_SETTINGS"
# What an environment variable may say for a Boolean option.
ENV_TRUE = ("1", "true", "yes", "on")
ENV_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is, what it is, what is accepted and how to fix it."""

    where: str
    value: object
    accepted: str
    fix: str
    # Who accepts it: a sub-schema's label ('isso accepts ...'), else the key.
    label: str = ""
    # What is wrong when "is <value>" does not say it ("is missing", ...).
    problem: str = ""
    # Why the value is refused, when its type alone does not say ("it has
    # surrounding spaces"); options that hold others pass it on.
    reason: str = ""
    # A deprecated key still honoured: reported, but the value is usable.
    warning: bool = False

    def __str__(self) -> str:
        said = self.problem or f"is {self.value!r}"
        if not self.accepted:
            return f"{self.where} {said}. Fix: {self.fix}"
        accepts = f"{self.label} accepts" if self.label else "it must be"
        return f"{self.where} {said}; {accepts} {self.accepted}. Fix: {self.fix}"


class SettingsError(ValueError):
    """One or more Commons settings have values their plugins cannot use."""

    def __init__(self, problems: Iterable[Problem | str], source: object = None):
        self.problems = list(problems)
        # The settings file they come from, when known: it heads the message.
        self.source = source
        lines = [str(problem) for problem in self.problems]
        if source is not None:
            lines.insert(0, f"{source}: Commons cannot use these settings:")
        super().__init__("\n".join(lines))


def is_warning(problem: Problem | str) -> bool:
    return isinstance(problem, Problem) and problem.warning


# No environment: what validation sees unless its caller passes os.environ.
EMPTY: Mapping = MappingProxyType({})


class Invalid(Exception):
    """Raised by an option's `clean` or check: the value is not accepted.

    `problem` replaces "is <value>" when it says more (a forbidden tag, a
    missing template); `fix` replaces the option's own fix.
    """

    def __init__(self, problem: str = "", fix: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


# ------------------------------------------------------------------ options


class Option:
    """A typed option: what it accepts (a noun phrase), its default and its fix.

    `check(value)` is an extra rule after the type's own: it returns a problem
    sentence (or raises Invalid), or None when the value is fine.
    """

    accepted = "a value"

    def __init__(
        self,
        default=REQUIRED,
        *,
        accepted: str | None = None,
        fix: str | None = None,
        check: Callable | None = None,
        env: str | None = None,
        help: str = "",
    ):
        self.default = default
        if accepted is not None:
            self.accepted = accepted
        self.fix = fix
        self._check = check
        # The environment variable that, when set and not empty, replaces the
        # value the settings file gives (a CI secret, a test's own folder).
        self.env = env
        # One sentence for the settings reference (the end of docs/settings.md).
        self.help = help

    def clean(self, value, context: Mapping):
        """The value to use, or Invalid. Subclasses check their type here."""
        return value

    def from_env(self, text: str):
        """The value an environment variable's text stands for, before `clean`."""
        return text

    def fix_for(self, where: str) -> str:
        if self.fix:
            return self.fix
        if self.default is REQUIRED:
            return "correct the value"
        if self.default is ABSENT:
            return "correct the value, or remove the key"
        return f"correct the value, or remove the key to use the default {self.default!r}"

    def default_for(self, where: str, context: Mapping):
        """The value when the key is not given (REQUIRED: a problem; ABSENT: left out)."""
        return self.default

    def collect(self, value, where: str, context: Mapping, label: str, environ: Mapping = EMPTY):
        """(clean value, problems): the walk that nested options extend. `environ`
        holds the environment variables that options of nested schemas may read."""
        try:
            value = self.clean(value, context)
            if self._check is not None:
                problem = self._check(value)
                if problem:
                    raise Invalid(problem)
        except Invalid as invalid:
            reason = invalid.problem
            problem = f"is {value!r} ({reason})" if reason else ""
            fix = invalid.fix or self.fix_for(where)
            return value, [Problem(where, value, self.accepted, fix, label, problem, reason)]
        return value, []


class Boolean(Option):
    accepted = "True or False"

    def clean(self, value, context):
        if not isinstance(value, bool):
            raise Invalid
        return value

    def from_env(self, text):
        word = text.strip().lower()
        if word in ENV_FALSE:
            return False
        if word in ENV_TRUE:
            return True
        return text


class String(Option):
    """A string; by default non-empty (not only spaces) and on one line."""

    def __init__(self, default=REQUIRED, *, multiline: bool = False, **kwargs):
        kwargs.setdefault("accepted", "a non-empty string" + ("" if multiline else " on one line"))
        super().__init__(default, **kwargs)
        self.multiline = multiline

    def clean(self, value, context):
        if not isinstance(value, str) or not value.strip():
            raise Invalid
        if not self.multiline and "\n" in value:
            raise Invalid
        return value


class Integer(Option):
    """A whole number (not a bool) from `minimum` to `maximum` (each optional)."""

    def __init__(
        self,
        default=REQUIRED,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        **kwargs,
    ):
        if minimum is not None and maximum is not None:
            phrase = f"a whole number from {minimum} to {maximum}"
        elif minimum is not None:
            phrase = f"a whole number, {minimum} or more"
        elif maximum is not None:
            phrase = f"a whole number, {maximum} or less"
        else:
            phrase = "a whole number"
        kwargs.setdefault("accepted", phrase)
        super().__init__(default, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def from_env(self, text):
        try:
            return int(text.strip())
        except ValueError:
            return text

    def clean(self, value, context):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid
        if self.minimum is not None and value < self.minimum:
            raise Invalid
        if self.maximum is not None and value > self.maximum:
            raise Invalid
        return value


class Float(Option):
    """A number (int or float, not a bool), at least `minimum`; returned as a float."""

    def __init__(self, default=REQUIRED, *, minimum: float | None = None, **kwargs):
        phrase = "a number" if minimum is None else f"a number, {minimum} or more"
        kwargs.setdefault("accepted", phrase)
        super().__init__(default, **kwargs)
        self.minimum = minimum

    def clean(self, value, context):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid
        if self.minimum is not None and value < self.minimum:
            raise Invalid
        return float(value)


class Choice(Option):
    """One of a fixed set of values."""

    def __init__(self, values: Iterable, default=REQUIRED, **kwargs):
        self.values = tuple(values)
        kwargs.setdefault("accepted", "one of: " + ", ".join(str(v) for v in self.values))
        super().__init__(default, **kwargs)

    def clean(self, value, context):
        if value not in self.values:
            raise Invalid
        return value


class Pattern(Option):
    """A string the regular expression matches in full; `accepted` says what it is in words."""

    def __init__(self, regex: str, accepted: str, default=REQUIRED, **kwargs):
        super().__init__(default, accepted=accepted, **kwargs)
        self.regex = re.compile(regex)

    def clean(self, value, context):
        if not isinstance(value, str) or not self.regex.fullmatch(value):
            raise Invalid
        return value


class URL(Option):
    """An absolute http(s) URL without query or fragment, with exactly one trailing
    slash (`trailing_slash=True`) or none (`False`)."""

    def __init__(self, default=REQUIRED, *, trailing_slash: bool = True, **kwargs):
        kwargs.setdefault(
            "accepted",
            "an absolute http(s) URL without query or fragment, for example "
            + ("'https://comments.example.org/'" if trailing_slash else "'https://example.org'"),
        )
        super().__init__(default, **kwargs)
        self.trailing_slash = trailing_slash

    def clean(self, value, context):
        parts = urlsplit(value) if isinstance(value, str) else None
        if (
            parts is None
            or any(c.isspace() for c in value)
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise Invalid
        return value.rstrip("/") + ("/" if self.trailing_slash else "")


class ListOf(Option):
    """A list (tuple, set) whose every item `item` accepts; returned as a list."""

    def __init__(self, item: Option, default=REQUIRED, **kwargs):
        kwargs.setdefault("accepted", f"a list, each item {item.accepted}")
        super().__init__(default, **kwargs)
        self.item = item

    def clean(self, value, context):
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise Invalid
        cleaned = []
        for position, entry in enumerate(value):
            item, problems = self.item.collect(entry, f"[{position}]", context, "")
            if problems:
                why = problems[0].reason or f"not {self.item.accepted}"
                raise Invalid(f"item {position}, {entry!r}: {why}")
            cleaned.append(item)
        return cleaned


class DictOf(Option):
    """A dict whose keys `keys` accepts (any string when None) and values `values` accepts."""

    def __init__(self, values: Option, default=REQUIRED, *, keys: Option | None = None, **kwargs):
        key_phrase = keys.accepted if keys is not None else "a string"
        kwargs.setdefault("accepted", f"a dict mapping {key_phrase} to {values.accepted}")
        super().__init__(default, **kwargs)
        self.keys = keys or String(multiline=False)
        self.values = values

    def clean(self, value, context):
        if not isinstance(value, dict):
            raise Invalid
        cleaned = {}
        for key, entry in value.items():
            _, problems = self.keys.collect(key, "", context, "")
            if problems:
                why = problems[0].reason or f"not {self.keys.accepted}"
                raise Invalid(f"the key {key!r}: {why}")
            item, problems = self.values.collect(entry, "", context, "")
            if problems:
                why = problems[0].reason or f"not {self.values.accepted}"
                raise Invalid(f"{key!r} maps to {entry!r}: {why}")
            cleaned[key] = item
        return cleaned


class Optional(Option):
    """None, or what `inner` accepts. `none_means` says what None does ('turn it off')."""

    def __init__(self, inner: Option, default=None, *, none_means: str = "", **kwargs):
        meaning = f" ({none_means})" if none_means else ""
        kwargs.setdefault("accepted", f"{inner.accepted}, or None{meaning}")
        super().__init__(default, **kwargs)
        self.inner = inner

    def from_env(self, text):
        return self.inner.from_env(text)

    def clean(self, value, context):
        if value is None:
            return None
        value, problems = self.inner.collect(value, "", context, "")
        if problems:
            raise Invalid(problems[0].reason)
        return value


class Nested(Option):
    """A sub-dict with its own schema; its problems are reported at their full path."""

    def __init__(self, schema: Schema, default=None, **kwargs):
        # Not given: the sub-schema's defaults (REQUIRED options then must be given).
        kwargs.setdefault("accepted", schema.accepted_phrase())
        super().__init__({} if default is None else default, **kwargs)
        self.schema = schema

    def default_for(self, where, context):
        return self.default

    def collect(self, value, where, context, label, environ=EMPTY):
        return self.schema.collect(value, where, context, environ)


class Deprecated(Option):
    """A key that is going away: renamed to `moved_to` (a key of the same dict), or
    dropped. While `removed` is False, giving it is a warning (its value moves to
    `moved_to` unless that key is given too); once `removed` is True, an error.
    Both say the fix. Never in the result."""

    def __init__(self, moved_to: str | None = None, *, removed: bool = False, message: str = ""):
        super().__init__(ABSENT, accepted="")
        self.moved_to = moved_to
        self.removed = removed
        self.message = message

    def problem(self, where: str, new_where: str, value) -> Problem:
        """The problem of giving it at `where`; `new_where` is where `moved_to` is."""
        if self.moved_to:
            said = f"was renamed to {new_where}"
            fix = f"rename {where} to {new_where}, keeping its value"
        else:
            said = "is no longer used"
            fix = "remove the key"
        if self.message:
            said += f" ({self.message})"
        said += (
            "; it is no longer read"
            if self.removed
            else "; it will stop working in a later version"
        )
        return Problem(where, value, "", fix, problem=said, warning=not self.removed)


# ------------------------------------------------------------------ schema


@dataclass(frozen=True)
class Check:
    """A rule across keys, run once each of `keys` has a valid value.

    `rule(options, context)` returns None, a list of Problems (from a nested
    schema it ran), or (problem, accepted, fix) reported
    at the first of `keys` (at the setting itself when `keys` is empty). It may
    also set derived values in `options` (a default from another Pelican
    setting). `accepted` may be "" when the problem sentence says it all.
    """

    keys: tuple[str, ...]
    rule: Callable


class Schema:
    """The keys of one dict setting (`name`, or a sub-dict reached at a path).

    `label` names who accepts the keys in messages ('isso accepts one of: ...');
    without it a message reads '... it must be ...'.
    """

    def __init__(
        self,
        name: str,
        options: dict[str, Option],
        *,
        label: str = "",
        checks: Iterable[Check] = (),
        other_keys: bool = False,
    ):
        self.name = name
        self.options = options
        self.label = label
        self.checks = tuple(checks)
        # Keys it does not know pass through unchanged (Pelican's own settings,
        # around the ones Commons reads), rather than being refused.
        self.other_keys = other_keys

    def path(self, where: str, key: str) -> str:
        """Where `key` is, for messages: "PUBLISH['method']", or "PUBLISH" at the top."""
        return f"{where}['{key}']" if where else key

    def current_keys(self) -> list[str]:
        """The keys to write: every option but the deprecated ones."""
        return [key for key, option in self.options.items() if not isinstance(option, Deprecated)]

    def accepted_phrase(self) -> str:
        return "a dict with the keys " + ", ".join(self.current_keys())

    def defaults(self) -> dict:
        """The keys that have a fixed default, with it."""
        return {
            key: option.default
            for key, option in self.options.items()
            if option.default is not REQUIRED and option.default is not ABSENT
        }

    def validate(
        self,
        raw,
        context: Mapping | None = None,
        environ: Mapping = EMPTY,
        warnings: list | None = None,
    ) -> dict:
        """`raw` (None when the setting is unset) with defaults filled in, or SettingsError
        listing every problem. `context` is Pelican's settings, for rules that need them;
        `environ` the environment variables options declare (none unless given).
        Deprecated keys given are appended to `warnings` when it is a list."""
        options, problems = self.collect(raw, self.name, context or {}, environ)
        errors = [problem for problem in problems if not is_warning(problem)]
        if errors:
            raise SettingsError(errors)
        if warnings is not None:
            warnings.extend(problem for problem in problems if is_warning(problem))
        return options

    def collect(
        self, raw, where: str, context: Mapping, environ: Mapping = EMPTY
    ) -> tuple[dict, list[Problem]]:
        if raw is None:
            raw = {}
        keys = ", ".join(self.current_keys())
        if not isinstance(raw, dict):
            return {}, [
                Problem(
                    where,
                    raw,
                    "",
                    f"write {where} as a dict, such as {{{self._example()}}}",
                    problem=f"must be a dict with the keys {keys}, got {raw!r}",
                    label=self.label,
                )
            ]
        problems: list[Problem] = []
        unknown = sorted((key for key in raw if key not in self.options), key=str)
        if unknown and not self.other_keys:
            accepts = f"{self.label} accepts the keys" if self.label else "accepted keys are"
            problems.append(
                f"{where}: unknown key(s) {unknown}; {accepts} {keys}. "
                "Fix: correct the spelling or remove the key"
            )
        options: dict = {key: raw[key] for key in unknown} if self.other_keys else {}
        bad: set[str] = set()
        raw = self._renamed(raw, where, problems)
        for key, option in self.options.items():
            path = self.path(where, key)
            if isinstance(option, Deprecated):
                continue
            text = environ.get(option.env, "") if option.env else ""
            if text:
                value, found = option.collect(
                    option.from_env(text), f"{path} (from ${option.env})", context, self.label
                )
                fix = f"set ${option.env} to {option.accepted}, or unset it"
                found = [
                    replace(problem, fix=fix) if isinstance(problem, Problem) else problem
                    for problem in found
                ]
            elif key in raw:
                value, found = option.collect(raw[key], path, context, self.label, environ)
            else:
                try:
                    value = option.default_for(path, context)
                except Invalid as invalid:
                    fix = invalid.fix or option.fix_for(path)
                    problems.append(
                        Problem(path, None, option.accepted, fix, self.label, invalid.problem)
                    )
                    bad.add(key)
                    continue
                if value is ABSENT:
                    continue
                if value is REQUIRED:
                    who = self.label or "Commons"
                    problems.append(
                        Problem(
                            path,
                            None,
                            option.accepted,
                            option.fix or f"add {path}",
                            self.label,
                            f"is missing; {who} needs it",
                        )
                    )
                    bad.add(key)
                    continue
                value, found = option.collect(value, path, context, self.label, environ)
            if found:
                bad.add(key)
                problems.extend(found)
            options[key] = value
        for check in self.checks:
            if bad & set(check.keys):
                continue
            first = check.keys[0] if check.keys else None
            path = self.path(where, first) if first else where
            found = check.rule(options, context)
            if isinstance(found, list):
                problems.extend(found)
            elif found:
                problem, accepted, fix = found
                value = options.get(first) if first else raw
                problems.append(Problem(path, value, accepted, fix, self.label, problem))
        return options, problems

    def _renamed(self, raw: dict, where: str, problems: list) -> dict:
        """`raw` with each deprecated key's value under its new name, its problem noted."""
        moved = dict(raw)
        for key, option in self.options.items():
            if not isinstance(option, Deprecated) or key not in raw:
                continue
            new_where = self.path(where, option.moved_to or key)
            problems.append(option.problem(self.path(where, key), new_where, raw[key]))
            value = moved.pop(key)
            if option.moved_to and not option.removed:
                moved.setdefault(option.moved_to, value)
        return moved

    def _example(self) -> str:
        for key, option in self.options.items():
            if option.default not in (REQUIRED, ABSENT):
                return f"{key!r}: {option.default!r}"
        return f"{next(iter(self.options))!r}: ..." if self.options else ""


# ------------------------------------------------------------------ install


def install(settings: dict, schema: Schema) -> dict:
    """Validate `settings[schema.name]` against `schema`, store the result and return it.

    Settings that `commons.config.load` already validated (it names them in
    LOADED) are returned as they are: one validation per run. Environment
    variables the options declare apply; a deprecated key given is said at
    INFO level (the tasks' loader says it as a warning before Pelican starts,
    and a warning would stop a build run with `--fatal warnings`).

    The one place a settings failure is logged and raised. When this setting
    is bad, the other plugins' settings are checked too (each plugin package
    exports its `SCHEMA`), so one build reports every bad setting, not only
    those of the first plugin Pelican starts. Every problem goes into one log
    record, one per line, so the editor reads the sentences rather than the end
    of Pelican's traceback, and so all of them are shown even when Pelican runs
    with `--fatal errors` (which raises on the first record).
    """
    if schema.name in settings.get(LOADED, ()):
        return settings[schema.name]
    warnings: list[Problem] = []
    try:
        options = schema.validate(settings.get(schema.name), settings, os.environ, warnings)
    except SettingsError as error:
        error = SettingsError([*error.problems, *_other_plugins_problems(settings, schema)])
        logger.error("%s", error)
        raise error from None
    for warning in warnings:
        logger.info("%s", warning)
    settings[schema.name] = options
    return options


def _other_plugins_problems(settings: dict, schema: Schema) -> list[Problem | str]:
    """The problems of every other loaded plugin's setting (its package's SCHEMA)."""
    problems: list[Problem | str] = []
    for plugin in settings.get("PLUGINS") or ():
        # Pelican has imported each plugin by the time its receivers run.
        module = plugin if isinstance(plugin, ModuleType) else sys.modules.get(str(plugin))
        other = getattr(module, "SCHEMA", None)
        if not isinstance(other, Schema) or other.name == schema.name:
            continue
        try:
            other.validate(settings.get(other.name), settings, os.environ)
        except SettingsError as error:
            problems.extend(error.problems)
    return problems
