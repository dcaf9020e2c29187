"""The mean trajectory's points, summed as the projection writes them.

A measure that is a pathway's first of its instrument at its stage and session is that
pathway's point there. Points are summed (pathways, total) by instrument, stage, session,
therapist and protocol in ``trajectory``, and by the same and the measure's clinical day (UTC)
in ``trajectory_days``, so the dashboard's trajectory reads sums, not measures: every point
ever, or the days of a date range. Sums are only added to (a batch adds what it changed), and
a pathway closed as entered in error takes its points back out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from projections.store import Tx

KEY = ("instrument", "stage", "session", "therapist", "protocol")
TABLES = {
    "trajectory": """CREATE TABLE IF NOT EXISTS {trajectory} (
        instrument TEXT NOT NULL, stage TEXT NOT NULL, session INTEGER NOT NULL,
        therapist TEXT NOT NULL, protocol TEXT NOT NULL, pathways INTEGER NOT NULL,
        total INTEGER NOT NULL,
        PRIMARY KEY (instrument, stage, session, therapist, protocol))""",
    "trajectory_days": """CREATE TABLE IF NOT EXISTS {trajectory_days} (
        instrument TEXT NOT NULL, stage TEXT NOT NULL, day TEXT NOT NULL,
        session INTEGER NOT NULL, therapist TEXT NOT NULL, protocol TEXT NOT NULL,
        pathways INTEGER NOT NULL, total INTEGER NOT NULL,
        PRIMARY KEY (instrument, stage, day, session, therapist, protocol))""",
}
Row = dict[str, Any]
DayKey = tuple[str, str, int, str, str, str]
"""(instrument, stage, session, therapist, protocol, day)."""


def _adding(table: str, key: tuple[str, ...]) -> str:
    return (f"INSERT INTO {{{table}}} ({', '.join(key)}, pathways, total)"
            f" VALUES ({', '.join(f':{c}' for c in key)}, :pathways, :total)"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET"
            f" pathways = {{{table}}}.pathways + excluded.pathways,"
            f" total = {{{table}}}.total + excluded.total")


def _emptied(table: str, key: tuple[str, ...]) -> str:
    return (f"DELETE FROM {{{table}}} WHERE {' AND '.join(f'{c} = :{c}' for c in key)}"
            " AND pathways = 0")


_ADD = _adding("trajectory", KEY)
_ADD_DAYS = _adding("trajectory_days", (*KEY, "day"))
_EMPTIED = _emptied("trajectory", KEY)
_EMPTIED_DAYS = _emptied("trajectory_days", (*KEY, "day"))


class Points:
    """The sums a batch changes: pathways and total per point and day, written at the end."""

    def __init__(self) -> None:
        self.pathways: Counter[DayKey] = Counter()
        self.total: Counter[DayKey] = Counter()

    def add(self, measure: Row, sign: int = 1) -> None:
        """Count ``measure`` (a measures row) if it is a point; ``sign`` -1 takes it out."""
        if measure["first_at_session"]:
            key: DayKey = (measure["instrument"], measure["stage"], measure["session"],
                           measure["therapist"], measure["protocol"], measure["occurred_at"][:10])
            self.pathways[key] += sign
            self.total[key] += sign * measure["total"]

    def write(self, tx: Tx) -> None:
        every: Counter[tuple[Any, ...]] = Counter()
        totals: Counter[tuple[Any, ...]] = Counter()
        days: list[Row] = []
        for key in sorted(self.pathways):
            pathways, total = self.pathways[key], self.total[key]
            if pathways or total:
                every[key[:-1]] += pathways
                totals[key[:-1]] += total
                days.append({**dict(zip((*KEY, "day"), key, strict=True)),
                             "pathways": pathways, "total": total})
        sums: list[Row] = [{**dict(zip(KEY, key, strict=True)), "pathways": every[key],
                 "total": totals[key]} for key in sorted(every) if every[key] or totals[key]]
        tx.executemany(_ADD, sums)
        tx.executemany(_ADD_DAYS, days)
        # A sum taken back to no pathway goes, as if never added: the rows do not depend on
        # how the log was cut into batches (a rebuild's are larger than a follower's).
        tx.executemany(_EMPTIED, [row for row in sums if row["pathways"] < 0])
        tx.executemany(_EMPTIED_DAYS, [row for row in days if row["pathways"] < 0])
