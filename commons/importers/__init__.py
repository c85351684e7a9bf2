"""Importers: other platforms' exports -> Commons content, comments and redirects.

`wordpress` reads a WordPress export (WXR); nothing here runs inside Pelican.
"""

from pathlib import Path

# Where the importers write the old addresses and their new place (content/…);
# plugins/redirects publishes them.
REDIRECTS_FILE = Path("redirects") / "wordpress.txt"
