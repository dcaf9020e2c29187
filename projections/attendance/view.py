"""The ``attendance`` read model: sessions held, no-shows and late cancellations per ISO week
and therapist, and the time from referral to the first session and to the contract.

Weeks are ISO weeks of the clinical time (UTC). Waiting times are stored per pathway in days
(from the referral date's midnight UTC). A median or a 90th percentile is read as the one or
two values around its rank (``ORDER BY ... LIMIT 2 OFFSET rank``, along an index holding the
values in order) and interpolated here, as numpy does by default, so both databases answer the
same and neither sends every waiting time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from projections.funnel.view import where_opened
from projections.rows import Who
from projections.store import Tx

DDL = {
    "weeks": """
CREATE TABLE IF NOT EXISTS {weeks} (
    week TEXT NOT NULL,
    week_start TEXT NOT NULL,
    therapist TEXT NOT NULL,
    protocol TEXT NOT NULL,
    held INTEGER NOT NULL,
    no_shows INTEGER NOT NULL,
    late_cancellations INTEGER NOT NULL,
    cancelled_by_therapist INTEGER NOT NULL,
    PRIMARY KEY (week, therapist, protocol)
);
CREATE INDEX IF NOT EXISTS {weeks}_start ON {weeks} (week_start)
""",
    "waits": """
CREATE TABLE IF NOT EXISTS {waits} (
    id TEXT PRIMARY KEY,
    therapist TEXT NOT NULL,
    protocol TEXT NOT NULL,
    referral_date TEXT NOT NULL,
    days_to_first_session DOUBLE PRECISION,
    days_to_contract DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS {waits}_referral ON {waits} (referral_date, therapist, protocol,
    days_to_first_session, days_to_contract);
CREATE INDEX IF NOT EXISTS {waits}_first_session ON {waits} (days_to_first_session, therapist,
    protocol, referral_date);
CREATE INDEX IF NOT EXISTS {waits}_contract ON {waits} (days_to_contract, therapist, protocol,
    referral_date)
""",
}
COUNTS = ("held", "no_shows", "late_cancellations", "cancelled_by_therapist")
WAIT_COLUMNS = ("id", "therapist", "protocol", "referral_date", "days_to_first_session",
                "days_to_contract")


@dataclass(frozen=True)
class WeekAttendance:
    """One therapist's appointments in one ISO week (all protocols, unless filtered)."""

    week: str
    """``2026-W04``."""
    week_start: date
    """Its Monday."""
    therapist: str
    held: int
    no_shows: int
    late_cancellations: int
    cancelled_by_therapist: int
    no_show_rate: float
    """No-shows over appointments (held + no-shows + late and therapist cancellations)."""
    late_cancellation_rate: float


@dataclass(frozen=True)
class Durations:
    """Days, over the pathways that got that far (``count``); None when none did."""

    count: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class WaitingTimes:
    to_first_session: Durations
    to_contract: Durations


def weekly_attendance(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                      since: date | None = None, until: date | None = None
                      ) -> list[WeekAttendance]:
    """Per ISO week and therapist, the weeks starting between ``since`` and ``until``
    (a week counts when its Monday is in the range; both ends included)."""
    where, params = where_opened(therapist, protocol, since, until, column="week_start")
    rows = tx.all(f"SELECT week, week_start, therapist, {', '.join(f'SUM({c})' for c in COUNTS)}"
                  f" FROM {{weeks}} WHERE {where} GROUP BY week, week_start, therapist"
                  " ORDER BY week_start, therapist", params)
    found = []
    for week, start, who, *counts in rows:
        held, no_shows, late, by_therapist = (int(n) for n in counts)
        booked = held + no_shows + late + by_therapist
        found.append(WeekAttendance(
            week, date.fromisoformat(start), who, held, no_shows, late, by_therapist,
            no_shows / booked if booked else 0.0, late / booked if booked else 0.0))
    return found


def waiting_times(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                  since: date | None = None, until: date | None = None) -> WaitingTimes:
    """Referral to first session and to contract, for pathways referred in the range."""
    where, params = where_opened(therapist, protocol, since, until, column="referral_date")
    counts = tx.one(f"SELECT COUNT(days_to_first_session), COUNT(days_to_contract)"
                    f" FROM {{waits}} WHERE {where}", params) or (0, 0)
    first, contract = (
        Durations(int(n), *(_ranked(tx, column, where, params, count=int(n), fraction=fraction)
                            for fraction in (0.5, 0.9)))
        for column, n in zip(("days_to_first_session", "days_to_contract"), counts, strict=True))
    return WaitingTimes(to_first_session=first, to_contract=contract)


def _ranked(tx: Tx, column: str, where: str, params: dict[str, object], *, count: int,
            fraction: float) -> float | None:
    """The ``fraction`` quantile of ``column`` over ``count`` values, as ``percentile``
    computes it, from the (at most) two values around its rank."""
    if not count:
        return None
    rank = fraction * (count - 1)
    low = math.floor(rank)
    values = [float(r[0]) for r in tx.all(
        f"SELECT {column} FROM {{waits}} WHERE {where} AND {column} IS NOT NULL"
        f" ORDER BY {column} LIMIT 2 OFFSET :low", {**params, "low": low})]
    high = values[1] if rank > low else values[0]
    return values[0] + (high - values[0]) * (rank - low)


def week_of(day: date) -> tuple[str, str]:
    """``("2026-W04", "2026-01-19")``: the ISO week of ``day`` and its Monday."""
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", (day - timedelta(days=weekday - 1)).isoformat()
