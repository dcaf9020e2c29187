"""Bare eventsourcing workload: what carepath costs without carepath's layers.

One minimal aggregate, one event type with an opaque payload, the library's
default mapper and PostgreSQL recorder. Each op does what a carepath command
does at the persistence level: ``repository.get`` -> one event -> ``save``.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from bench.database import eventsourcing_env
from bench.workload import Workload, WorkloadFactory


class BareStream(Aggregate):
    """A stream of opaque payloads. Topics are fixed, not module paths."""

    TOPIC = "carepath.bench:BareStream"

    class Created(Aggregate.Created):
        TOPIC = "carepath.bench:BareStream.Created"
        payload: str

    class Appended(Aggregate.Event):
        TOPIC = "carepath.bench:BareStream.Appended"
        payload: str

    @event(Created)
    def __init__(self, payload: str) -> None:
        self.length = 1

    @event(Appended)
    def append(self, payload: str) -> None:
        self.length += 1


class BareBenchApp(Application[uuid.UUID]):
    """Plain application; its events table is ``barebenchapp_events``."""


def _stored_len(app: Application[uuid.UUID], agg: BareStream) -> list[int]:
    return [len(app.mapper.to_stored_event(e).state) for e in agg.collect_events()]


@dataclass
class BareEventsourcingWorkload:
    """``ops`` operations over ``streams`` prepopulated streams.

    Op ``i`` uses stream ``i % streams``; ``streams`` is rounded up to a
    multiple of ``writers``, so writer ``w`` only touches streams ``w, w+W, ...``
    and writers never conflict. By default ``streams = ops``: every op loads a
    stream of exactly ``history`` events. ``payload_bytes`` is the size of the
    *stored* event state (envelope included), as for the raw workload.
    """

    dsn: str
    writers: int
    ops: int
    payload_bytes: int
    history: int
    streams: int | None = None
    max_attempts: int = 10
    batch_streams: int = 100
    progress: bool = True
    _app: BareBenchApp | None = field(default=None, init=False, repr=False)
    _ids: list[uuid.UUID] = field(default_factory=list, init=False, repr=False)
    _payload: str = field(default="", init=False, repr=False)
    _stored_bytes: float | None = field(default=None, init=False, repr=False)

    def setup(self) -> None:
        if self.history < 1:
            raise ValueError("history must be >= 1 (the creation event)")
        env = eventsourcing_env(self.dsn, pool_size=self.writers, app_name=BareBenchApp.name)
        self._app = BareBenchApp(env=env)
        opened_payload = self._calibrate(self._app)
        wanted = self.streams or max(self.ops, 1)
        count = -(-wanted // self.writers) * self.writers
        self._ids = self._prepopulate(self._app, count, opened_payload)

    def _calibrate(self, app: BareBenchApp) -> str:
        """Size payloads so each stored event state is ``payload_bytes``."""
        probe = BareStream(payload="")
        probe.append(payload="")
        opened_env, appended_env = _stored_len(app, probe)
        self._payload = "x" * max(0, self.payload_bytes - appended_env)
        probe.append(payload=self._payload)
        self._stored_bytes = float(_stored_len(app, probe)[-1])
        return "x" * max(0, self.payload_bytes - opened_env)

    def _prepopulate(self, app: BareBenchApp, count: int, opened_payload: str) -> list[uuid.UUID]:
        ids: list[uuid.UUID] = []
        step = max(1, count // 10)
        for start in range(0, count, self.batch_streams):
            batch = []
            for _ in range(min(self.batch_streams, count - start)):
                agg = BareStream(payload=opened_payload)
                for _ in range(self.history - 1):
                    agg.append(payload=self._payload)
                batch.append(agg)
            app.save(*batch)
            ids.extend(agg.id for agg in batch)
            if self.progress and (len(ids) // step > start // step):
                print(
                    f"[bench] bare: prepopulated {len(ids)}/{count} streams "
                    f"x {self.history} events",
                    file=sys.stderr,
                    flush=True,
                )
        return ids

    def op(self, writer: int, i: int) -> int:
        app = self._app
        if app is None:
            raise RuntimeError("setup() not called")
        stream_id = self._ids[i % len(self._ids)]
        for attempt in range(self.max_attempts):
            agg: BareStream = app.repository.get(stream_id)
            agg.append(payload=self._payload)
            try:
                app.save(agg)
            except IntegrityError:
                continue  # another writer got there first: reload and redo
            return attempt
        raise RuntimeError(f"stream {stream_id}: {self.max_attempts} conflicts")

    def teardown(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None

    def stored_bytes_per_event(self) -> float | None:
        return self._stored_bytes


def bare_factory(
    payload_bytes: int, history: int, *, streams: int | None = None, progress: bool = True
) -> WorkloadFactory:
    """A factory for :class:`BareEventsourcingWorkload`."""

    def make(dsn: str, writers: int, ops: int) -> Workload:
        return BareEventsourcingWorkload(
            dsn, writers, ops, payload_bytes, history, streams=streams, progress=progress
        )

    return make
