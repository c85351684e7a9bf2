"""A static file server for previews and tests that can apply a `_headers` file.

`python -m commons.static_server DIRECTORY --port 8000 [--headers _headers]`

With `--headers`, each response gets the headers that the Netlify-format
file assigns to its path, as the production host would send them, so the
Content-Security-Policy is exercised locally before it is published.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from commons.errors import InputError
from commons.loopback import LoopbackHostMixin, allowed_hosts


class HeadersFileError(InputError):
    """The `_headers` file does not follow the format hosts read."""


def parse_headers_file(text: str) -> list[tuple[str, dict[str, str]]]:
    """Rules from a Netlify/Cloudflare `_headers` file: (path pattern, headers) pairs.

    A rule is a path pattern on a line of its own, followed by indented
    `Name: value` lines.
    """
    rules: ClassVar[list[tuple[str, dict[str, str]]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), {}))
            continue
        name, separator, value = line.strip().partition(":")
        if not rules or not separator or not name.strip():
            raise HeadersFileError(f"line {number}: expected an indented 'Name: value'")
        rules[-1][1][name.strip()] = value.strip()
    return rules


def headers_for(path: str, rules: list[tuple[str, dict[str, str]]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern, headers in rules:
        if fnmatch.fnmatchcase(path, pattern.replace(":splat", "*")):
            found.update(headers)
    return found


class Handler(LoopbackHostMixin, SimpleHTTPRequestHandler):
    rules: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def end_headers(self) -> None:
        for name, value in headers_for(self.path.split("?", 1)[0], self.rules).items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args) -> None:
        pass  # quiet: tests and previews read their own output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--headers", help="a _headers file, relative to DIRECTORY")
    args = parser.parse_args(argv)
    rules = []
    if args.headers:
        rules = parse_headers_file((args.directory / args.headers).read_text(encoding="utf-8"))
    handler = type(
        "SiteHandler", (Handler,), {"rules": rules, "allowed_hosts": allowed_hosts(args.bind)}
    )
    server = ThreadingHTTPServer(
        (args.bind, args.port), functools.partial(handler, directory=str(args.directory))
    )
    with server:
        server.serve_forever()


if __name__ == "__main__":
    main()
