"""Maintenance: ipt-m contracts (``MaintenanceScheduled``: frequency, sessions, start), the
sessions due in the next days, and suspected recurrences (``RecurrenceSuspected``).

The next session is due on the contract's start date until one is held, then one interval after
the last maintenance session (the interval from ``domain.protocols.SESSIONS_PER_MONTH`` over a
four-week month, as that table counts a weekly contract: weekly 7 days, twice-monthly 14,
monthly 28); none is due once every contracted session is held or the pathway is closed. The
projection stores that date; "now" is only ever the caller's (``due_sessions(now=...)``), so a
rebuild gives the same rows whenever it runs. Query functions take a ``Tx`` scoped to the live
tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.protocols import SESSIONS_PER_MONTH
from projections.rows import Where, Who, parse_time
from projections.store import Tx

NAME = "maintenance"
DAYS_PER_MONTH = 28
INTERVAL_DAYS: dict[str, int] = {
    frequency: round(DAYS_PER_MONTH / per_month)
    for frequency, per_month in SESSIONS_PER_MONTH.items()}
DUE_WITHIN_DAYS = 7
TABLES = {
    "pathways": """CREATE TABLE IF NOT EXISTS {pathways} (
        pathway_id TEXT PRIMARY KEY, therapist TEXT NOT NULL, protocol TEXT NOT NULL,
        frequency TEXT, sessions INTEGER, start_date TEXT, scheduled_at TEXT,
        sessions_held INTEGER NOT NULL, last_session_at TEXT, next_due_on TEXT,
        latest_phq9 INTEGER, recurrences INTEGER NOT NULL, last_recurrence_at TEXT,
        closed_at TEXT, closed_reason TEXT);
        CREATE INDEX IF NOT EXISTS {pathways}_due ON {pathways} (next_due_on)""",
    "recurrences": """CREATE TABLE IF NOT EXISTS {recurrences} (
        pathway_id TEXT NOT NULL, version INTEGER NOT NULL, instrument TEXT NOT NULL,
        total INTEGER NOT NULL, threshold INTEGER NOT NULL, occurred_at TEXT NOT NULL,
        PRIMARY KEY (pathway_id, version));
        CREATE INDEX IF NOT EXISTS {recurrences}_at ON {recurrences} (occurred_at)""",
}
_CONTRACT = ("SELECT pathway_id, therapist, protocol, frequency, sessions, start_date,"
             " scheduled_at, sessions_held, last_session_at, next_due_on, latest_phq9,"
             " recurrences, last_recurrence_at, closed_at FROM {pathways}")


@dataclass(frozen=True)
class MaintenanceContract:
    """One pathway's maintenance contract and where it stands."""

    pathway_id: str
    therapist: str
    protocol: str
    """The acute protocol the pathway was opened under (maintenance itself is ipt-m)."""
    frequency: str
    sessions: int
    start_date: date
    scheduled_at: datetime
    sessions_held: int
    last_session_at: datetime | None
    next_due_on: date | None
    latest_phq9: int | None
    recurrences: int
    last_recurrence_at: datetime | None
    closed: bool


@dataclass(frozen=True)
class DueSession:
    contract: MaintenanceContract
    number: int
    """The maintenance session due (1 for the first)."""
    due_on: date
    days_until: int
    """Negative when overdue."""
    overdue: bool


@dataclass(frozen=True)
class Recurrence:
    pathway_id: str
    therapist: str
    protocol: str
    instrument: str
    total: int
    threshold: int
    occurred_at: datetime


def _contract(r: tuple[Any, ...]) -> MaintenanceContract:
    return MaintenanceContract(
        pathway_id=r[0], therapist=r[1], protocol=r[2], frequency=r[3], sessions=r[4],
        start_date=date.fromisoformat(r[5]), scheduled_at=datetime.fromisoformat(r[6]),
        sessions_held=r[7], last_session_at=parse_time(r[8]),
        next_due_on=None if r[9] is None else date.fromisoformat(r[9]), latest_phq9=r[10],
        recurrences=r[11], last_recurrence_at=parse_time(r[12]), closed=r[13] is not None)


def _scope(therapist: Who, protocol: str | None) -> Where:
    return (Where().also("frequency IS NOT NULL").equal("therapist", therapist)
            .equal("protocol", protocol))


