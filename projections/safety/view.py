"""Safety: open suicide-risk flags with their tier and age, oldest urgent first, and how long
flags waited to be acknowledged and to have their risk assessed (p50, p95).

Durations are stored per flag in seconds of clinical time (from ``SafetyFlagRaised`` to
``SafetyFlagAcknowledged`` and to ``RiskAssessmentRecorded``); percentiles are computed here,
in Python, from the stored durations. A flag stays open until ``SafetyFlagResolved``: one left
open when its pathway closed is still listed (``pathway_closed``), since a closed pathway
accepts no command that could resolve it. A flag's age needs "now", which is the caller's.
Query functions take a ``Tx`` scoped to the live tables; ``since``/``until`` select flags by
the time they were raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from domain.vocabulary import URGENT, Tier
from projections.rows import Where, Who, iso, parse_time, percentile
from projections.store import Tx

NAME = "safety"
TABLES = {
    "pathways": """CREATE TABLE IF NOT EXISTS {pathways} (
        pathway_id TEXT PRIMARY KEY, therapist TEXT NOT NULL, protocol TEXT NOT NULL,
        closed_at TEXT)""",
    "flags": """CREATE TABLE IF NOT EXISTS {flags} (
        pathway_id TEXT NOT NULL, flag_id INTEGER NOT NULL, therapist TEXT NOT NULL,
        protocol TEXT NOT NULL, tier TEXT NOT NULL, source TEXT NOT NULL, item9 INTEGER,
        raised_at TEXT NOT NULL, acknowledged_at TEXT, assessed_at TEXT, resolved_at TEXT,
        risk_level TEXT, acknowledge_seconds REAL, assess_seconds REAL,
        resolved INTEGER NOT NULL, pathway_closed INTEGER NOT NULL,
        PRIMARY KEY (pathway_id, flag_id));
        CREATE INDEX IF NOT EXISTS {flags}_open ON {flags} (resolved, tier, raised_at);
        CREATE INDEX IF NOT EXISTS {flags}_raised ON {flags} (raised_at)""",
}
Status = Literal["unacknowledged", "acknowledged", "assessed"]
"""Where an open flag is in the workflow (IPT-17: no routine session until ``assessed``)."""


@dataclass(frozen=True)
class OpenFlag:
    pathway_id: str
    flag_id: int
    therapist: str
    protocol: str
    tier: str
    source: str
    status: Status
    raised_at: datetime
    acknowledged_at: datetime | None
    assessed_at: datetime | None
    risk_level: str | None
    age_seconds: float | None
    """``now`` minus the time the flag was raised (None when no ``now`` was given)."""
    pathway_closed: bool


@dataclass(frozen=True)
class Waits:
    """How long flags waited for one step, in seconds: ``count`` flags took it."""

    count: int
    p50_seconds: float | None
    p95_seconds: float | None


@dataclass(frozen=True)
class ResponseTimes:
    raised: int
    acknowledge: Waits
    assess: Waits
    waiting_acknowledgement: int
    """Flags raised (and not resolved) without an acknowledgement yet."""
    waiting_assessment: int


def _status(acknowledged_at: str | None, assessed_at: str | None) -> Status:
    if assessed_at is not None:
        return "assessed"
    return "acknowledged" if acknowledged_at is not None else "unacknowledged"


def _open(therapist: Who, protocol: str | None, tier: Tier | None,
          include_closed: bool) -> Where:
    where = (Where().also("resolved = 0").equal("therapist", therapist)
             .equal("protocol", protocol).equal("tier", tier))
    if not include_closed:
        where.also("pathway_closed = 0")
    return where


def open_flags(tx: Tx, *, now: datetime | None = None, therapist: Who = None,
               protocol: str | None = None, tier: Tier | None = None,
               include_closed: bool = True, limit: int | None = None) -> list[OpenFlag]:
    """Every flag not resolved (the first ``limit``, if given): urgent first, then oldest
    first."""
    where = _open(therapist, protocol, tier, include_closed)
    where.params["urgent"] = URGENT
    first = ""
    if limit is not None:
        first = " LIMIT :limit"
        where.params["limit"] = limit
    rows = tx.all(
        "SELECT pathway_id, flag_id, therapist, protocol, tier, source, raised_at,"
        " acknowledged_at, assessed_at, risk_level, pathway_closed FROM {flags}" + where.sql
        + " ORDER BY CASE WHEN tier = :urgent THEN 0 ELSE 1 END, raised_at, pathway_id,"
        " flag_id" + first, where.params)
    flags = []
    for r in rows:
        raised = datetime.fromisoformat(r[6])
        flags.append(OpenFlag(
            pathway_id=r[0], flag_id=r[1], therapist=r[2], protocol=r[3], tier=r[4],
            source=r[5], status=_status(r[7], r[8]), raised_at=raised,
            acknowledged_at=parse_time(r[7]), assessed_at=parse_time(r[8]), risk_level=r[9],
            age_seconds=None if now is None else (now - raised).total_seconds(),
            pathway_closed=bool(r[10])))
    return flags


def open_flag_ages(tx: Tx, *, now: datetime, under_seconds: Sequence[float],
                   therapist: Who = None, protocol: str | None = None,
                   include_closed: bool = True) -> dict[tuple[str, int], int]:
    """Open flags counted by tier and age band: band ``i`` holds the flags open for less than
    ``under_seconds[i]`` (and not less than the band before), the last band every older one.
    Counted by the database, however many flags are open."""
    where = _open(therapist, protocol, None, include_closed)
    bands = []
    for index, seconds in enumerate(under_seconds):
        where.params[f"band{index}"] = iso(now - timedelta(seconds=seconds))
        bands.append(f" WHEN raised_at > :band{index} THEN {index}")
    band = f"CASE{''.join(bands)} ELSE {len(under_seconds)} END"
    rows = tx.all(f"SELECT tier, {band}, COUNT(*) FROM {{flags}}{where.sql}"
                  f" GROUP BY tier, {band}", where.params)
    return {(str(tier), int(index)): int(count) for tier, index, count in rows}


def response_times(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                   tier: Tier | None = None, since: datetime | date | None = None,
                   until: datetime | date | None = None) -> ResponseTimes:
    """Time to acknowledge and to assess the flags raised in [``since``, ``until``)."""
    where = (Where().equal("therapist", therapist).equal("protocol", protocol)
             .equal("tier", tier).within("raised_at", since, until))
    rows = tx.all("SELECT acknowledge_seconds, assess_seconds, resolved FROM {flags}"
                  + where.sql, where.params)
    acknowledged = [float(r[0]) for r in rows if r[0] is not None]
    assessed = [float(r[1]) for r in rows if r[1] is not None]
    return ResponseTimes(
        raised=len(rows), acknowledge=_waits(acknowledged), assess=_waits(assessed),
        waiting_acknowledgement=sum(1 for r in rows if r[0] is None and not r[2]),
        waiting_assessment=sum(1 for r in rows if r[1] is None and not r[2]))


def _waits(seconds: list[float]) -> Waits:
    return Waits(len(seconds), percentile(seconds, 0.5), percentile(seconds, 0.95))


def open_flag_counts(tx: Tx) -> dict[str, int]:
    """Open flags by tier (every tier present, zero included), for metrics."""
    counts = dict.fromkeys(("urgent", "routine"), 0)
    for tier, count in tx.all("SELECT tier, COUNT(*) FROM {flags} WHERE resolved = 0"
                              " GROUP BY tier"):
        counts[str(tier)] = int(count)
    return counts
