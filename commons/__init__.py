"""Commons' site machinery: the code that tasks.py, the tests and the benchmarks share.

The Pelican plugins live in plugins/; this package holds what runs around
Pelican: the strict, atomic build, and the local servers (site and Isso).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = REPO_ROOT / "content"
DEV_SETTINGS = REPO_ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = REPO_ROOT / "publishconf.py"
DEFAULT_OUTPUT = REPO_ROOT / "output"
