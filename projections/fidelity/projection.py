"""Events -> structural fidelity rows: one per pathway, one per deviation and renegotiation.

A batch reads the rows of the pathways it touches once, folds every event into them in
memory, decides each indicator again from the row (``_decide``), and writes the changed rows
with one upsert; deviations and renegotiations are only ever inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.pathway import events as e
from domain.protocols import acute_protocol
from domain.vocabulary import INITIAL, MAINTENANCE
from projections.fidelity.view import NAME, TABLES
from projections.log import LoggedEvent
from projections.rows import Rows, flag, insert, iso, of_types, opened_in, rows_by_pathway, upsert
from projections.store import Tx

PATHWAY_COLUMNS = (
    "pathway_id", "therapist", "protocol", "protocol_version", "opened_at", "last_activity_at",
    "initial_sessions", "initial_cap", "left_initial", "contracted", "ending_start",
    "sessions_held", "discussed_at", "measure_every", "last_measure_session",
    "max_measure_gap", "completed", "closed_reason", "deviations", "renegotiations",
    "initial_within_cap", "ending_in_time", "cadence_met")
MEASURED = frozenset({"phq9", "gad7"})
"""The instruments the cadence counts (the IPT Institute asks for PHQ-9/GAD-7)."""
_UPSERT = upsert("pathways", PATHWAY_COLUMNS, ("pathway_id",))
_DEVIATION = insert("deviations", ("pathway_id", "version", "rule", "occurred_at", "therapist",
                                   "protocol"))
_RENEGOTIATION = insert("renegotiations", ("pathway_id", "version", "changed", "sessions",
                                           "at_session", "occurred_at", "therapist", "protocol"))
Row = dict[str, Any]


def _opened(event: e.PathwayOpened) -> Row:
    protocol = acute_protocol(event.protocol_id, event.protocol_version)
    at = iso(event.occurred_at)
    return dict.fromkeys(PATHWAY_COLUMNS) | {
        "pathway_id": str(event.originator_id), "therapist": event.therapist_id,
        "protocol": protocol.id, "protocol_version": protocol.version, "opened_at": at,
        "last_activity_at": at, "initial_sessions": 0, "initial_cap": protocol.initial_cap,
        "left_initial": 0, "sessions_held": 0,
        "measure_every": protocol.measure_every_sessions, "max_measure_gap": 0,
        "completed": 0, "deviations": 0, "renegotiations": 0}


def _contract(row: Row, sessions: int) -> None:
    protocol = acute_protocol(row["protocol"], row["protocol_version"])
    row.update(contracted=sessions, ending_start=protocol.ending_starts_at(sessions))


def _signed(row: Row, event: Any) -> None:
    _contract(row, event.sessions)


def _session(row: Row, event: Any) -> None:
    if event.phase == MAINTENANCE:
        return
    row["sessions_held"] += 1
    if event.phase == INITIAL:
        row["initial_sessions"] += 1
    else:
        row["left_initial"] = 1


def _measured(row: Row, event: Any) -> None:
    if row["completed"] or event.instrument not in MEASURED:
        return
    held, last = row["sessions_held"], row["last_measure_session"] or 0
    row["max_measure_gap"] = max(row["max_measure_gap"], held - last)
    row["last_measure_session"] = held


def _discussed(row: Row, event: Any) -> None:
    if row["discussed_at"] is None:
        row["discussed_at"] = event.at_session


def _completed(row: Row, event: Any) -> None:
    row["completed"] = 1


def _closed(row: Row, event: Any) -> None:
    row["closed_reason"] = event.reason


def _decide(row: Row) -> None:
    """Each indicator again from the row: 1 kept, 0 missed, None not yet decidable."""
    if row["initial_sessions"] > row["initial_cap"]:
        row["initial_within_cap"] = 0
    elif row["left_initial"]:
        row["initial_within_cap"] = 1
    start, discussed = row["ending_start"], row["discussed_at"]
    if start is None:
        row["ending_in_time"] = None
    elif discussed is not None:
        row["ending_in_time"] = flag(discussed <= start)
    else:
        row["ending_in_time"] = 0 if row["sessions_held"] >= start else None
    held = row["sessions_held"]
    if held:
        gap = max(row["max_measure_gap"], held - (row["last_measure_session"] or 0))
        row["cadence_met"] = flag(gap <= row["measure_every"])


_FOLDS: dict[type[e.PathwayEvent], Callable[[Row, Any], None]] = {
    e.ContractSigned: _signed, e.SessionHeld: _session, e.MeasureRecorded: _measured,
    e.TerminationDiscussed: _discussed, e.AcuteCourseCompleted: _completed,
    e.PathwayClosed: _closed,
}
_RELEVANT = frozenset({*_FOLDS, e.PathwayOpened, e.DeviationRecorded, e.ContractRenegotiated})


class FidelityProjection:
    name = NAME
    version = 2
    tables = TABLES
    handles = _RELEVANT

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        relevant = of_types(batch, _RELEVANT)
        opened = opened_in(relevant)
        rows: Rows = rows_by_pathway(tx, "pathways", PATHWAY_COLUMNS,
                                     {str(ev.originator_id) for ev in relevant} - opened)
        deviations: list[Row] = []
        renegotiations: list[Row] = []
        changed: set[str] = set()
        for event in relevant:
            pathway_id = str(event.originator_id)
            if isinstance(event, e.PathwayOpened):
                rows[pathway_id] = _opened(event)
                changed.add(pathway_id)
                continue
            row = rows[pathway_id]
            if isinstance(event, e.DeviationRecorded):
                row["deviations"] += 1
                deviations.append({"pathway_id": pathway_id, "rule": event.rule,
                                   "version": event.originator_version,
                                   "occurred_at": iso(event.occurred_at),
                                   "therapist": row["therapist"], "protocol": row["protocol"]})
            elif isinstance(event, e.ContractRenegotiated):
                row["renegotiations"] += 1
                _contract(row, event.sessions)
                renegotiations.append({
                    "pathway_id": pathway_id, "version": event.originator_version,
                    "changed": ",".join(event.changed), "sessions": event.sessions,
                    "at_session": row["sessions_held"], "occurred_at": iso(event.occurred_at),
                    "therapist": row["therapist"], "protocol": row["protocol"]})
            else:
                _FOLDS[type(event)](row, event)
            row["last_activity_at"] = max(row["last_activity_at"], iso(event.occurred_at))
            _decide(row)
            changed.add(pathway_id)
        tx.executemany(_UPSERT, [rows[pathway_id] for pathway_id in sorted(changed)])
        tx.executemany(_DEVIATION, deviations)
        tx.executemany(_RENEGOTIATION, renegotiations)
