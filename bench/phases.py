"""Run Pelican as `python -m pelican` would, and time each phase of the build by its signals.

    python -m bench.phases CONTENT --settings pelicanconf.py --output OUT [pelican options]

The last line printed (to standard error) is `PHASES {json}`: for each phase,
the wall seconds it took and the main process's CPU seconds in it. The phases
are cut at the signals Pelican sends between them, so they hold whatever the
plugins connected there do:

- start: interpreter, settings, plugins (up to `initialized`);
- read posts: the posts' generator's context (`article_generator_init` to
  `article_generator_finalized`), with parallel_read's workers;
- read pages and files: the other generators' contexts;
- whole site: `all_generators_finalized` receivers and Pelican's link refresh,
  up to `get_writer`;
- write: every generator's output, up to the last `*_writer_finalized`
  (parallel_render's children);
- finish: `finalized` receivers (search index, sitemap, minified CSS...) and exit.
"""

from __future__ import annotations

import atexit
import json
import sys
import time

from pelican import main, signals

MARKS = (
    "initialized",
    "article_generator_init",
    "article_generator_finalized",
    "all_generators_finalized",
    "get_writer",
    "finalized",
)
PHASES = {
    "start": (None, "initialized"),
    "read posts": ("article_generator_init", "article_generator_finalized"),
    "read pages and files": ("article_generator_finalized", "all_generators_finalized"),
    "whole site": ("all_generators_finalized", "get_writer"),
    "write": ("get_writer", "finalized"),
    "finish": ("finalized", "exit"),
}


class PhaseClock:
    """Wall and CPU time at each signal, first sending only."""

    def __init__(self):
        self.started = time.monotonic()
        self.marks: dict[str, tuple[float, float]] = {}
        self.receivers = []

    def connect(self) -> None:
        for name in MARKS:

            def receiver(*_args, _name=name, **_kwargs):
                self.mark(_name)

            self.receivers.append(receiver)
            getattr(signals, name).connect(receiver)

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, (time.monotonic() - self.started, time.process_time()))

    def phases(self) -> dict:
        marks = {None: (0.0, 0.0), **self.marks}
        result = {}
        for phase, (start, end) in PHASES.items():
            if start in marks and end in marks:
                result[phase] = {
                    "wall": round(marks[end][0] - marks[start][0], 3),
                    "cpu": round(marks[end][1] - marks[start][1], 3),
                }
        return result

    def report(self) -> None:
        self.mark("exit")
        print("PHASES " + json.dumps(self.phases()), file=sys.stderr, flush=True)


def run(argv: list[str]) -> None:
    clock = PhaseClock()
    clock.connect()
    atexit.register(clock.report)
    sys.argv = ["pelican", *argv]
    main()


if __name__ == "__main__":
    run(sys.argv[1:])
