"""Events -> maintenance rows: one per pathway (its contract, once scheduled), one per
suspected recurrence.

A batch reads the rows of the pathways whose maintenance moves, once, folds in memory, and
writes the changed rows with one upsert; recurrences are only ever inserted. The next due date
is decided here from the events alone, never from a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from domain.pathway import events as e
from domain.protocols import MAINTENANCE_PROTOCOLS
from domain.vocabulary import MAINTENANCE, PHQ9
from projections.log import LoggedEvent
from projections.maintenance.view import INTERVAL_DAYS, NAME, TABLES
from projections.rows import Rows, insert, iso, of_types, opened_in, rows_by_pathway, upsert
from projections.store import Tx

PATHWAY_COLUMNS = (
    "pathway_id", "therapist", "protocol", "frequency", "sessions", "start_date",
    "scheduled_at", "sessions_held", "last_session_at", "next_due_on", "latest_phq9",
    "recurrences", "last_recurrence_at", "closed_at", "closed_reason")
_UPSERT = upsert("pathways", PATHWAY_COLUMNS, ("pathway_id",))
_RECURRENCE = insert("recurrences", ("pathway_id", "version", "instrument", "total",
                                     "threshold", "occurred_at"))
Row = dict[str, Any]
_MAINTENANCE_PROTOCOLS = frozenset(key[0] for key in MAINTENANCE_PROTOCOLS)


def _next_due(row: Row) -> str | None:
    if row["frequency"] is None or row["closed_at"] is not None:
        return None
    if row["sessions_held"] >= row["sessions"]:
        return None
    if not row["sessions_held"]:
        return str(row["start_date"])
    last = datetime.fromisoformat(row["last_session_at"]).date()
    return (last + timedelta(days=INTERVAL_DAYS[row["frequency"]])).isoformat()


def _moves(event: e.PathwayEvent) -> bool:
    """Whether ``event`` changes a maintenance row (most events of a pathway do not)."""
    if isinstance(event, e.SessionHeld):
        return event.phase == MAINTENANCE
    if isinstance(event, e.MeasureRecorded):
        # the command's protocol (``ipt-m@1``) says the pathway was in maintenance
        return (event.instrument == PHQ9
                and event.meta.protocol.partition("@")[0] in _MAINTENANCE_PROTOCOLS)
    return isinstance(event, e.MaintenanceScheduled | e.RecurrenceSuspected | e.PathwayClosed)


def _fold(row: Row, event: e.PathwayEvent, recurrences: list[Row]) -> None:
    at = iso(event.occurred_at)
    if isinstance(event, e.MaintenanceScheduled):
        row.update(frequency=event.frequency, sessions=event.sessions,
                   start_date=date.isoformat(event.start_date), scheduled_at=at)
    elif isinstance(event, e.SessionHeld):
        row["sessions_held"] += 1
        row["last_session_at"] = at
    elif isinstance(event, e.MeasureRecorded):
        row["latest_phq9"] = event.total
    elif isinstance(event, e.RecurrenceSuspected):
        row["recurrences"] += 1
        row["last_recurrence_at"] = at
        recurrences.append({"pathway_id": row["pathway_id"],
                            "version": event.originator_version,
                            "instrument": event.instrument, "total": event.total,
                            "threshold": event.threshold, "occurred_at": at})
    elif isinstance(event, e.PathwayClosed):
        row.update(closed_at=at, closed_reason=event.reason)
    row["next_due_on"] = _next_due(row)


class MaintenanceProjection:
    name = NAME
    version = 1
    tables = TABLES
    handles = frozenset({e.PathwayOpened, e.SessionHeld, e.MeasureRecorded,
                         e.MaintenanceScheduled, e.RecurrenceSuspected, e.PathwayClosed})

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        relevant: list[e.PathwayEvent] = [
            event for event in of_types(batch, self.handles)
            if type(event) is e.PathwayOpened or _moves(event)]
        opened = opened_in(relevant)
        rows: Rows = rows_by_pathway(tx, "pathways", PATHWAY_COLUMNS,
                                     {str(ev.originator_id) for ev in relevant} - opened)
        recurrences: list[Row] = []
        changed: set[str] = set()
        for event in relevant:
            pathway_id = str(event.originator_id)
            if isinstance(event, e.PathwayOpened):
                rows[pathway_id] = dict.fromkeys(PATHWAY_COLUMNS) | {
                    "pathway_id": pathway_id, "therapist": event.therapist_id,
                    "protocol": event.protocol_id, "sessions_held": 0, "recurrences": 0}
            else:
                _fold(rows[pathway_id], event, recurrences)
            changed.add(pathway_id)
        tx.executemany(_UPSERT, [rows[pathway_id] for pathway_id in sorted(changed)])
        tx.executemany(_RECURRENCE, recurrences)
