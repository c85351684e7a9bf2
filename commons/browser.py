"""How Commons drives a browser: Debian's Chromium, never a downloaded one.

Shared by the browser tests, the benchmarks and the screenshots task.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet on the network: without the background-networking flags
# Chromium calls home at start, which this project's machines refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright):
    """Debian's Chromium through Playwright's `executable_path`, with the flags above."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
