"""Outcomes: PHQ-9 and GAD-7 trajectories, response and remission at completion, reliable
improvement, and pathways not on track, by protocol, focus or therapist.

Reliable improvement is counted as NHS Talking Therapies count it: a drop from the first score
of the instrument (its baseline) to the latest score of the acute course of at least 6 PHQ-9
points or 4 GAD-7 points (a rise as large is a reliable deterioration). A pathway is *not on
track* when it has held the protocol's review session (``Protocol.review_at_session``, 8)
without a PHQ-9 measured by then showing reliable improvement. Response counts the completion
outcomes ``response`` and ``remission`` (remission takes precedence in the outcome, and a
remitter has responded); every count comes from ``AcuteCourseCompleted``'s outcome.

Each count filters on the clinical time of its own fact: completions on ``completed_at``,
reviews on the time the review session was held, measures on their own time. Pathways closed as
entered in error are left out. Query functions take a ``Tx`` scoped to the live tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from domain.vocabulary import NO_RESPONSE, PARTIAL, REMISSION, RESPONSE, Instrument
from projections.rows import Where, counted, parse_time
from projections.store import Tx

NAME = "outcomes"
RELIABLE_CHANGE: dict[str, int] = {"phq9": 6, "gad7": 4}
"""Points of change that count as reliable (NHS Talking Therapies)."""
ACUTE, MAINTENANCE = "acute", "maintenance"
Stage = Literal["acute", "maintenance"]
"""Where a measure was taken: in the acute course, or after it completed (maintenance)."""
GroupBy = Literal["protocol", "focus", "therapist"]

TABLES = {
    "pathways": """CREATE TABLE IF NOT EXISTS {pathways} (
        pathway_id TEXT PRIMARY KEY, therapist TEXT NOT NULL, protocol TEXT NOT NULL,
        protocol_version INTEGER NOT NULL, focus TEXT, opened_at TEXT NOT NULL,
        sessions_held INTEGER NOT NULL, maintenance_sessions INTEGER NOT NULL,
        phq9_baseline INTEGER, phq9_latest INTEGER, gad7_baseline INTEGER, gad7_latest INTEGER,
        last_measured_at TEXT, review_session INTEGER NOT NULL, reviewed_at TEXT,
        improved_by_review INTEGER NOT NULL, completed_at TEXT, outcome TEXT,
        outcome_instrument TEXT, outcome_baseline INTEGER, outcome_final INTEGER,
        next_step TEXT, closed_at TEXT, closed_reason TEXT);
        CREATE INDEX IF NOT EXISTS {pathways}_completed ON {pathways} (completed_at);
        CREATE INDEX IF NOT EXISTS {pathways}_reviewed ON {pathways} (reviewed_at)""",
    "measures": """CREATE TABLE IF NOT EXISTS {measures} (
        pathway_id TEXT NOT NULL, version INTEGER NOT NULL, instrument TEXT NOT NULL,
        total INTEGER NOT NULL, band TEXT NOT NULL, stage TEXT NOT NULL,
        session INTEGER NOT NULL, occurred_at TEXT NOT NULL,
        PRIMARY KEY (pathway_id, version));
        CREATE INDEX IF NOT EXISTS {measures}_by_instrument
            ON {measures} (instrument, stage, session)""",
}
GROUP_COLUMNS: dict[str, str] = {"protocol": "protocol", "focus": "focus",
                                 "therapist": "therapist"}


@dataclass(frozen=True)
class MeasurePoint:
    """One measure on a pathway's trajectory: ``session`` is how many sessions of its stage
    had been held when it was taken (0: the baseline, before session 1)."""

    version: int
    instrument: str
    total: int
    band: str
    stage: str
    session: int
    occurred_at: datetime


@dataclass(frozen=True)
class TrajectoryPoint:
    """The mean total of an instrument at one session number, over ``pathways``."""

    session: int
    pathways: int
    mean_total: float


@dataclass(frozen=True)
class OutcomeGroup:
    """Outcomes of one group (``key`` is the protocol, focus or therapist; None for all)."""

    key: str | None
    completed: int
    remission: int
    response: int
    """Completions in response or remission."""
    partial: int
    no_response: int
    phq9_paired: int
    """Completions with a PHQ-9 baseline and a later PHQ-9: the denominator of the next two."""
    phq9_improved: int
    phq9_deteriorated: int
    gad7_paired: int
    gad7_improved: int
    gad7_deteriorated: int
    reviewed: int
    """Pathways that held the review session (8) with a PHQ-9 baseline."""
    not_on_track: int
    remission_rate: float | None
    response_rate: float | None
    phq9_improvement_rate: float | None
    gad7_improvement_rate: float | None
    not_on_track_rate: float | None


@dataclass(frozen=True)
class NotOnTrack:
    """A pathway past its review session without reliable PHQ-9 improvement."""

    pathway_id: str
    therapist: str
    protocol: str
    focus: str | None
    sessions_held: int
    phq9_baseline: int
    phq9_latest: int | None
    reviewed_at: datetime
    last_measured_at: datetime | None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _filters(where: Where, therapist: str | None, protocol: str | None,
             focus: str | None, prefix: str = "") -> Where:
    where.equal(f"{prefix}therapist", therapist).equal(f"{prefix}protocol", protocol)
    return counted(where.equal(f"{prefix}focus", focus), f"{prefix}closed_reason")


def trajectory(tx: Tx, pathway_id: UUID | str, *, instrument: Instrument | None = None
               ) -> list[MeasurePoint]:
    """Every measure of one pathway (of one instrument, if given), oldest first."""
    where = Where().equal("pathway_id", str(pathway_id)).equal("instrument", instrument)
    rows = tx.all("SELECT version, instrument, total, band, stage, session, occurred_at"
                  " FROM {measures}" + where.sql + " ORDER BY version", where.params)
    return [MeasurePoint(r[0], r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]))
            for r in rows]


def mean_trajectory(tx: Tx, *, instrument: Instrument = "phq9", stage: Stage = "acute",
                    therapist: str | None = None, protocol: str | None = None,
                    focus: str | None = None, since: datetime | date | None = None,
                    until: datetime | date | None = None) -> list[TrajectoryPoint]:
    """The mean total by session number (``since``/``until`` on the measures' times)."""
    where = _filters(Where().equal("m.instrument", instrument).equal("m.stage", stage),
                     therapist, protocol, focus, "p.").within("m.occurred_at", since, until)
    rows = tx.all("SELECT m.session, COUNT(DISTINCT m.pathway_id), AVG(m.total)"
                  " FROM {measures} m JOIN {pathways} p ON p.pathway_id = m.pathway_id"
                  + where.sql + " GROUP BY m.session ORDER BY m.session", where.params)
    return [TrajectoryPoint(int(r[0]), int(r[1]), float(r[2])) for r in rows]


_COMPLETIONS = (
    "SELECT {key}, COUNT(*),"
    " SUM(CASE WHEN outcome = :remission THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN outcome IN (:remission, :response) THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN outcome = :partial THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN outcome = :no_response THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN phq9_baseline IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN phq9_baseline - phq9_latest >= :phq9 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN phq9_latest - phq9_baseline >= :phq9 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN gad7_baseline IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN gad7_baseline - gad7_latest >= :gad7 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN gad7_latest - gad7_baseline >= :gad7 THEN 1 ELSE 0 END)"
    " FROM {{pathways}}{where}{group}")
_REVIEWS = ("SELECT {key}, COUNT(*), SUM(CASE WHEN improved_by_review = 0 THEN 1 ELSE 0 END)"
            " FROM {{pathways}}{where}{group}")


def outcome_summary(tx: Tx, *, by: GroupBy | None = None, therapist: str | None = None,
                    protocol: str | None = None, focus: str | None = None,
                    since: datetime | date | None = None,
                    until: datetime | date | None = None) -> list[OutcomeGroup]:
    """Outcomes grouped ``by`` protocol, focus or therapist (one group of all when None),
    in key order: completions that fall in [``since``, ``until``), reviews held in it."""
    key = GROUP_COLUMNS[by] if by else "NULL"
    group = f" GROUP BY {key}" if by else ""  # PostgreSQL refuses GROUP BY a constant
    done = _filters(Where().also("completed_at IS NOT NULL"), therapist, protocol, focus
                    ).within("completed_at", since, until)
    done.params.update(remission=REMISSION, response=RESPONSE, partial=PARTIAL,
                       no_response=NO_RESPONSE, **RELIABLE_CHANGE)
    statement = _COMPLETIONS.format(key=key, where=done.sql, group=group)
    completions = {r[0]: r[1:] for r in tx.all(statement, done.params)}
    seen = _filters(Where().also("reviewed_at IS NOT NULL").also("phq9_baseline IS NOT NULL"),
                    therapist, protocol, focus).within("reviewed_at", since, until)
    statement = _REVIEWS.format(key=key, where=seen.sql, group=group)
    reviews = {r[0]: r[1:] for r in tx.all(statement, seen.params)}
    keys = sorted(set(completions) | set(reviews), key=lambda k: (k is not None, k or ""))
    return [_group(k, completions.get(k), reviews.get(k)) for k in keys]


def _group(key: str | None, done: tuple[Any, ...] | None,
           reviews: tuple[Any, ...] | None) -> OutcomeGroup:
    c = [int(value or 0) for value in done] if done else [0] * 11
    reviewed, off_track = (int(reviews[0]), int(reviews[1] or 0)) if reviews else (0, 0)
    return OutcomeGroup(
        key=key, completed=c[0], remission=c[1], response=c[2], partial=c[3], no_response=c[4],
        phq9_paired=c[5], phq9_improved=c[6], phq9_deteriorated=c[7], gad7_paired=c[8],
        gad7_improved=c[9], gad7_deteriorated=c[10], reviewed=reviewed, not_on_track=off_track,
        remission_rate=_rate(c[1], c[0]), response_rate=_rate(c[2], c[0]),
        phq9_improvement_rate=_rate(c[6], c[5]), gad7_improvement_rate=_rate(c[9], c[8]),
        not_on_track_rate=_rate(off_track, reviewed))


def not_on_track(tx: Tx, *, therapist: str | None = None, protocol: str | None = None,
                 focus: str | None = None, active_only: bool = True) -> list[NotOnTrack]:
    """Pathways not on track, longest first (only those still in the acute course unless
    ``active_only`` is False)."""
    where = _filters(Where().also("reviewed_at IS NOT NULL").also("improved_by_review = 0")
                     .also("phq9_baseline IS NOT NULL"), therapist, protocol, focus)
    if active_only:
        where.also("completed_at IS NULL").also("closed_at IS NULL")
    rows = tx.all("SELECT pathway_id, therapist, protocol, focus, sessions_held, phq9_baseline,"
                  " phq9_latest, reviewed_at, last_measured_at FROM {pathways}" + where.sql
                  + " ORDER BY reviewed_at, pathway_id", where.params)
    return [NotOnTrack(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                       datetime.fromisoformat(r[7]), parse_time(r[8])) for r in rows]
