"""NATS JetStream: one stream holds the whole log, in log order, enforced by the server.

Every message carries ``Nats-Msg-Id`` (the envelope id: JetStream drops a repeat inside the
stream's duplicate window, two minutes by default) and ``Nats-Expected-Last-Sequence``: the
stream sequence the message must follow. The relay is the stream's only publisher and knows the
sequence it left the stream at, so it predicts each message's predecessor and pipelines a whole
batch; if one message is lost or refused, every later one is refused too (JetStream error
10071) instead of landing out of order. The stream therefore holds the log in order with no
gap, which is stronger than per-pathway order and independent of the subject layout (a
per-subject expectation would need the event type out of the subject, or NATS 2.11's
subject-filtered variant, which the NATS 2.9 we run on does not have).

After any failure, and at start, the relay asks the stream for its last message
(:meth:`stored_up_to`): its ``Carepath-Log-Position`` header says where to resume, so nothing
is published twice, whatever the time since, and events a crashed NATS lost after
acknowledging them (a known fsync window) are published again from the event store.

Batches go out with the JetStream context of FastStream's own connection, pipelined
(``publish_async``): FastStream 0.7.8's ``publish`` awaits each acknowledgement in turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from projections.log import Position
from services.broker.names import Names
from services.broker.outlets import (
    LOG_POSITION,
    Outgoing,
    PublishFailed,
    acknowledged_prefix,
)

MSG_ID = "Nats-Msg-Id"
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
DUPLICATE_WINDOW_SECONDS = 120.0


class StreamNotOurs(RuntimeError):
    """The stream exists but does not take the event subjects: refuse rather than change it."""


class JetStreamOutlet:
    def __init__(self, broker: NatsBroker, names: Names) -> None:
        self.broker = broker
        self.names = names
        self._last_sequence: int | None = None
        """The stream sequence this relay left the stream at (None: ask the stream)."""

    @property
    def js(self) -> JetStreamContext:
        context: JetStreamContext = self.broker.config.connection_state.stream
        return context

    async def prepare(self) -> None:
        """Create the stream if it does not exist; an existing one is used as it is (its
        limits are the operator's), provided it takes the event subjects."""
        name, subjects = self.names.stream, self.names.all_events
        try:
            info = await self.js.stream_info(name)
        except NotFoundError:
            await self.js.add_stream(StreamConfig(
                name=name, subjects=[subjects], storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
                description="carepath: every stored event, in log order"))
            return
        if subjects not in (info.config.subjects or []):
            msg = f"JetStream stream {name} exists without subject {subjects}"
            raise StreamNotOurs(msg)

    async def stored_up_to(self) -> Position | None:
        info = await self.js.stream_info(self.names.stream)
        self._last_sequence = info.state.last_seq
        if not info.state.last_seq or not info.state.messages:
            return None
        try:
            last = await self.js.get_msg(self.names.stream, seq=info.state.last_seq)
        except NotFoundError:  # removed by the stream's limits
            return None
        position = (last.headers or {}).get(LOG_POSITION)
        return None if position is None else int(position)

    async def publish(self, batch: Sequence[Outgoing], timeout: float) -> Position | None:
        if self._last_sequence is None:
            await self.stored_up_to()
        expected = self._last_sequence
        assert expected is not None  # noqa: S101 - set by stored_up_to
        futures = []
        try:
            for message in batch:
                headers = message.headers()
                headers[MSG_ID] = message.id
                headers[EXPECTED_LAST_SEQUENCE] = str(expected)
                futures.append(await self.js.publish_async(
                    message.subject, message.body, headers=headers))
                expected += 1
            if futures:
                await asyncio.wait(futures, timeout=timeout)
        finally:
            for future in futures:
                future.cancel()  # no effect on those done
        outcomes = [_outcome(future) for future in futures]
        outcomes += [TimeoutError("not sent")] * (len(batch) - len(futures))
        last, error = acknowledged_prefix(batch, outcomes)
        acked = next((i for i, e in enumerate(outcomes) if e is not None), len(batch))
        if acked:
            acks = [futures[i].result() for i in range(acked)]
            # A repeat JetStream dropped did not grow the stream: ask it before the next batch.
            self._last_sequence = None if any(a.duplicate for a in acks) else acks[-1].seq
        if error is not None:
            self._last_sequence = None  # the stream decides where the next batch follows
            raise PublishFailed(last, f"{type(error).__name__}: {error}")
        return last


def _outcome(future: asyncio.Future[Any]) -> BaseException | None:
    if future.cancelled():
        return TimeoutError("no acknowledgement in time")
    return future.exception()
