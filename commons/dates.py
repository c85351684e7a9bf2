"""Dates as editors write them in front matter and as Commons corrects them."""

from __future__ import annotations

import re

# Year first but without leading zeros (2015-8-5 9:09): unambiguous, so the
# fix can give the exact value to write.
UNPADDED_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def padded_date(value: str) -> str | None:
    """`2015-8-5 9:09` written as `2015-08-05 09:09`: year first, only the zeros missing."""
    match = UNPADDED_DATE.fullmatch(value)
    if not match:
        return None
    year, month, day, hour, minute, second = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    padded = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        padded += f" {int(hour):02d}:{minute}"
        if second is not None:
            padded += f":{second}"
    return padded
