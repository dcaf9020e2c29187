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

The mean trajectory counts one point per pathway and session number: the first measure of the
instrument taken there (a second one before the next session, a repeat after missed weeks, is
on the pathway's own trajectory but not averaged twice). The projection keeps those points
summed by instrument, stage, session, therapist and protocol (``trajectory``), so the
dashboard's trajectory reads a few hundred rows at any caseload size; a date range or a focus
reads the measures themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from uuid import UUID

from domain.vocabulary import NO_RESPONSE, PARTIAL, REMISSION, RESPONSE, Instrument
from projections.outcomes.points import TABLES as POINT_TABLES
from projections.rollup import Tally, in_key_order, rollup, tally
from projections.rows import ENTERED_IN_ERROR, Where, Who, counted, parse_time
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
        next_step TEXT, closed_at TEXT, closed_reason TEXT, points TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS {pathways}_completions ON {pathways} (protocol, therapist,
            completed_at, closed_reason, focus, outcome, phq9_baseline, phq9_latest,
            gad7_baseline, gad7_latest);
        CREATE INDEX IF NOT EXISTS {pathways}_reviews ON {pathways} (protocol, therapist,
            reviewed_at, closed_reason, focus, phq9_baseline, improved_by_review);
        CREATE INDEX IF NOT EXISTS {pathways}_off_track ON {pathways} (reviewed_at, pathway_id)
            WHERE improved_by_review = 0 AND completed_at IS NULL AND closed_at IS NULL""",
    "measures": """CREATE TABLE IF NOT EXISTS {measures} (
        pathway_id TEXT NOT NULL, version INTEGER NOT NULL, instrument TEXT NOT NULL,
        total INTEGER NOT NULL, band TEXT NOT NULL, stage TEXT NOT NULL,
        session INTEGER NOT NULL, occurred_at TEXT NOT NULL, therapist TEXT NOT NULL,
        protocol TEXT NOT NULL, first_at_session INTEGER NOT NULL,
        PRIMARY KEY (pathway_id, version));
        CREATE INDEX IF NOT EXISTS {measures}_by_time
            ON {measures} (instrument, stage, occurred_at)""",
    **POINT_TABLES,
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


def _filters(where: Where, therapist: Who, protocol: str | None,
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
                    therapist: Who = None, protocol: str | None = None,
                    focus: str | None = None, since: datetime | date | None = None,
                    until: datetime | date | None = None) -> list[TrajectoryPoint]:
    """The mean total by session number over pathways, each counted once per session (its
    first measure there); ``since``/``until`` select the measures by their own time."""
    where = (Where().equal("instrument", instrument).equal("stage", stage)
             .equal("therapist", therapist).equal("protocol", protocol))
    days = _days(since), _days(until)
    if focus is None and since is None and until is None:
        source = "{trajectory}"
    elif focus is None and (since is None or days[0]) and (until is None or days[1]):
        source = "{trajectory_days}"
        for condition, day in (("day >= :since_day", days[0]), ("day < :until_day", days[1])):
            if day is not None:
                where.parts.append(condition)
                where.params[condition.rsplit(":", 1)[1]] = day.isoformat()
    else:
        return _measured_trajectory(tx, instrument=instrument, stage=stage, therapist=therapist,
                                    protocol=protocol, focus=focus, since=since, until=until)
    rows = tx.all(f"SELECT session, SUM(pathways), SUM(total) FROM {source}" + where.sql
                  + " GROUP BY session HAVING SUM(pathways) > 0 ORDER BY session",
                  where.params)
    return [TrajectoryPoint(int(r[0]), int(r[1]), int(r[2]) / int(r[1])) for r in rows]


def _days(moment: datetime | date | None) -> date | None:
    """The day ``moment`` starts (UTC), if it is a day's start; None otherwise."""
    if moment is None or not isinstance(moment, datetime):
        return moment
    utc = moment.astimezone(UTC)
    return utc.date() if utc.time() == time() else None


def _measured_trajectory(tx: Tx, *, instrument: Instrument, stage: Stage,
                         therapist: Who, protocol: str | None, focus: str | None,
                         since: datetime | date | None, until: datetime | date | None
                         ) -> list[TrajectoryPoint]:
    """``mean_trajectory`` read from the measures themselves (a focus, or a range that does
    not fall on days' starts)."""
    where = (Where().equal("m.instrument", instrument).equal("m.stage", stage)
             .also("m.first_at_session = 1").equal("m.therapist", therapist)
             .equal("m.protocol", protocol).within("m.occurred_at", since, until))
    if focus is None:
        where.also("m.pathway_id NOT IN (SELECT pathway_id FROM {pathways}"
                   " WHERE closed_reason = :entered_in_error)")
        where.params["entered_in_error"] = ENTERED_IN_ERROR
        source = "{measures} m"
    else:
        counted(where.equal("p.focus", focus), "p.closed_reason")
        source = "{measures} m JOIN {pathways} p ON p.pathway_id = m.pathway_id"
    rows = tx.all(f"SELECT m.session, COUNT(*), AVG(m.total) FROM {source}" + where.sql
                  + " GROUP BY m.session ORDER BY m.session", where.params)
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


_COUNTS = (11, 2)
"""How many counts a completions row and a reviews row carry."""


def _tallies(tx: Tx, columns: Sequence[str], *, therapist: Who, protocol: str | None,
             focus: str | None, since: datetime | date | None, until: datetime | date | None
             ) -> tuple[Tally, Tally]:
    """The completions' and the reviews' counts grouped by ``columns`` (none: one group)."""
    key = ", ".join(columns) or "NULL"
    group = f" GROUP BY {key}" if columns else ""  # PostgreSQL refuses GROUP BY a constant
    width = len(columns) or 1
    done = _filters(Where().also("completed_at IS NOT NULL"), therapist, protocol, focus
                    ).within("completed_at", since, until)
    done.params.update(remission=REMISSION, response=RESPONSE, partial=PARTIAL,
                       no_response=NO_RESPONSE, **RELIABLE_CHANGE)
    completions = tally(tx.all(_COMPLETIONS.format(key=key, where=done.sql, group=group),
                               done.params), width)
    seen = _filters(Where().also("reviewed_at IS NOT NULL").also("phq9_baseline IS NOT NULL"),
                    therapist, protocol, focus).within("reviewed_at", since, until)
    reviews = tally(tx.all(_REVIEWS.format(key=key, where=seen.sql, group=group), seen.params),
                    width)
    return completions, reviews


def _groups(completions: Tally, reviews: Tally, position: int | None) -> list[OutcomeGroup]:
    """Groups keyed by the column at ``position`` of the tallies' keys (None: all in one),
    their counts added up, in key order."""
    summed = rollup((completions, reviews), position, _COUNTS)
    return [_group(key, *summed[key]) for key in in_key_order(summed)]


def outcome_summary(tx: Tx, *, by: GroupBy | None = None, therapist: Who = None,
                    protocol: str | None = None, focus: str | None = None,
                    since: datetime | date | None = None,
                    until: datetime | date | None = None) -> list[OutcomeGroup]:
    """Outcomes grouped ``by`` protocol, focus or therapist (one group of all when None),
    in key order: completions that fall in [``since``, ``until``), reviews held in it."""
    columns = [GROUP_COLUMNS[by]] if by else []
    completions, reviews = _tallies(tx, columns, therapist=therapist, protocol=protocol,
                                    focus=focus, since=since, until=until)
    return _groups(completions, reviews, 0 if by else None)


@dataclass(frozen=True)
class OutcomeSummaries:
    """``outcome_summary`` for everyone, by protocol, by therapist and by focus, read
    together."""

    everyone: OutcomeGroup
    by_protocol: list[OutcomeGroup]
    by_therapist: list[OutcomeGroup]
    by_focus: list[OutcomeGroup]


def outcome_summaries(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                      focus: str | None = None, since: datetime | date | None = None,
                      until: datetime | date | None = None) -> OutcomeSummaries:
    """What the dashboard shows, from one query of each kind grouped by protocol, therapist
    and focus, added up in Python (the counts add; the rates are made from the sums)."""
    completions, reviews = _tallies(tx, ["protocol", "therapist", "focus"],
                                    therapist=therapist, protocol=protocol, focus=focus,
                                    since=since, until=until)
    everyone = _groups(completions, reviews, None)
    return OutcomeSummaries(
        everyone=everyone[0] if everyone else _group(None, [0] * _COUNTS[0], [0, 0]),
        by_protocol=_groups(completions, reviews, 0),
        by_therapist=_groups(completions, reviews, 1),
        by_focus=_groups(completions, reviews, 2))


def _group(key: str | None, c: list[int], reviews: list[int]) -> OutcomeGroup:
    reviewed, off_track = reviews
    return OutcomeGroup(
        key=key, completed=c[0], remission=c[1], response=c[2], partial=c[3], no_response=c[4],
        phq9_paired=c[5], phq9_improved=c[6], phq9_deteriorated=c[7], gad7_paired=c[8],
        gad7_improved=c[9], gad7_deteriorated=c[10], reviewed=reviewed, not_on_track=off_track,
        remission_rate=_rate(c[1], c[0]), response_rate=_rate(c[2], c[0]),
        phq9_improvement_rate=_rate(c[6], c[5]), gad7_improvement_rate=_rate(c[9], c[8]),
        not_on_track_rate=_rate(off_track, reviewed))


def _off_track(therapist: Who, protocol: str | None, focus: str | None,
               active_only: bool) -> Where:
    where = _filters(Where().also("reviewed_at IS NOT NULL").also("improved_by_review = 0")
                     .also("phq9_baseline IS NOT NULL"), therapist, protocol, focus)
    if active_only:
        where.also("completed_at IS NULL").also("closed_at IS NULL")
    return where


def not_on_track(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                 focus: str | None = None, active_only: bool = True,
                 limit: int | None = None) -> list[NotOnTrack]:
    """Pathways not on track, longest first (only those still in the acute course unless
    ``active_only`` is False; the first ``limit``, if given)."""
    where = _off_track(therapist, protocol, focus, active_only)
    first = ""
    if limit is not None:
        first = " LIMIT :limit"
        where.params["limit"] = limit
    rows = tx.all("SELECT pathway_id, therapist, protocol, focus, sessions_held, phq9_baseline,"
                  " phq9_latest, reviewed_at, last_measured_at FROM {pathways}" + where.sql
                  + " ORDER BY reviewed_at, pathway_id" + first, where.params)
    return [NotOnTrack(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                       datetime.fromisoformat(r[7]), parse_time(r[8])) for r in rows]


def not_on_track_count(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
                       focus: str | None = None, active_only: bool = True) -> int:
    """How many pathways ``not_on_track`` would list without a limit."""
    where = _off_track(therapist, protocol, focus, active_only)
    return int(tx.scalar("SELECT COUNT(*) FROM {pathways}" + where.sql, where.params) or 0)
