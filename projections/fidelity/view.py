"""Structural fidelity: how closely each course kept to its protocol's structure, as read from
the record (not observed in the room): the initial phase within the protocol's cap (IPT-06), the
ending discussed by the first session of the ending window (IPT-23), PHQ-9/GAD-7 measured at
least every ``Protocol.measure_every_sessions`` (4) acute sessions, deviations by rule id
(``DeviationRecorded``) and renegotiations, per therapist and protocol.

Every number comes from the pathway's own protocol id and version (``domain.protocols``). An
indicator is decided only once the record can tell (None before): the initial phase when it
ends or passes the cap; the ending when it is discussed or its window starts, under the
contract in force (a renegotiated, longer contract can make a late ending timely again, as
IPT-23 allows); the cadence once a session is held. A rule id's sentence is the dashboard's
rules table (``services.http.dashboard.rules``): rows here carry the id only.

Pathway indicators count the pathways active in [``since``, ``until``) (opened before
``until``, last session, measure or contract change at or after ``since``); deviations and
renegotiations count by their own time. Pathways closed as entered in error are left out.
The summary reads one index that holds every column it needs (``_summary``), not the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from projections.rollup import Tally, in_key_order, rollup, tally
from projections.rows import ENTERED_IN_ERROR, Where, Who, counted, maybe_flag
from projections.store import Tx

NAME = "fidelity"
LABEL = "Structural fidelity"
"""What the dashboard calls it: read from the record, not observed in the room."""
GroupBy = Literal["therapist", "protocol"]
TABLES = {
    "pathways": """CREATE TABLE IF NOT EXISTS {pathways} (
        pathway_id TEXT PRIMARY KEY, therapist TEXT NOT NULL, protocol TEXT NOT NULL,
        protocol_version INTEGER NOT NULL, opened_at TEXT NOT NULL,
        last_activity_at TEXT NOT NULL, initial_sessions INTEGER NOT NULL,
        initial_cap INTEGER NOT NULL, left_initial INTEGER NOT NULL, contracted INTEGER,
        ending_start INTEGER, sessions_held INTEGER NOT NULL, discussed_at INTEGER,
        measure_every INTEGER NOT NULL, last_measure_session INTEGER,
        max_measure_gap INTEGER NOT NULL, completed INTEGER NOT NULL, closed_reason TEXT,
        deviations INTEGER NOT NULL, renegotiations INTEGER NOT NULL,
        initial_within_cap INTEGER, ending_in_time INTEGER, cadence_met INTEGER);
        CREATE INDEX IF NOT EXISTS {pathways}_summary ON {pathways} (protocol, therapist,
            closed_reason, last_activity_at, opened_at, initial_within_cap, ending_in_time,
            cadence_met);
        CREATE INDEX IF NOT EXISTS {pathways}_closed ON {pathways} (closed_reason)""",
    "deviations": """CREATE TABLE IF NOT EXISTS {deviations} (
        pathway_id TEXT NOT NULL, version INTEGER NOT NULL, rule TEXT NOT NULL,
        occurred_at TEXT NOT NULL, therapist TEXT NOT NULL, protocol TEXT NOT NULL,
        PRIMARY KEY (pathway_id, version));
        CREATE INDEX IF NOT EXISTS {deviations}_by_rule ON {deviations} (rule, occurred_at)""",
    "renegotiations": """CREATE TABLE IF NOT EXISTS {renegotiations} (
        pathway_id TEXT NOT NULL, version INTEGER NOT NULL, changed TEXT NOT NULL,
        sessions INTEGER NOT NULL, at_session INTEGER NOT NULL, occurred_at TEXT NOT NULL,
        therapist TEXT NOT NULL, protocol TEXT NOT NULL, PRIMARY KEY (pathway_id, version))""",
}


@dataclass(frozen=True)
class FidelityGroup:
    """Structural fidelity of one group (``key``: the therapist or protocol; None for all).
    Each ``*_decided`` is the denominator of the count after it."""

    key: str | None
    pathways: int
    initial_decided: int
    initial_within_cap: int
    ending_decided: int
    ending_in_time: int
    cadence_decided: int
    cadence_met: int
    deviations: int
    renegotiations: int
    initial_within_cap_rate: float | None
    ending_in_time_rate: float | None
    cadence_met_rate: float | None


@dataclass(frozen=True)
class DeviationCount:
    rule: str
    deviations: int
    pathways: int


@dataclass(frozen=True)
class PathwayFidelity:
    pathway_id: str
    therapist: str
    protocol: str
    protocol_version: int
    initial_sessions: int
    initial_cap: int
    initial_within_cap: bool | None
    contracted: int | None
    ending_start: int | None
    discussed_at: int | None
    ending_in_time: bool | None
    measure_every: int
    longest_unmeasured_run: int
    """The most acute sessions held between two PHQ-9/GAD-7 measures (or since the last)."""
    cadence_met: bool | None
    deviations: int
    renegotiations: int


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _scope(where: Where, therapist: Who, protocol: str | None, prefix: str = ""
           ) -> Where:
    where.equal(f"{prefix}therapist", therapist).equal(f"{prefix}protocol", protocol)
    return counted(where, f"{prefix}closed_reason")


_SUMMARY = (
    "SELECT {key}, COUNT(*),"
    " SUM(CASE WHEN initial_within_cap IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN initial_within_cap = 1 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN ending_in_time IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN ending_in_time = 1 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN cadence_met IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN cadence_met = 1 THEN 1 ELSE 0 END)"
    " FROM {{pathways}}{where}{group}")
_RECORDED = "SELECT {key}, COUNT(*) FROM {{{table}}} r{where}{group}"


def _recorded(therapist: Who, protocol: str | None, since: datetime | date | None,
              until: datetime | date | None) -> Where:
    """Deviations or renegotiations (``r``) by their own time, of pathways not entered in
    error (the few such pathways are read once, by their index)."""
    where = (Where().equal("r.therapist", therapist).equal("r.protocol", protocol)
             .within("r.occurred_at", since, until)
             .also("r.pathway_id NOT IN (SELECT pathway_id FROM {pathways}"
                   " WHERE closed_reason = :entered_in_error)"))
    where.params["entered_in_error"] = ENTERED_IN_ERROR
    return where


_COUNTS = (7, 1, 1)
"""Counts of an indicators row, a deviations row and a renegotiations row."""


def _tallies(tx: Tx, columns: Sequence[str], *, therapist: Who, protocol: str | None,
             since: datetime | date | None, until: datetime | date | None) -> list[Tally]:
    """The indicators', deviations' and renegotiations' counts grouped by ``columns``."""
    width = len(columns) or 1
    key = ", ".join(columns) or "NULL"
    active = (_scope(Where(), therapist, protocol).since("last_activity_at", since)
              .until("opened_at", until))
    group = f" GROUP BY {key}" if columns else ""  # PostgreSQL refuses GROUP BY a constant
    tallies = [tally(tx.all(_SUMMARY.format(key=key, where=active.sql, group=group),
                            active.params), width)]
    recorded_key = ", ".join(f"r.{column}" for column in columns) or "NULL"
    for table in ("deviations", "renegotiations"):
        where = _recorded(therapist, protocol, since, until)
        statement = _RECORDED.format(key=recorded_key, table=table, where=where.sql,
                                     group=f" GROUP BY {recorded_key}" if columns else "")
        tallies.append(tally(tx.all(statement, where.params), width))
    return tallies


