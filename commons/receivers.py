"""Receivers that belong to one build, connected together and let go together.

Plugins that keep state for a build (the sitemap's pages, the search index's
run, the posts whose links are checked) hold it in an object whose bound
methods receive Pelican's signals. The signals keep the object alive (strong
references, `weak=False`), and the object disconnects itself when its build
ends or another build takes over, so nothing outlives its build.
"""

from __future__ import annotations

from collections.abc import Callable


class BuildReceivers:
    """A base for such objects: `receivers()` lists (Pelican signal, bound method) pairs.

    An object that lists `(signals.initialized, self.stop_if_replaced)` holds its
    Pelican's `settings`, and lets go of its build when another Pelican starts.
    """

    settings: dict

    def receivers(self) -> list[tuple[object, Callable]]:
        raise NotImplementedError

    def connect(self) -> None:
        # Strong references: the signals are what keeps this object alive.
        for signal, receiver in self.receivers():
            signal.connect(receiver, weak=False)

    def disconnect(self) -> None:
        for signal, receiver in self.receivers():
            signal.disconnect(receiver)

    def stop_if_replaced(self, pelican) -> None:
        """`initialized` with other settings: another Pelican (autoreload after a settings
        change) takes over, so this one's receivers go, and what it held of its build."""
        if pelican.settings is not self.settings:
            self.disconnect()
            self.forget_build()

    def forget_build(self) -> None:
        """Let go of what the object holds of a build that will not finish; nothing here."""
