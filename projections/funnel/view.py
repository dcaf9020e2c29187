"""The ``funnel`` read model: how many pathways reached each phase, and where dropouts left.

One row per pathway with the clinical time it first reached each phase (``initial`` is its
opening), so every count can be filtered by therapist, protocol and the date it was opened.
A pathway reaches ``middle`` when its contract is signed, as the domain derives the phase.
The counts read one index that holds every column they need (``_counts``), not the rows, which
also carry each pathway's folded state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.vocabulary import PHASES
from projections.rows import Who, matching
from projections.store import Tx

REACHED = tuple(f"reached_{phase}" for phase in PHASES[1:])
DDL = {"funnel": f"""
CREATE TABLE IF NOT EXISTS {{funnel}} (
    id TEXT PRIMARY KEY,
    therapist TEXT NOT NULL,
    protocol TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    {" ".join(f"{column} TEXT," for column in REACHED)}
    closed_reason TEXT,
    closed_from TEXT,
    fold TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {{funnel}}_counts ON {{funnel}}
    (opened_at, therapist, protocol, {", ".join(REACHED)}, closed_reason, closed_from)
"""}
COLUMNS = ("id", "therapist", "protocol", "opened_at", *REACHED, "closed_reason", "closed_from")
DROPPED_OUT = "dropped_out"


@dataclass(frozen=True)
class Funnel:
    reached: dict[str, int]
    """Pathways that reached each phase, in the course's order (``initial``: all opened)."""
    dropped_out_from: dict[str, int]
    """Pathways closed as dropped out, by the phase they were in."""
    closed_by_reason: dict[str, int]


def where_opened(therapist: Who, protocol: str | None, since: date | None,
                 until: date | None, column: str = "opened_at"
                 ) -> tuple[str, dict[str, object]]:
    """Filters by therapist, protocol and a clinical date range (both ends included)."""
    where, params = ["1 = 1"], dict[str, Any]()
    for name, value in (("therapist", therapist), ("protocol", protocol)):
        condition = matching(name, value, params, name)
        if condition is not None:
            where.append(condition)
    if since is not None:
        where.append(f"{column} >= :since")
        params["since"] = since.isoformat()
    if until is not None:
        where.append(f"{column} < :until")
        params["until"] = (until + timedelta(days=1)).isoformat()
    return " AND ".join(where), params


def funnel(tx: Tx, *, therapist: Who = None, protocol: str | None = None,
           since: date | None = None, until: date | None = None) -> Funnel:
    """The funnel of pathways opened between ``since`` and ``until`` (clinical dates)."""
    where, params = where_opened(therapist, protocol, since, until)
    counts = tx.one(f"SELECT COUNT(*), {', '.join(f'COUNT({c})' for c in REACHED)}"
                    f" FROM {{funnel}} WHERE {where}", params) or ()
    reached = {str(phase): int(n or 0) for phase, n in zip(PHASES, counts, strict=True)}
    closed = tx.all(f"SELECT closed_reason, closed_from, COUNT(*) FROM {{funnel}} WHERE {where}"
                    " AND closed_reason IS NOT NULL GROUP BY closed_reason, closed_from",
                    params)
    by_reason: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for reason, phase, n in closed:
        by_reason[reason] = by_reason.get(reason, 0) + int(n)
        if reason == DROPPED_OUT:
            dropped[phase] = dropped.get(phase, 0) + int(n)
    return Funnel(reached=reached,
                  dropped_out_from={str(p): dropped[p] for p in PHASES if p in dropped},
                  closed_by_reason=dict(sorted(by_reason.items())))