def _groups(tallies: list[Tally], position: int | None) -> list[FidelityGroup]:
    summed = rollup(tallies, position, _COUNTS)
    return [_group(key, summed[key][0], summed[key][1][0], summed[key][2][0])
            for key in in_key_order(summed)]


def fidelity_summary(tx: Tx, *, by: GroupBy | None = None, therapist: Who = None,
                     protocol: str | None = None, since: datetime | date | None = None,
                     until: datetime | date | None = None) -> list[FidelityGroup]:
    """Structural fidelity grouped ``by`` therapist or protocol (one group of all when None),
    in key order."""
    tallies = _tallies(tx, [by] if by else [], therapist=therapist, protocol=protocol,
                       since=since, until=until)
    return _groups(tallies, 0 if by else None)


@dataclass(frozen=True)
class FidelitySummaries:
    """``fidelity_summary`` for everyone, by protocol and by therapist, read together."""

    everyone: FidelityGroup
    by_protocol: list[FidelityGroup]
    by_therapist: list[FidelityGroup]


def fidelity_summaries(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                       since: datetime | date | None = None,
                       until: datetime | date | None = None) -> FidelitySummaries:
    """What the dashboard shows, from one query of each kind grouped by protocol and
    therapist, added up in Python."""
    tallies = _tallies(tx, ["protocol", "therapist"], therapist=therapist, protocol=protocol,
                       since=since, until=until)
    everyone = _groups(tallies, None)
    return FidelitySummaries(
        everyone=everyone[0] if everyone else _group(None, [0] * _COUNTS[0], 0, 0),
        by_protocol=_groups(tallies, 0), by_therapist=_groups(tallies, 1))


def _group(key: str | None, n: list[int], deviations: int, renegotiations: int
           ) -> FidelityGroup:
    return FidelityGroup(
        key=key, pathways=n[0], initial_decided=n[1], initial_within_cap=n[2],
        ending_decided=n[3], ending_in_time=n[4], cadence_decided=n[5], cadence_met=n[6],
        deviations=deviations, renegotiations=renegotiations,
        initial_within_cap_rate=_rate(n[2], n[1]), ending_in_time_rate=_rate(n[4], n[3]),
        cadence_met_rate=_rate(n[6], n[5]))


def deviations_by_rule(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                       since: datetime | date | None = None,
                       until: datetime | date | None = None) -> list[DeviationCount]:
    """Deviations recorded in [``since``, ``until``) by rule id, most frequent first."""
    where = _recorded(therapist, protocol, since, until)
    rows = tx.all("SELECT r.rule, COUNT(*), COUNT(DISTINCT r.pathway_id) FROM {deviations} r"
                  + where.sql + " GROUP BY r.rule ORDER BY COUNT(*) DESC, r.rule", where.params)
    return [DeviationCount(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def pathway_fidelity(tx: Tx, pathway_id: UUID | str) -> PathwayFidelity | None:
    row = tx.one(
        "SELECT pathway_id, therapist, protocol, protocol_version, initial_sessions,"
        " initial_cap, initial_within_cap, contracted, ending_start, discussed_at,"
        " ending_in_time, measure_every, max_measure_gap, sessions_held, last_measure_session,"
        " cadence_met, deviations, renegotiations FROM {pathways}"
        " WHERE pathway_id = :pathway_id", {"pathway_id": str(pathway_id)})
    if row is None:
        return None
    current_gap = row[13] - (row[14] or 0)
    return PathwayFidelity(
        pathway_id=row[0], therapist=row[1], protocol=row[2], protocol_version=row[3],
        initial_sessions=row[4], initial_cap=row[5], initial_within_cap=maybe_flag(row[6]),
        contracted=row[7], ending_start=row[8], discussed_at=row[9],
        ending_in_time=maybe_flag(row[10]), measure_every=row[11],
        longest_unmeasured_run=max(row[12], current_gap), cadence_met=maybe_flag(row[15]),
        deviations=row[16], renegotiations=row[17])
