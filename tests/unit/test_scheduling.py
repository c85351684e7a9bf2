"""The longest test files are handed to the workers first (tests/scheduling.py)."""

from __future__ import annotations

from types import SimpleNamespace

from tests.scheduling import LONGEST_FILES, pytest_configure
from tests.unit.test_lanes import collected

LONG = "tests/build/test_render_record.py"
SHORT = "tests/unit/test_bytecode.py"


def test_a_long_file_is_collected_before_a_short_one_given_first():
    assert LONG in LONGEST_FILES and SHORT not in LONGEST_FILES
    files = [nodeid.split("::")[0] for nodeid in collected(SHORT, LONG)]
    assert set(files) == {SHORT, LONG}
    # Every test of the long file first, then the short file's, each in its own order.
    assert files == sorted(files, key=lambda path: path != LONG)


def test_xdist_hands_the_files_out_in_that_order():
    config = SimpleNamespace(option=SimpleNamespace(loadscopereorder=True))
    pytest_configure(config)
    assert config.option.loadscopereorder is False
