"""This site's commands for Invoke (`invoke --list`): Commons' own, the ones the
`commons` command runs."""

import os
from pathlib import Path

# This file's folder is the site, wherever Invoke is started from (`invoke -r`).
os.environ["COMMONS_SITE"] = str(Path(__file__).resolve().parent)

from commons.tasks import *  # noqa: F403
