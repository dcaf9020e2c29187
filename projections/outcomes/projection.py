"""Events -> outcome rows: one row per pathway, one per measure.

A batch reads the rows of the pathways it touches once, folds every event into them in
memory, and writes the changed rows back with one upsert; measures are only ever inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.pathway import events as e
from domain.protocols import acute_protocol
from projections.log import LoggedEvent
from projections.outcomes.view import ACUTE, MAINTENANCE, NAME, RELIABLE_CHANGE, TABLES
from projections.rows import Rows, insert, iso, of_types, opened_in, rows_by_pathway, upsert
from projections.store import Tx

PATHWAY_COLUMNS = (
    "pathway_id", "therapist", "protocol", "protocol_version", "focus", "opened_at",
    "sessions_held", "maintenance_sessions", "phq9_baseline", "phq9_latest", "gad7_baseline",
    "gad7_latest", "last_measured_at", "review_session", "reviewed_at", "improved_by_review",
    "completed_at", "outcome", "outcome_instrument", "outcome_baseline", "outcome_final",
    "next_step", "closed_at", "closed_reason")
MEASURE_COLUMNS = ("pathway_id", "version", "instrument", "total", "band", "stage", "session",
                   "occurred_at")
_UPSERT = upsert("pathways", PATHWAY_COLUMNS, ("pathway_id",))
_INSERT = insert("measures", MEASURE_COLUMNS)
Row = dict[str, Any]


def _opened(event: Any) -> Row:
    protocol = acute_protocol(event.protocol_id, event.protocol_version)
    return dict.fromkeys(PATHWAY_COLUMNS) | {
        "therapist": event.therapist_id, "protocol": event.protocol_id,
        "protocol_version": event.protocol_version, "opened_at": iso(event.occurred_at),
        "sessions_held": 0, "maintenance_sessions": 0,
        "review_session": protocol.review_at_session, "improved_by_review": 0}


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
            "stage": ACUTE if acute else MAINTENANCE,
            "session": row["sessions_held"] if acute else row["maintenance_sessions"],
            "occurred_at": iso(event.occurred_at)}


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
    version = 1
    tables = TABLES
    handles = _RELEVANT

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        relevant = of_types(batch, _RELEVANT)
        opened = opened_in(relevant)
        wanted = {str(ev.originator_id) for ev in relevant} - opened
        rows: Rows = rows_by_pathway(tx, "pathways", PATHWAY_COLUMNS, wanted)
        measures: list[Row] = []
        changed: set[str] = set()
        for event in relevant:
            pathway_id = str(event.originator_id)
            kind = type(event)
            if kind is e.PathwayOpened:
                rows[pathway_id] = _opened(event) | {"pathway_id": pathway_id}
            elif kind is e.MeasureRecorded:
                measures.append(_measured(rows[pathway_id], event))
            else:
                _FOLDS[kind](rows[pathway_id], event)
            changed.add(pathway_id)
        tx.executemany(_UPSERT, [rows[pathway_id] for pathway_id in sorted(changed)])
        tx.executemany(_INSERT, measures)
