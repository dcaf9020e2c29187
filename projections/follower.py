"""A worker per projection: follows the ordered log for as long as the process runs.

Each step reads the projection's generations (``rebuild.Plan``), applies the next batch to the
live generation and, during a rebuild, to the generation being built (which takes over when it
reaches the head), then drops retired tables. It runs only while it holds the projection's
lock (``leader``); a copy that does not hold it tries again every poll. It sleeps ``poll``
seconds when there is nothing to do, or less when woken (``wake``: a save in this process, a
PostgreSQL NOTIFY). Any error (a database restart, a full disk) is logged and retried with
backoff; the worker never dies of one. ``stop`` ends it within a poll.

Read-your-writes: :func:`wait_for` waits until a projection's live generation has applied a
log position (a command answer's position, say), from any process that can read the store.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from projections import rebuild
from projections.catch_up import BATCH, apply_next_batch, position_of
from projections.leader import Leadership
from projections.live import no_tracking_yet, read_live_generation
from projections.log import OrderedLog, Position
from projections.projection import Projection
from projections.store import ReadStore
from projections.tracking import heartbeat

log = logging.getLogger("carepath.projections")


@dataclass(frozen=True)
class FollowerOptions:
    poll_seconds: float = 1.0
    batch: int = BATCH
    heartbeat_seconds: float = 1.0
    max_backoff_seconds: float = 5.0
    retired_grace_seconds: float = rebuild.RETIRED_GRACE_SECONDS


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Follower:
    """Follows the log into one projection, while it leads that projection."""

    def __init__(self, store: ReadStore, log_: OrderedLog, projection: Projection,
                 leadership: Leadership, options: FollowerOptions | None = None) -> None:
        self.store = store
        self.log = log_
        self.projection = projection
        self.leadership = leadership
        self.options = options or FollowerOptions()
        self.leading = False
        self.errors = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat_at = 0.0
        self._beat_positions: dict[int, tuple[Position, float]] = {}
        self._standby_said = False

    @property
    def name(self) -> str:
        return self.projection.name

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=f"projection-{self.name}",
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        pause = 0.1
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    worked = self.step()
                    pause = 0.1
                except Exception as error:  # noqa: BLE001 - a worker never dies of one; logged
                    self.errors += 1
                    log.warning("projection %s: %s: %s; retrying in %.1fs", self.name,
                                type(error).__name__, error, pause)
                    self._stop.wait(pause)
                    pause = min(self.options.max_backoff_seconds, pause * 2)
                    continue
                if not worked:
                    self._wake.wait(self.options.poll_seconds)
        finally:
            self.leadership.release()
            self.leading = False

    def step(self) -> int:
        """One round: lead if possible, apply what is new; the events applied (0: idle)."""
        if not self.leadership.try_acquire():
            self.leading = False
            return 0
        if not self.leading:  # leading from now: its live generation first (retried if refused)
            log.info("projection %s: leading (%s)", self.name, worker_name())
            rebuild.ensure_live(self.store, self.projection)
            self.leading = True
        plan = rebuild.plan_of(self.store, self.projection)
        if plan.standby:
            if not self._standby_said:
                log.warning("projection %s: a newer version is stored; standing by",
                            self.name)
                self._standby_said = True
            return 0
        if plan.live is not None and plan.live.version < self.projection.version \
                and plan.building is None:
            rebuild.begin_rebuild(self.store, self.projection)
            plan = rebuild.plan_of(self.store, self.projection)
        applied = 0
        if plan.live is not None and plan.live.version == self.projection.version:
            applied += apply_next_batch(self.store, self.log, self.projection,
                                        plan.live.generation, batch=self.options.batch)
        if plan.building is not None:
            built, _ = rebuild.build_step(self.store, self.log, self.projection,
                                          plan.building.generation, batch=self.options.batch)
            applied += built
        rebuild.tidy(self.store, self.projection, plan,
                     grace_seconds=self.options.retired_grace_seconds)
        self._heartbeat()
        return applied

    def _heartbeat(self) -> None:
        """Say this worker leads, at most every ``heartbeat_seconds``, with the build's rate."""
        now = time.monotonic()
        if now - self._beat_at < self.options.heartbeat_seconds:
            return
        with self.store.transaction() as tx:
            plan = rebuild.read_plan(tx, self.projection)
            rates: dict[int, float | None] = {}
            if plan.live is not None:
                rates[plan.live.generation] = None
            if plan.building is not None:
                row = plan.building
                before = self._beat_positions.get(row.generation)
                rates[row.generation] = (None if before is None else
                                         (row.position - before[0]) / max(1e-6, now - before[1]))
                self._beat_positions[row.generation] = (row.position, now)
            heartbeat(tx, self.name, worker_name(), rates)
        self._beat_at = now


def live_position(store: ReadStore, name: str) -> Position | None:
    """How far the live generation of projection ``name`` has applied the log."""
    try:
        with store.reading() as tx:
            generation = read_live_generation(tx, name)
            return None if generation is None else position_of(tx, name, generation)
    except Exception as error:
        if no_tracking_yet(error):
            return None
        raise


def wait_for(store: ReadStore, name: str, position: Position, timeout: float, *,
             every: float = 0.01) -> bool:
    """Wait until projection ``name``'s live read model has applied ``position``.

    True when it has (at once if it already had), False after ``timeout`` seconds. Any process
    that can read the store may call it (an API replica while the workers run elsewhere).
    """
    deadline = time.monotonic() + timeout
    while True:
        reached = live_position(store, name)
        if reached is not None and reached >= position:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(every, left))
