"""The runner's arithmetic: medians, the alternating schedule, paired ratios.

Kept apart from the runner so the tests can check it on made-up numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """The median; for an even count, the mean of the two middle values."""
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def schedule(baseline: str, variants: Sequence[str], runs: int) -> list[tuple[int, str]]:
    """The order of the timed builds: the baseline and the variants, back and forth.

    Even rounds run the baseline then every variant, odd rounds the same in
    reverse (A B C, C B A, A B C, ...: ABBA), so each variant's i-th build is
    paired with the baseline build of the same round, made a few seconds from
    it, and no build always comes first or last: a slow spell on a shared
    machine, or what the previous build left behind, hits both sides alike.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if baseline in variants:
        raise ValueError(f"{baseline!r} is the baseline; it cannot also be a variant")
    forward = (baseline, *variants)
    return [
        (round_, name)
        for round_ in range(runs)
        for name in (forward if round_ % 2 == 0 else reversed(forward))
    ]


def paired_ratios(baseline: Sequence[float], variant: Sequence[float]) -> list[float]:
    """variant[i] / baseline[i] for each round."""
    if len(baseline) != len(variant):
        raise ValueError(f"{len(baseline)} baseline runs but {len(variant)} variant runs")
    if any(value <= 0 for value in baseline):
        raise ValueError("baseline times must be positive")
    return [v / b for b, v in zip(baseline, variant, strict=True)]


def paired_ratio(baseline: Sequence[float], variant: Sequence[float]) -> float:
    """The median of the per-round ratios: how many times the baseline's cost."""
    return median(paired_ratios(baseline, variant))
