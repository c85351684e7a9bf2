"""The settings reference in docs/settings.md, written from the schemas.

Everything below `MARKER` in that page is this module's output: one table per
setting Commons reads (its own and each plugin's, with each sub-dict's),
giving every key with what it accepts, its default, the environment variable
that overrides it and its help. `invoke settings-reference` writes it; a
test fails when the committed page and the schemas differ.
"""

from __future__ import annotations

from pathlib import Path

from .settings import ABSENT, REQUIRED, Deprecated, Nested, Option, Schema

MARKER = "<!-- Generated from the schemas by `invoke settings-reference`: edit them, not this. -->"
HEADING = "## Reference: every key"
INTRO = (
    "Every key Commons reads, with what it accepts and its default. A key with an "
    "environment variable takes that variable's value when it is set and not empty "
    "(for a `True or False` key: `1`, `true`, `yes`, `on`, or `0`, `false`, `no`, "
    "`off`). A renamed key still works for a while with a warning that names the new "
    "key; then it is refused."
)


def cell(text: str) -> str:
    """`text` as one Markdown table cell: one line, its pipes escaped."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def code(value) -> str:
    """`value` as a code span, whatever backticks it holds."""
    text = repr(value)
    fence = "``" if "`" in text else "`"
    return cell(f"{fence} {text} {fence}" if fence == "``" else f"`{text}`")


def default_text(option: Option) -> str:
    if isinstance(option, Nested):
        return "see below"
    if option.default is REQUIRED:
        return "required"
    if option.default is ABSENT:
        return "not set"
    return code(option.default)


def tables(schema: Schema, where: str) -> list[str]:
    """The table of `schema` at `where` (such as DISCUSSION['snapshot']), then its sub-dicts'."""
    lines = [
        f"### `{where}`",
        "",
        "| key | accepts | default | environment | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    nested = []
    for key, option in schema.options.items():
        if isinstance(option, Deprecated):
            renamed = f"renamed to `{option.moved_to}`" if option.moved_to else "dropped"
            state = "refused" if option.removed else "warns"
            lines.append(f"| `{cell(key)}` | {renamed} ({state}) |  |  |  |")
            continue
        env = f"`{option.env}`" if option.env else ""
        lines.append(
            f"| `{cell(key)}` | {cell(option.accepted)} | {default_text(option)} | {env} "
            f"| {cell(option.help)} |"
        )
        if isinstance(option, Nested):
            nested.append((schema.path(where, key), option.schema))
    lines.append("")
    for path, sub in nested:
        lines += tables(sub, path)
    return lines


def reference(site: Schema) -> str:
    """The generated part of docs/settings.md for `site` (commons.config.site_schema)."""
    lines = [MARKER, "", HEADING, "", INTRO, ""]
    for name, option in sorted(site.options.items()):
        if isinstance(option, Nested):
            lines += tables(option.schema, name)
        else:
            lines += [
                f"### `{name}`",
                "",
                "| accepts | default | environment | meaning |",
                "| --- | --- | --- | --- |",
                f"| {cell(option.accepted)} | {default_text(option)} | "
                f"{f'`{option.env}`' if option.env else ''} | {cell(option.help)} |",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def page_with_reference(page: str, site: Schema) -> str:
    """`page` (docs/settings.md's text) with its generated part replaced by the current one."""
    written, _marker, _generated = page.partition(MARKER)
    return written.rstrip("\n") + "\n\n" + reference(site)


def write_reference(page: Path, site: Schema) -> bool:
    """Write the reference into `page`; True when it changed."""
    before = page.read_text(encoding="utf-8")
    after = page_with_reference(before, site)
    if after == before:
        return False
    page.write_text(after, encoding="utf-8")
    return True
