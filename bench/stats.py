"""Pure arithmetic used by the runner and the report."""

from __future__ import annotations

import math
from collections.abc import Sequence

_MAX_Q = 100.0


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ascending ``sorted_values``.

    Linear interpolation between closest ranks (numpy's default method).
    Returns NaN for an empty sequence.
    """
    if not 0.0 <= q <= _MAX_Q:
        raise ValueError(f"percentile out of range: {q}")
    n = len(sorted_values)
    if n == 0:
        return math.nan
    rank = (n - 1) * q / 100.0
    lo = math.floor(rank)
    hi = min(lo + 1, n - 1)
    frac = rank - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def throughput(ops: int, seconds: float) -> float:
    """Operations per second; 0.0 when no time elapsed."""
    return ops / seconds if seconds > 0 else 0.0


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or ``None`` when undefined."""
    if denominator <= 0 or math.isnan(denominator) or math.isnan(numerator):
        return None
    return numerator / denominator


def ns_to_ms(ns: float) -> float:
    return ns / 1_000_000.0
