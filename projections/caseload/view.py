"""The ``caseload`` read model: active pathways per therapist, by phase and protocol, and what
is overdue on them (outreach, a measure, an unacknowledged safety flag).

A pathway is active until it is closed. A measure is overdue in the acute course (middle and
termination) when the protocol's cadence has passed (IPT-15: every 4 sessions or 28 days):
the sessions count is decided when the rows are written; the days are judged at ``as_of``,
the moment the caller asks about (its clock, never the projection's). The counts read one
index that holds every column they need (``_counts``), not the rows, which also carry each
pathway's folded state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.pathways.rows import as_bool, maybe_from_utc_text, utc_text
from projections.rows import Who, matching
from projections.store import Tx

DDL = {"caseload": """
CREATE TABLE IF NOT EXISTS {caseload} (
    id TEXT PRIMARY KEY,
    therapist TEXT NOT NULL,
    protocol TEXT NOT NULL,
    phase TEXT NOT NULL,
    outreach_due BOOLEAN NOT NULL,
    unacknowledged_flags INTEGER NOT NULL,
    measure_due_now BOOLEAN NOT NULL,
    measure_due_by TEXT,
    fold TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {caseload}_therapist ON {caseload} (therapist, phase);
CREATE INDEX IF NOT EXISTS {caseload}_counts ON {caseload} (therapist, phase, protocol,
    outreach_due, measure_due_now, measure_due_by, unacknowledged_flags)
"""}
COLUMNS = ("id", "therapist", "protocol", "phase", "outreach_due", "unacknowledged_flags",
           "measure_due_now", "measure_due_by")

_OVERDUE_MEASURE = "(measure_due_now OR measure_due_by < :as_of)"


@dataclass(frozen=True)
class CaseloadCell:
    """Active pathways of one therapist in one phase under one protocol."""

    therapist: str
    phase: str
    protocol: str
    active: int
    outreach_due: int
    measure_overdue: int
    unacknowledged_flag: int
    """Pathways with at least one safety flag nobody has acknowledged yet."""


@dataclass(frozen=True)
class OverdueItem:
    """One active pathway with something overdue on it."""

    pathway_id: UUID
    therapist: str
    protocol: str
    phase: str
    outreach_due: bool
    measure_overdue: bool
    unacknowledged_flags: int
    measure_due_by: datetime | None
    """When the 28-day window of the latest measure runs out (None outside the acute course)."""


def _filters(therapist: Who, protocol: str | None, as_of: datetime
             ) -> tuple[str, dict[str, object]]:
    where = ["phase <> 'closed'"]
    params: dict[str, Any] = {"as_of": utc_text(as_of)}
    for column, value in (("therapist", therapist), ("protocol", protocol)):
        condition = matching(column, value, params, column)
        if condition is not None:
            where.append(condition)
    return " AND ".join(where), params


def caseload(tx: Tx, *, as_of: datetime, therapist: Who = None,
             protocol: str | None = None) -> list[CaseloadCell]:
    """Active pathways by therapist, phase and protocol, with their overdue counts."""
    where, params = _filters(therapist, protocol, as_of)
    rows = tx.all(
        "SELECT therapist, phase, protocol, COUNT(*),"
        " SUM(CASE WHEN outreach_due THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {_OVERDUE_MEASURE} THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN unacknowledged_flags > 0 THEN 1 ELSE 0 END)"
        f" FROM {{caseload}} WHERE {where} GROUP BY therapist, phase, protocol"
        " ORDER BY therapist, phase, protocol", params)
    return [CaseloadCell(str(r[0]), str(r[1]), str(r[2]), *(int(n) for n in r[3:]))
            for r in rows]


def overdue(tx: Tx, *, as_of: datetime, therapist: Who = None,
            protocol: str | None = None) -> list[OverdueItem]:
    """Active pathways with outreach due, a measure overdue or an unacknowledged flag."""
    where, params = _filters(therapist, protocol, as_of)
    rows = tx.all(
        f"SELECT id, therapist, protocol, phase, outreach_due, {_OVERDUE_MEASURE},"
        " unacknowledged_flags, measure_due_by FROM {caseload}"
        f" WHERE {where} AND (outreach_due OR {_OVERDUE_MEASURE} OR unacknowledged_flags > 0)"
        " ORDER BY therapist, id", params)
    return [OverdueItem(UUID(r[0]), r[1], r[2], r[3], as_bool(r[4]), as_bool(r[5]), int(r[6]),
                        maybe_from_utc_text(r[7])) for r in rows]
