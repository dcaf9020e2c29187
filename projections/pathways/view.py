"""The ``pathways`` read model: its table, and the list the API and the dashboard page through.

Query functions take a ``Tx`` scoped to the live generation's tables (``tx.with_tables``),
so they read one table and replay nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from projections.pathways.rows import as_bool, maybe_from_utc_text
from projections.rows import Who
from projections.store import Row, Tx

COLUMNS = (
    "id", "opened_position", "protocol", "protocol_version", "format", "therapist", "phase",
    "version", "sessions_held", "sessions_left", "open_flags", "urgent_open_flags",
    "outreach_due", "outcome", "next_step", "referral_date", "opened_at", "first_session_at",
    "contract_signed_at", "last_clinical_at", "last_recorded_at", "closed_reason",
)

DDL = {"pathways": """
CREATE TABLE IF NOT EXISTS {pathways} (
    id TEXT PRIMARY KEY,
    opened_position BIGINT NOT NULL UNIQUE,
    protocol TEXT NOT NULL,
    protocol_version INTEGER NOT NULL,
    format TEXT NOT NULL,
    therapist TEXT NOT NULL,
    phase TEXT NOT NULL,
    version INTEGER NOT NULL,
    sessions_held INTEGER NOT NULL,
    sessions_left INTEGER,
    open_flags INTEGER NOT NULL,
    urgent_open_flags INTEGER NOT NULL,
    outreach_due BOOLEAN NOT NULL,
    outcome TEXT,
    next_step TEXT,
    referral_date TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    first_session_at TEXT,
    contract_signed_at TEXT,
    last_clinical_at TEXT NOT NULL,
    last_recorded_at TEXT NOT NULL,
    closed_reason TEXT,
    fold TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {pathways}_therapist ON {pathways} (therapist, opened_position);
CREATE INDEX IF NOT EXISTS {pathways}_phase ON {pathways} (phase, opened_position);
CREATE INDEX IF NOT EXISTS {pathways}_protocol ON {pathways} (protocol, opened_position)
"""}

MAX_LIMIT = 500


@dataclass(frozen=True)
class PathwayRow:
    """One pathway as the read model shows it (times are clinical unless named recorded)."""

    id: UUID
    opened_position: int
    """Where ``PathwayOpened`` sits in the log: the list's order and its cursor."""
    protocol: str
    protocol_version: int
    format: str
    therapist: str
    phase: str
    version: int
    sessions_held: int
    """Acute sessions held."""
    sessions_left: int | None
    """Of the contract (of the maintenance contract once in maintenance); None before one."""
    open_flags: int
    urgent_open_flags: int
    outreach_due: bool
    outcome: str | None
    next_step: str | None
    referral_date: date
    opened_at: datetime
    first_session_at: datetime | None
    contract_signed_at: datetime | None
    last_clinical_at: datetime
    last_recorded_at: datetime
    closed_reason: str | None


@dataclass(frozen=True)
class PathwayPage:
    items: list[PathwayRow]
    next_after: int | None
    """Pass as ``after`` for the next page (the last item's ``opened_position``); None when
    this page is the last. Filters must stay the same from page to page."""


def _row(row: Row) -> PathwayRow:
    v = dict(zip(COLUMNS, row, strict=True))
    return PathwayRow(
        id=UUID(v["id"]), opened_position=int(v["opened_position"]), protocol=v["protocol"],
        protocol_version=int(v["protocol_version"]), format=v["format"],
        therapist=v["therapist"], phase=v["phase"], version=int(v["version"]),
        sessions_held=int(v["sessions_held"]), sessions_left=v["sessions_left"],
        open_flags=int(v["open_flags"]), urgent_open_flags=int(v["urgent_open_flags"]),
        outreach_due=as_bool(v["outreach_due"]), outcome=v["outcome"],
        next_step=v["next_step"], referral_date=date.fromisoformat(v["referral_date"]),
        opened_at=datetime.fromisoformat(v["opened_at"]),
        first_session_at=maybe_from_utc_text(v["first_session_at"]),
        contract_signed_at=maybe_from_utc_text(v["contract_signed_at"]),
        last_clinical_at=datetime.fromisoformat(v["last_clinical_at"]),
        last_recorded_at=datetime.fromisoformat(v["last_recorded_at"]),
        closed_reason=v["closed_reason"])


def list_pathways(tx: Tx, *, therapist: Who = None, phase: str | None = None,
                  protocol: str | None = None, has_open_flags: bool | None = None,
                  outreach_due: bool | None = None, after: int = 0, limit: int = 50,
                  therapists: Collection[str] | None = None) -> PathwayPage:
    """Pathways in the order they were opened, after the cursor ``after``, filtered
    (``therapists``: only theirs, e.g. a caller's caseload).

    Keyset paging: each page reads the index from the cursor on, so page 1,000 costs what
    page 1 does, and a pathway opened meanwhile appears at the end, never twice.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    where = ["opened_position > :after"]
    params: dict[str, object] = {"after": after, "limit": limit + 1}
    for column, value in (("therapist", therapist), ("phase", phase), ("protocol", protocol)):
        if value is not None:
            where.append(f"{column} = :{column}")
            params[column] = value
    if therapists is not None:
        names = [f":therapist_{n}" for n in range(len(therapists))]
        where.append(f"therapist IN ({', '.join(names)})" if names else "1 = 0")
        params.update(zip((name[1:] for name in names), sorted(therapists), strict=True))
    if has_open_flags is not None:
        where.append("open_flags > 0" if has_open_flags else "open_flags = 0")
    if outreach_due is not None:
        where.append("outreach_due = :outreach_due")
        params["outreach_due"] = outreach_due
    rows = tx.all(f"SELECT {', '.join(COLUMNS)} FROM {{pathways}} WHERE {' AND '.join(where)}"
                  " ORDER BY opened_position LIMIT :limit", params)
    items = [_row(row) for row in rows[:limit]]
    return PathwayPage(items=items,
                       next_after=items[-1].opened_position if len(rows) > limit else None)


def pathway_row(tx: Tx, pathway_id: UUID) -> PathwayRow | None:
    """One pathway's row, or None if the read model has not seen it (yet)."""
    row = tx.one(f"SELECT {', '.join(COLUMNS)} FROM {{pathways}} WHERE id = :id",
                 {"id": str(pathway_id)})
    return None if row is None else _row(row)

