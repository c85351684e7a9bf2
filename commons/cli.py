"""The `commons` command: a new site, and every site task, on the site in the current folder.

`commons new PATH` writes a site (commons/new_site.py). Every other command is
the task of the same name in commons/tasks.py, the one tasks.py and a site's
`invoke` run too: its options are read from the task, never written twice.
The site is the folder holding pelicanconf.py, the current one or the nearest
above it, or `--site PATH`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from commons import SITE_ROOT_VARIABLE, SITE_SETTINGS_NAME, find_site
from commons.layout import commons_version


def site_tasks():
    """Commons' site tasks by their command name (Invoke's: dashes for underscores)."""
    from invoke import Collection

    from commons import tasks

    collection = Collection.from_module(tasks)
    return {name: collection[name] for name in sorted(collection.task_names)}


def add_task_parser(subparsers, name: str, task) -> None:
    summary = (task.__doc__ or "").strip().splitlines()[0] if task.__doc__ else ""
    parser = subparsers.add_parser(name, help=summary, description=task.__doc__)
    for argument in task.get_arguments():
        # Invoke shows a parameter `dry_run` as `--dry-run`.
        flag = argument.names[0]
        dest = flag.replace("-", "_")
        if argument.kind is bool:
            parser.add_argument(f"--{flag}", dest=dest, action="store_true", help=argument.help)
        elif argument.positional:
            parser.add_argument(dest, metavar=flag.upper(), help=argument.help)
        else:
            parser.add_argument(
                f"--{flag}",
                dest=dest,
                type=argument.kind,
                default=argument.default,
                help=argument.help,
            )


def parser_for(tasks: dict) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commons",
        description="Commons: a community blog and discussion site built on Pelican.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {commons_version()}")
    parser.add_argument(
        "--site",
        type=Path,
        help="the site's folder, holding pelicanconf.py (default: the current folder "
        "or the nearest one above it)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    new = subparsers.add_parser("new", help="Write a new site into PATH, ready to build.")
    from commons.new_site import add_arguments

    add_arguments(new)
    for name, task in tasks.items():
        add_task_parser(subparsers, name, task)
    return parser


def run_task(task, options: dict) -> int:
    from invoke import Context, Exit

    try:
        for first in task.pre:
            first(Context())
        task(Context(), **options)
    except Exit as stop:
        if stop.message:
            print(stop.message, file=sys.stderr)
        return stop.code
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The site is named before the tasks' module is imported: its defaults
    # (content/, output/, the settings files) are that site's.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--site", type=Path)
    known, _rest = early.parse_known_args(argv)
    site = find_site(known.site or Path.cwd())
    if site is not None:
        os.environ[SITE_ROOT_VARIABLE] = str(site)
    tasks = site_tasks()
    arguments = parser_for(tasks).parse_args(argv)
    if arguments.command == "new":
        from commons.new_site import run

        return run(arguments)
    if site is None:
        where = known.site or Path.cwd()
        print(
            f"{where} is not in a Commons site: no {SITE_SETTINGS_NAME} there or above. "
            "Fix: run the command in a site's folder, name it with --site PATH, or make "
            "one with `commons new PATH`.",
            file=sys.stderr,
        )
        return 2
    options = {
        key: value for key, value in vars(arguments).items() if key not in ("command", "site")
    }
    return run_task(tasks[arguments.command], options)


if __name__ == "__main__":
    raise SystemExit(main())