def contracts(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
              active_only: bool = True) -> list[MaintenanceContract]:
    """Maintenance contracts (only those of open pathways unless ``active_only`` is False),
    the most recently scheduled first."""
    where = _scope(therapist, protocol)
    if active_only:
        where.also("closed_at IS NULL")
    rows = tx.all(_CONTRACT + where.sql + " ORDER BY scheduled_at DESC, pathway_id",
                  where.params)
    return [_contract(r) for r in rows]


def contract_counts(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                    active_only: bool = True) -> dict[str, int]:
    """How many maintenance contracts of each frequency (of open pathways unless
    ``active_only`` is False), counted by the database."""
    where = _scope(therapist, protocol)
    if active_only:
        where.also("closed_at IS NULL")
    rows = tx.all("SELECT frequency, COUNT(*) FROM {pathways}" + where.sql
                  + " GROUP BY frequency ORDER BY frequency", where.params)
    return {str(frequency): int(count) for frequency, count in rows}


def _today(now: datetime | date) -> date:
    return now.date() if isinstance(now, datetime) else now


def _due_by(therapist: Who, protocol: str | None, horizon: date) -> Where:
    where = _scope(therapist, protocol).also("next_due_on IS NOT NULL")
    where.parts.append("next_due_on <= :horizon")
    where.params["horizon"] = horizon.isoformat()
    return where


def due_sessions(tx: Tx, *, now: datetime | date, days: int = DUE_WITHIN_DAYS,
                 therapist: Who = None, protocol: str | None = None,
                 limit: int | None = None) -> list[DueSession]:
    """Sessions due by ``days`` after ``now`` (overdue ones included), soonest first (the
    first ``limit``, if given)."""
    today = _today(now)
    where = _due_by(therapist, protocol, today + timedelta(days=days))
    first = ""
    if limit is not None:
        first = " LIMIT :limit"
        where.params["limit"] = limit
    rows = tx.all(_CONTRACT + where.sql + " ORDER BY next_due_on, pathway_id" + first,
                  where.params)
    due = []
    for row in rows:
        contract = _contract(row)
        due_on = date.fromisoformat(row[9])
        days_until = (due_on - today).days
        due.append(DueSession(contract, contract.sessions_held + 1, due_on, days_until,
                              days_until < 0))
    return due


def due_counts(tx: Tx, *, now: datetime | date, weeks: int, therapist: Who = None,
               protocol: str | None = None) -> list[int]:
    """Sessions due, counted by the database: overdue first, then in each of the ``weeks``
    seven-day spans from ``now``'s day."""
    today = _today(now)
    where = _due_by(therapist, protocol, today + timedelta(days=7 * weeks - 1))
    spans = []
    for week in range(weeks + 1):
        where.params[f"before{week}"] = (today + timedelta(days=7 * week)).isoformat()
        spans.append(f" WHEN next_due_on < :before{week} THEN {week}")
    span = f"CASE{''.join(spans)} END"
    rows = tx.all(f"SELECT {span}, COUNT(*) FROM {{pathways}}{where.sql} GROUP BY {span}",
                  where.params)
    counts = [0] * (weeks + 1)
    for index, count in rows:
        counts[int(index)] = int(count)
    return counts


def _recurred(therapist: Who, protocol: str | None, since: datetime | date | None,
              until: datetime | date | None) -> Where:
    return (Where().equal("p.therapist", therapist).equal("p.protocol", protocol)
            .within("r.occurred_at", since, until))


_RECURRED = " FROM {recurrences} r JOIN {pathways} p ON p.pathway_id = r.pathway_id"


def recurrence_count(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                     since: datetime | date | None = None,
                     until: datetime | date | None = None) -> int:
    """How many suspected recurrences ``recurrences`` would list without a limit."""
    where = _recurred(therapist, protocol, since, until)
    return int(tx.scalar("SELECT COUNT(*)" + _RECURRED + where.sql, where.params) or 0)


def recurrences(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                since: datetime | date | None = None, until: datetime | date | None = None,
                limit: int | None = None) -> list[Recurrence]:
    """Suspected recurrences in [``since``, ``until``), the latest first (the first
    ``limit``, if given)."""
    where = _recurred(therapist, protocol, since, until)
    first = ""
    if limit is not None:
        first = " LIMIT :limit"
        where.params["limit"] = limit
    rows = tx.all("SELECT r.pathway_id, p.therapist, p.protocol, r.instrument, r.total,"
                  " r.threshold, r.occurred_at" + _RECURRED + where.sql
                  + " ORDER BY r.occurred_at DESC, r.pathway_id" + first, where.params)
    return [Recurrence(r[0], r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]))
            for r in rows]
