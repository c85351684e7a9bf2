"""Posts of the same date are listed in one order, whatever order they were read in.

Pelican's "reversed-date" keeps same-date posts in reading order, which follows
the file system and, in the preview, which posts a save made it read again.
"""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

from pelican.settings import get_settings_from_file
from pelican.utils import order_content

from commons import DEV_SETTINGS, PUBLISH_SETTINGS

SAME_DAY = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.UTC)


def posts() -> list:
    return [
        SimpleNamespace(date=SAME_DAY, source_path=f"/site/content/post-{letter}.md")
        for letter in "abc"
    ] + [SimpleNamespace(date=SAME_DAY.replace(day=2), source_path="/site/content/newer.md")]


def test_every_reading_order_gives_the_same_list():
    for settings_file in (DEV_SETTINGS, PUBLISH_SETTINGS):
        order_by = get_settings_from_file(str(settings_file))["ARTICLE_ORDER_BY"]
        listed = {
            tuple(p.source_path for p in order_content(list(permutation), order_by))
            for permutation in itertools.permutations(posts())
        }
        assert listed == {
            (
                "/site/content/newer.md",
                "/site/content/post-a.md",
                "/site/content/post-b.md",
                "/site/content/post-c.md",
            )
        }, settings_file
