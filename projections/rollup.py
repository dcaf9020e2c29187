"""Counts read once grouped by several columns, added up to coarser groups in Python.

A dashboard panel shows the same counts for everyone, by protocol and by therapist. Asking the
database three times scans the read model three times; asking once grouped by (protocol,
therapist) and adding the counts up here gives the same numbers (counts add), from a result
no larger than the number of protocol and therapist pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Key = tuple[Any, ...]
Tally = dict[Key, list[int]]
"""Counts by group key: the grouping columns' values, in the order they were grouped by."""


def tally(rows: Iterable[Sequence[Any]], width: int) -> Tally:
    """Rows of ``SELECT <width key columns>, <counts>``: NULL counts (a SUM of nothing) are 0."""
    return {tuple(row[:width]): [int(n or 0) for n in row[width:]] for row in rows}


def rollup(tallies: Sequence[Tally], position: int | None, sizes: Sequence[int]
           ) -> dict[Any, list[list[int]]]:
    """Each tally's counts added up by the key column at ``position`` (None: all in one group
    keyed None), one list per tally (``sizes``: how many counts each has; zeros where a group
    is missing from a tally)."""
    summed: dict[Any, list[list[int]]] = {}
    for index, counts_by_key in enumerate(tallies):
        for key, counts in counts_by_key.items():
            group = None if position is None else key[position]
            sums = summed.setdefault(group, [[0] * size for size in sizes])
            sums[index] = [a + b for a, b in zip(sums[index], counts, strict=True)]
    return summed


def in_key_order(groups: Iterable[Any]) -> list[Any]:
    """Group keys sorted with None (everyone) first."""
    return sorted(groups, key=lambda key: (key is not None, key or ""))
