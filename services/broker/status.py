"""Where the relay stands: its position in the log, lag in events and seconds, heartbeat.

Read from its tracking row and the log, so any process can answer it (an API replica while
``carepath relay run`` publishes elsewhere). Lag in seconds is how long ago the oldest event
not yet published was recorded (0 at the head).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from projections.live import no_tracking_yet
from projections.log import OrderedLog, Position
from projections.store import ReadStore
from projections.tracking import tracked


@dataclass(frozen=True)
class RelayStatus:
    name: str
    broker: str | None
    """The broker family and where it publishes (``nats: stream CAREPATH_EVENTS``)."""
    position: Position | None
    """The last position the broker acknowledged (None: the relay never ran)."""
    head: Position
    lag_events: int
    lag_seconds: float
    heartbeat_at: str | None
    heartbeat_age_seconds: float | None
    worker: str | None


def relay_status(store: ReadStore, log: OrderedLog, name: str, broker: str | None,
                 now: datetime | None = None) -> RelayStatus:
    now = now or datetime.now(UTC)
    try:
        with store.reading() as tx:
            rows = tracked(tx, name)
    except Exception as error:
        if not no_tracking_yet(error):
            raise
        rows = []
    head = log.head()
    row = rows[0] if rows else None
    position = None if row is None else row.position
    reached = position or 0
    recorded = log.recorded_after(reached) if reached < head else None
    beat = None if row is None else row.heartbeat_at
    return RelayStatus(
        name=name, broker=broker, position=position, head=head,
        lag_events=max(0, head - reached),
        lag_seconds=0.0 if recorded is None else max(0.0, (now - recorded).total_seconds()),
        heartbeat_at=beat,
        heartbeat_age_seconds=None if beat is None else round(
            (now - datetime.fromisoformat(beat)).total_seconds(), 3),
        worker=None if row is None else row.worker)
