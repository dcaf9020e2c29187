"""Where each projection stands: live generation, position, lag, heartbeat, a rebuild's ETA.

Read from the tracking rows and the log, so any process can answer it (the API replica, the
CLI) whichever process runs the workers. Lag in seconds is how long ago the oldest event the
live generation has not applied was recorded (0 when it is at the head).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.live import no_tracking_yet
from projections.log import OrderedLog, Position
from projections.projection import Projection
from projections.store import ReadStore
from projections.tracking import Tracked, tracked_all


@dataclass(frozen=True)
class RebuildStatus:
    generation: int
    version: int
    position: Position
    head: Position
    done: float
    """Fraction of the log applied (0..1)."""
    rate: float | None
    """Events per second over the last heartbeat interval."""
    eta_seconds: float | None


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    version: int
    """The running code's version of the projection."""
    live_generation: int | None
    live_version: int | None
    position: Position
    head: Position
    lag_events: int
    lag_seconds: float
    heartbeat_at: str | None
    heartbeat_age_seconds: float | None
    worker: str | None
    rebuild: RebuildStatus | None


def projection_status(store: ReadStore, log: OrderedLog, projections: Sequence[Projection],
                      now: datetime | None = None) -> list[ProjectionStatus]:
    now = now or datetime.now(UTC)
    try:
        with store.reading() as tx:
            rows = tracked_all(tx)
    except Exception as error:
        if not no_tracking_yet(error):
            raise
        rows = []
    head = log.head()
    return [_status(p, [r for r in rows if r.projection == p.name], log, head, now)
            for p in projections]


def _status(projection: Projection, rows: list[Tracked], log: OrderedLog, head: Position,
            now: datetime) -> ProjectionStatus:
    live = next((r for r in rows if r.live), None)
    building = next((r for r in reversed(rows)
                     if not r.live and (live is None or r.generation > live.generation)), None)
    position = live.position if live is not None else 0
    recorded = log.recorded_after(position) if position < head else None
    beat = max((r.heartbeat_at for r in rows if r.heartbeat_at), default=None)
    return ProjectionStatus(
        name=projection.name, version=projection.version,
        live_generation=None if live is None else live.generation,
        live_version=None if live is None else live.version,
        position=position, head=head, lag_events=max(0, head - position),
        lag_seconds=0.0 if recorded is None else max(0.0, (now - recorded).total_seconds()),
        heartbeat_at=beat,
        heartbeat_age_seconds=None if beat is None else round(
            (now - datetime.fromisoformat(beat)).total_seconds(), 3),
        worker=next((r.worker for r in rows if r.heartbeat_at == beat), None),
        rebuild=None if building is None else _rebuild(building, head))


def _rebuild(row: Tracked, head: Position) -> RebuildStatus:
    left = max(0, head - row.position)
    eta = left / row.rate if row.rate else None
    return RebuildStatus(generation=row.generation, version=row.version, position=row.position,
                         head=head, done=1.0 if head == 0 else min(1.0, row.position / head),
                         rate=row.rate, eta_seconds=None if eta is None else round(eta, 1))
