"""One pass of Pelican's own build (`Pelican.run`), split where its site model is complete.

The preview keeps each pass's model (context and generators, every plugin's
work on them done) in its own process, for the next save's plan and for its
resident path, and writes the site in a fork. `Pelican.run` does both halves;
`SplitRun` cuts it at two of its public signals:

- `all_generators_finalized` hands over the generators (the model);
- `get_writer`, which `Pelican.run` sends once the model is complete (after
  it refreshes the links in metadata) and before it writes anything, is
  where the process forks. In the child the receiver returns no writer of
  its own, so the one Pelican or a plugin chooses stands, and `Pelican.run`
  goes on to write the site and send `finalized` there. In the preview's
  process the receiver raises `WritingForked`, which ends `Pelican.run`
  before it writes: the preview keeps the model.

Receivers of `get_writer` connected before this pass's (plugins connect
theirs when Pelican starts) run in the preview's process, before the fork;
the child inherits what they prepared. Everything sent from then on
(`content_written`, `finalized`, …) reaches the child only.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from pelican import signals

from commons.errors import CommonsError
from commons.receivers import BuildReceivers


class WritingForked(CommonsError):
    """Ends `Pelican.run` in the preview's process once its child writes (control flow only)."""

    def __init__(self, pid: int):
        super().__init__(f"the site is written by process {pid}")
        self.pid = pid


class SplitRun(BuildReceivers):
    """The receivers of one pass: connected for its `Pelican.run`, let go after it.

    `before_fork(generators)` runs in the preview's process with the complete
    model; `in_child(generators)` runs first thing in the child, before
    Pelican chooses its writer.
    """

    def __init__(
        self,
        before_fork: Callable[[list], None],
        in_child: Callable[[list], None],
    ):
        self.before_fork = before_fork
        self.in_child = in_child
        self.generators: list | None = None
        self.child = False

    def receivers(self) -> list:
        return [
            (signals.all_generators_finalized, self.keep_generators),
            (signals.get_writer, self.fork),
        ]

    def keep_generators(self, generators: list) -> None:
        self.generators = generators

    def fork(self, _pelican) -> None:
        """`get_writer`: the model is complete and nothing is written yet."""
        generators, self.generators = self.generators, None
        self.before_fork(generators)
        pid = os.fork()
        if pid == 0:
            self.child = True
            self.in_child(generators)
            return  # no writer of its own: Pelican's choice stands
        raise WritingForked(pid)

    def run(self, pelican, leave_child: Callable[[BaseException | None], None]) -> int | None:
        """Run `pelican.run()` up to the fork here; return the child's pid.

        The child never returns: when `Pelican.run` ends there, or fails,
        `leave_child(error or None)` ends the process. None when `Pelican.run`
        ended without asking for a writer (nothing was forked).
        """
        self.connect()
        try:
            pelican.run()
        except WritingForked as forked:
            return forked.pid
        except BaseException as error:
            if self.child:
                leave_child(error)
            raise
        else:
            if self.child:
                leave_child(None)
        finally:
            self.disconnect()
        return None
