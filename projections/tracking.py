"""How far each projection has read the log, written in the same transaction as its rows.

One row per (projection, generation). ``advance`` moves the position only from the position
the batch was read after (compare-and-set), so a batch applied twice, by a restarted worker or
by a second copy that slipped past the lock, fails and rolls its rows back instead of counting
events twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.log import START, Position
from projections.store import Tx

TRACKING = "rm_tracking"
TRACKING_DDL = f"""
CREATE TABLE IF NOT EXISTS {TRACKING} (
    projection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    version INTEGER NOT NULL,
    position BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (projection, generation)
)"""


class PositionMoved(RuntimeError):
    """Another writer advanced this projection first: the batch must not be applied."""


@dataclass(frozen=True)
class Tracked:
    projection: str
    generation: int
    version: int
    position: Position
    live: bool
    updated_at: str


def ensure_tracking(tx: Tx) -> None:
    tx.execute(TRACKING_DDL)


def tracked(tx: Tx, projection: str) -> list[Tracked]:
    """Every generation of ``projection``, oldest first."""
    rows = tx.all(f"SELECT projection, generation, version, position, live, updated_at"
                  f" FROM {TRACKING} WHERE projection = :projection ORDER BY generation",
                  {"projection": projection})
    return [Tracked(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


def start_generation(tx: Tx, projection: str, generation: int, version: int, *,
                     live: bool) -> None:
    tx.execute(f"INSERT INTO {TRACKING} (projection, generation, version, position, live,"
               " updated_at) VALUES (:projection, :generation, :version, :position, :live,"
               " :now)", {"projection": projection, "generation": generation,
                          "version": version, "position": START, "live": live,
                          "now": _now()})


def advance(tx: Tx, projection: str, generation: int, read_after: Position,
            to: Position) -> None:
    """Record that events up to ``to`` are applied, if nobody moved on from ``read_after``."""
    if tx.dialect == "postgresql":
        changed = tx.scalar(
            f"UPDATE {TRACKING} SET position = :to, updated_at = :now"
            " WHERE projection = :projection AND generation = :generation"
            " AND position = :after RETURNING 1",
            {"to": to, "now": _now(), "projection": projection, "generation": generation,
             "after": read_after})
    else:
        tx.execute(f"UPDATE {TRACKING} SET position = :to, updated_at = :now"
                   " WHERE projection = :projection AND generation = :generation"
                   " AND position = :after",
                   {"to": to, "now": _now(), "projection": projection,
                    "generation": generation, "after": read_after})
        changed = tx.scalar("SELECT changes()")
    if not changed:
        msg = (f"projection {projection} generation {generation} is no longer at position"
               f" {read_after}: another worker applied this batch")
        raise PositionMoved(msg)


def _now() -> str:
    """Operational metadata only (heartbeats); read-model rows take their times from events."""
    return datetime.now(UTC).isoformat()
