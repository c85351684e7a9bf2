"""One Chromium page a test module's reading tests share: `reading_page`.

Every new page starts a renderer process, and that start is most of what a
short browser test costs (20 new pages: 15 to 19 s of CPU; 20 addresses loaded
in one page: 3.8 s). Every server of the tests listens on 127.0.0.1, one site
whatever the port, so a page that goes from one test's server to the next
keeps its renderer.

The shared page is for tests that only read what a page shows (axe, layout,
escaping, search, "does this payload run"): each test loads its own document
into it. Between two tests the page is put back as a fresh context would give
it: on about:blank (nothing of the last document runs on), no other page of
the context left open, no cookies, no storage of any origin it showed, no
HTTP cache, no routes, no permissions, the default viewport and emulated
media, an empty log. What the reset does not take back (an init script, a
listener of the test's own, a page clock, JavaScript turned off) does not
belong on it: a test that needs those, or that remembers something from one
page view to the next (consent, the colour scheme, a comment server's
cookies), takes a fresh context (`browser`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.conftest import VIEWPORT

# The media a page of a new context emulates (Playwright's defaults): what the
# shared page goes back to after a test that changed them.
DEFAULT_MEDIA = {
    "media": "null",
    "color_scheme": "light",
    "reduced_motion": "no-preference",
    "forced_colors": "none",
    "contrast": "no-preference",
}


@dataclass
class PageLog:
    """What the shared page reported during one test: its uncaught errors, its
    console messages (type and text) and the addresses it requested."""

    errors: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.errors.clear()
        self.console.clear()
        self.requests.clear()

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"]


def web_origin(url: str) -> str | None:
    """scheme://host:port of an http(s) address; None for about:, data: and the like."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class ReadingTab:
    """A context with one page, its log, and the origins its frames showed."""

    def __init__(self, chromium):
        self.context = chromium.new_context(viewport=VIEWPORT)
        self.log = PageLog()
        self.origins: set[str] = set()
        # Until a reset has run to its end, the page may hold a test's traces.
        self.clean = True
        self.page = self.open_page()

    def open_page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.log.errors.append(str(error)))
        page.on("console", lambda message: self.log.console.append((message.type, message.text)))
        page.on("request", lambda request: self.log.requests.append(request.url))
        page.on("framenavigated", self.note_origin)
        return page

    def note_origin(self, frame) -> None:
        origin = web_origin(frame.url)
        if origin is not None:
            self.origins.add(origin)

    def reset(self) -> None:
        """Back to what a fresh context's page is (the module docstring says what)."""
        self.clean = False
        if self.page.is_closed():  # a test closed it, or its renderer crashed
            self.page = self.open_page()
        page = self.page
        for opened in self.context.pages:  # a popup, a page the test opened
            if opened != page:
                opened.close()
        page.unroute_all(behavior="ignoreErrors")
        page.goto("about:blank")
        cdp = self.context.new_cdp_session(page)
        try:
            for origin in sorted(self.origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            cdp.send("Network.clearBrowserCache")
        finally:
            cdp.detach()
        self.origins.clear()
        self.context.clear_cookies()
        self.context.clear_permissions()
        page.set_viewport_size(VIEWPORT)
        page.emulate_media(**DEFAULT_MEDIA)
        self.log.clear()
        self.clean = True


@pytest.fixture(scope="module")
def reading_tab(chromium):
    """The module's shared context and page (use `reading_page`)."""
    tab = ReadingTab(chromium)
    yield tab
    tab.context.close()


@pytest.fixture
def reading_page(reading_tab):
    """The module's shared page, as a fresh context would give it, for a test
    that only reads pages: add no listener or init script to it (`page_log` has
    its errors, console and requests; `browser` gives a page of its own)."""
    if not reading_tab.clean:  # the last test's reset failed
        reading_tab.reset()
    yield reading_tab.page
    # Now, not at the next test's start: nothing of this test's last document
    # runs on meanwhile.
    reading_tab.reset()


@pytest.fixture
def page_log(reading_tab, reading_page) -> PageLog:
    """The shared page's uncaught errors, console messages and requests in this test."""
    return reading_tab.log
