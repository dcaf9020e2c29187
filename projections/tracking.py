"""How far each projection has read the log, written in the same transaction as its rows.

One row per (projection, generation). ``advance`` moves the position only from the position
the batch was read after (compare-and-set), so a batch applied twice, by a restarted worker or
by a second copy that slipped past the lock, fails and rolls its rows back instead of counting
events twice. Exactly one generation of a projection is ``live`` (the one readers read);
``make_live`` switches it in one statement. The leading worker writes ``heartbeat_at``,
``worker`` and, while a generation is being built, its recent ``rate`` (events/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.log import START, Position
from projections.store import Row, Tx

TRACKING = "rm_tracking"
TRACKING_DDL = f"""
CREATE TABLE IF NOT EXISTS {TRACKING} (
    projection TEXT NOT NULL,
    generation INTEGER NOT NULL,
    version INTEGER NOT NULL,
    position BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL,
    heartbeat_at TEXT,
    worker TEXT,
    rate REAL,
    PRIMARY KEY (projection, generation)
)"""
_ADDED_COLUMNS = {"heartbeat_at": "TEXT", "worker": "TEXT", "rate": "REAL"}
_COLUMNS = "projection, generation, version, position, live, updated_at, heartbeat_at, worker, rate"


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
    heartbeat_at: str | None = None
    worker: str | None = None
    rate: float | None = None


def ensure_tracking(tx: Tx) -> None:
    tx.execute(TRACKING_DDL)
    if tx.dialect == "postgresql":
        present = {str(r[0]) for r in tx.all(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = :table",
            {"table": TRACKING})}
    else:
        present = {str(r[1]) for r in tx.all(f"PRAGMA table_info({TRACKING})")}
    for column, kind in _ADDED_COLUMNS.items():  # a table made before these columns existed
        if column not in present:
            tx.execute(f"ALTER TABLE {TRACKING} ADD COLUMN {column} {kind}")


def tracked(tx: Tx, projection: str) -> list[Tracked]:
    """Every generation of ``projection``, oldest first."""
    rows = tx.all(f"SELECT {_COLUMNS} FROM {TRACKING} WHERE projection = :projection"
                  " ORDER BY generation", {"projection": projection})
    return [_tracked(r) for r in rows]


def tracked_all(tx: Tx) -> list[Tracked]:
    """Every generation of every projection, by projection then generation."""
    return [_tracked(r) for r in tx.all(
        f"SELECT {_COLUMNS} FROM {TRACKING} ORDER BY projection, generation")]


def _tracked(r: Row) -> Tracked:
    return Tracked(str(r[0]), int(r[1]), int(r[2]), int(r[3]), bool(r[4]), str(r[5]),
                   None if r[6] is None else str(r[6]), None if r[7] is None else str(r[7]),
                   None if r[8] is None else float(r[8]))


def start_generation(tx: Tx, projection: str, generation: int, version: int, *,
                     live: bool) -> None:
    tx.execute(f"INSERT INTO {TRACKING} (projection, generation, version, position, live,"
               " updated_at) VALUES (:projection, :generation, :version, :position, :live,"
               " :now)", {"projection": projection, "generation": generation,
                          "version": version, "position": START, "live": live,
                          "now": _now()})


def lock_position(tx: Tx, projection: str, generation: int) -> Position | None:
    """The generation's position, its row locked until the transaction ends (PostgreSQL).

    A second worker's batch then waits for the first's commit and reads the new position,
    instead of folding the same events and failing at ``advance``. SQLite's write transaction
    already holds the whole file.
    """
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    value = tx.scalar(f"SELECT position FROM {TRACKING} WHERE projection = :projection"
                      f" AND generation = :generation{lock}",
                      {"projection": projection, "generation": generation})
    return None if value is None else int(value)


def advance(tx: Tx, projection: str, generation: int, read_after: Position,
            to: Position) -> None:
    """Record that events up to ``to`` are applied, if nobody moved on from ``read_after``."""
    changed = _changed(tx, f"UPDATE {TRACKING} SET position = :to, updated_at = :now"
                           " WHERE projection = :projection AND generation = :generation"
                           " AND position = :after",
                       {"to": to, "now": _now(), "projection": projection,
                        "generation": generation, "after": read_after})
    if not changed:
        msg = (f"projection {projection} generation {generation} is no longer at position"
               f" {read_after}: another worker applied this batch")
        raise PositionMoved(msg)


def make_live(tx: Tx, projection: str, generation: int) -> None:
    """``generation`` becomes the one readers read, every other one retired, in one statement.

    ``updated_at`` of every row is set, so a retired generation's age counts from here.
    """
    tx.execute(f"UPDATE {TRACKING} SET live = (generation = :generation), updated_at = :now"
               " WHERE projection = :projection",
               {"projection": projection, "generation": generation, "now": _now()})


def forget_generation(tx: Tx, projection: str, generation: int) -> None:
    tx.execute(f"DELETE FROM {TRACKING} WHERE projection = :projection"
               " AND generation = :generation",
               {"projection": projection, "generation": generation})


def heartbeat(tx: Tx, projection: str, worker: str, rates: dict[int, float | None]) -> None:
    """The leading worker is alive; ``rates`` holds each generation's recent events/s."""
    now = _now()
    for generation, rate in rates.items():
        tx.execute(f"UPDATE {TRACKING} SET heartbeat_at = :now, worker = :worker, rate = :rate"
                   " WHERE projection = :projection AND generation = :generation",
                   {"now": now, "worker": worker, "rate": rate, "projection": projection,
                    "generation": generation})


def _changed(tx: Tx, statement: str, params: dict[str, object]) -> bool:
    if tx.dialect == "postgresql":
        return tx.scalar(statement + " RETURNING 1", params) is not None
    tx.execute(statement, params)
    return bool(tx.scalar("SELECT changes()"))


def _now() -> str:
    """Operational metadata only (heartbeats); read-model rows take their times from events."""
    return datetime.now(UTC).isoformat()
