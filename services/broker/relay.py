"""The relay: follows the ordered log and publishes every stored event on the broker.

It is a follower like the read models' (``projections.follower``): a thread per process that
works only while it holds the relay's lock (``projections.leader``: one copy publishes, a second
waits and takes over when the first dies), woken by saves in this process or a PostgreSQL
NOTIFY and polling otherwise, and that never dies of an error (logged, retried with backoff).
Each round hands the next batch to the broker's outlet and records the position only up to
what the broker acknowledged (``projections.handoff``). At start, and after any failure, it
asks the broker which event it holds last (JetStream and Redis can say) and resumes after it,
so a restart publishes nothing twice, however long it was down.

Publishing is asynchronous (FastStream) and runs on the event loop the broker lives on (the
server's, or the ``relay run`` command's); this thread waits for each batch's acknowledgements.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from projections.follower import worker_name
from projections.handoff import (
    GENERATION,
    PartlyTaken,
    hand_on_next_batch,
    handed_position,
    move_to,
    prepare_handoff,
)
from projections.leader import Leadership
from projections.log import OrderedLog, Position
from projections.store import ReadStore
from projections.tracking import heartbeat
from services.broker.messages import Batch
from services.broker.outlets import Outlet, PublishFailed

log = logging.getLogger("carepath.relay")
T = TypeVar("T")


@dataclass(frozen=True)
class RelayOptions:
    batch: int = 1_000
    poll_seconds: float = 1.0
    ack_timeout_seconds: float = 5.0
    heartbeat_seconds: float = 1.0
    max_backoff_seconds: float = 2.0


class Relay:
    """Publishes the log through ``outlet`` while it leads (see the module)."""

    def __init__(self, store: ReadStore, log_: OrderedLog, outlet: Outlet,
                 read: Callable[[Position, int], Batch], leadership: Leadership,
                 *, name: str, options: RelayOptions | None = None) -> None:
        self.store = store
        self.log = log_
        self.outlet = outlet
        self.read = read
        self.leadership = leadership
        self.name = name
        self.options = options or RelayOptions()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.leading = False
        self.published = 0
        self.errors = 0
        self.last_error: str | None = None
        self._synced = False
        self._prepared = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat_at = 0.0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread = threading.Thread(target=self.run, name="relay", daemon=True)
        self._thread.start()

    def wake(self, *_: Any) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        pause = 0.1
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    worked = self.step()
                    pause = 0.1
                except Exception as error:  # noqa: BLE001 - the relay never dies of one; logged
                    self.errors += 1
                    self._synced = False
                    self.last_error = f"{type(error).__name__}: {error}"
                    log.warning("relay: %s; retrying in %.1fs", self.last_error, pause)
                    self._stop.wait(pause)
                    pause = min(self.options.max_backoff_seconds, pause * 2)
                    continue
                if not worked:
                    self._wake.wait(self.options.poll_seconds)
        finally:
            self.leadership.release()
            self.leading = False

    def step(self) -> int:
        """One round: lead if possible, publish what is new; the events published (0: idle)."""
        was_leading, self.leading = self.leading, self.leadership.try_acquire()
        if not self.leading:
            return 0
        if not was_leading:
            log.info("relay: leading (%s)", worker_name())
            self._synced = False
        if not self._synced:
            self._sync()
        count = hand_on_next_batch(self.store, self.name, self._publish)
        self.published += count
        self.last_error = None
        self._heartbeat()
        return count

    def _publish(self, after: Position) -> tuple[int, Position | None]:
        batch = self.read(after, self.options.batch)
        if batch.next_after <= after:
            return 0, None
        if batch.messages:
            try:
                self._call(self.outlet.publish(batch.messages,
                                               self.options.ack_timeout_seconds))
            except PublishFailed as error:
                self._synced = False
                raise PartlyTaken(error.acknowledged, error.reason) from error
        return len(batch.messages), batch.next_after

    def _sync(self) -> None:
        """Resume after what the broker holds, when it can say (see the module)."""
        if not self._prepared:
            prepare_handoff(self.store, self.name)
            self._prepared = True
        self._call(self.outlet.prepare())
        stored = self._call(self.outlet.stored_up_to())
        recorded = handed_position(self.store, self.name)
        if stored is not None and stored != recorded:
            head = self.log.head()
            if stored > head:
                log.error("relay: the broker holds events up to position %d, beyond the log's"
                          " head %d (another store's stream?); publishing after %d", stored,
                          head, recorded)
            else:
                log.log(logging.INFO if stored > recorded else logging.WARNING,
                        "relay: the broker holds the log up to position %d (recorded: %d);"
                        " resuming after it", stored, recorded)
                move_to(self.store, self.name, recorded, stored)
        self._synced = True

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the broker's loop and wait for it (bounded)."""
        if self.loop is None or self.loop.is_closed():
            coroutine.close()
            msg = "the relay has no running event loop"
            raise RuntimeError(msg)
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(self.options.ack_timeout_seconds * 2)
        except TimeoutError:
            future.cancel()
            raise

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._beat_at < self.options.heartbeat_seconds:
            return
        with self.store.transaction() as tx:
            heartbeat(tx, self.name, worker_name(), {GENERATION: None})
        self._beat_at = now
