"""Events -> outcome rows: one row per pathway, one per measure, and the trajectory's sums.

A batch reads the rows of the pathways it touches once, folds every event into them in
memory, and writes the changed rows back with one upsert; measures are only ever inserted.
A measure that is the pathway's first of its instrument at its stage and session (its point
on the trajectory) adds itself to the trajectory's sums (``points``); a pathway closed as
entered in error takes its points back out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from domain.pathway import events as e
from domain.protocols import acute_protocol
from projections.log import LoggedEvent
from projections.outcomes.points import Points
from projections.outcomes.view import ACUTE, MAINTENANCE, NAME, RELIABLE_CHANGE, TABLES
from projections.rows import (
    ENTERED_IN_ERROR,
    Rows,
    insert,
    iso,
    of_types,
    opened_in,
    rows_by_pathway,
    select_by_pathway,
    upsert,
)
from projections.store import Tx

PATHWAY_COLUMNS = (
    "pathway_id", "therapist", "protocol", "protocol_version", "focus", "opened_at",
    "sessions_held", "maintenance_sessions", "phq9_baseline", "phq9_latest", "gad7_baseline",
    "gad7_latest", "last_measured_at", "review_session", "reviewed_at", "improved_by_review",
    "completed_at", "outcome", "outcome_instrument", "outcome_baseline", "outcome_final",
    "next_step", "closed_at", "closed_reason", "points")
MEASURE_COLUMNS = ("pathway_id", "version", "instrument", "total", "band", "stage", "session",
                   "occurred_at", "therapist", "protocol", "first_at_session")
_UPSERT = upsert("pathways", PATHWAY_COLUMNS, ("pathway_id",))
_INSERT = insert("measures", MEASURE_COLUMNS)
Row = dict[str, Any]


def _opened(event: Any) -> Row:
    protocol = acute_protocol(event.protocol_id, event.protocol_version)
    return dict.fromkeys(PATHWAY_COLUMNS) | {
        "therapist": event.therapist_id, "protocol": event.protocol_id,
        "protocol_version": event.protocol_version, "opened_at": iso(event.occurred_at),
        "sessions_held": 0, "maintenance_sessions": 0,
        "review_session": protocol.review_at_session, "improved_by_review": 0, "points": "{}"}


def _focus(row: Row, event: Any) -> None:
    row["focus"] = event.primary


def _renegotiated(row: Row, event: Any) -> None:
    if "foci" in event.changed:
        row["focus"] = event.foci[0]


def _session(row: Row, event: Any) -> None:
    if event.phase == MAINTENANCE:
        row["maintenance_sessions"] += 1
        return
    row["sessions_held"] += 1
    if row["sessions_held"] == row["review_session"] and row["reviewed_at"] is None:
        row["reviewed_at"] = iso(event.occurred_at)


def _measured(row: Row, event: Any) -> Row:
    """Returns the measure's own row; an acute PHQ-9 or GAD-7 moves the pathway's scores."""
    acute = row["completed_at"] is None
    instrument = event.instrument
    stage = ACUTE if acute else MAINTENANCE
    session = row["sessions_held"] if acute else row["maintenance_sessions"]
    points = orjson.loads(row["points"])  # each instrument's latest [stage, session]
    first = points.get(instrument) != [stage, session]  # sessions only grow within a stage
    if first:
        points[instrument] = [stage, session]
        row["points"] = orjson.dumps(points).decode()
    if acute and instrument in RELIABLE_CHANGE:
        if row[f"{instrument}_baseline"] is None:
            row[f"{instrument}_baseline"] = event.total
        row[f"{instrument}_latest"] = event.total
        row["last_measured_at"] = iso(event.occurred_at)
        drop = row[f"{instrument}_baseline"] - event.total
        if (instrument == "phq9" and drop >= RELIABLE_CHANGE["phq9"]
                and row["sessions_held"] <= row["review_session"]):
            row["improved_by_review"] = 1
    return {"pathway_id": row["pathway_id"], "version": event.originator_version,
            "instrument": instrument, "total": event.total, "band": event.band,
            "stage": stage, "session": session, "occurred_at": iso(event.occurred_at),
            "therapist": row["therapist"], "protocol": row["protocol"],
            "first_at_session": 1 if first else 0}


def _withdraw(tx: Tx, pathway_ids: set[str], batch_measures: list[Row], points: Points
              ) -> None:
    """Take the points of pathways closed as entered in error back out of the sums."""
    stored = select_by_pathway(tx, "measures", MEASURE_COLUMNS, pathway_ids)
    for measure in [*stored, *(m for m in batch_measures if m["pathway_id"] in pathway_ids)]:
        points.add(measure, -1)


def _completed(row: Row, event: Any) -> None:
    row.update(completed_at=iso(event.occurred_at), outcome=event.outcome,
               outcome_instrument=event.instrument, outcome_baseline=event.baseline_total,
               outcome_final=event.final_total, next_step=event.next_step)


def _closed(row: Row, event: Any) -> None:
    row.update(closed_at=iso(event.occurred_at), closed_reason=event.reason)


_FOLDS: dict[type[e.PathwayEvent], Callable[[Row, Any], None]] = {
    e.FocusChosen: _focus, e.ContractRenegotiated: _renegotiated, e.SessionHeld: _session,
    e.AcuteCourseCompleted: _completed, e.PathwayClosed: _closed,
}
_RELEVANT = frozenset({*_FOLDS, e.MeasureRecorded, e.PathwayOpened})


class OutcomesProjection:
    name = NAME
    version = 3
    tables = TABLES
    handles = _RELEVANT

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        relevant = of_types(batch, _RELEVANT)
        opened = opened_in(relevant)
        wanted = {str(ev.originator_id) for ev in relevant} - opened
        rows: Rows = rows_by_pathway(tx, "pathways", PATHWAY_COLUMNS, wanted)
        measures: list[Row] = []
        changed: set[str] = set()
        points = Points()
        withdrawn: set[str] = set()
        for event in relevant:
            pathway_id = str(event.originator_id)
            kind = type(event)
            if kind is e.PathwayOpened:
                rows[pathway_id] = _opened(event) | {"pathway_id": pathway_id}
            elif kind is e.MeasureRecorded:
                measures.append(measure := _measured(rows[pathway_id], event))
                points.add(measure)
            else:
                _FOLDS[kind](rows[pathway_id], event)
                if kind is e.PathwayClosed and event.reason == ENTERED_IN_ERROR:
                    withdrawn.add(pathway_id)
            changed.add(pathway_id)
        if withdrawn:
            _withdraw(tx, withdrawn, measures, points)
        tx.executemany(_UPSERT, [rows[pathway_id] for pathway_id in sorted(changed)])
        tx.executemany(_INSERT, measures)
        points.write(tx)
