"""RabbitMQ: one durable topic exchange, the event subject as routing key.

Consumers bind their own queues with patterns (``carepath.events.pathway.*.SafetyFlagRaised.*``,
``carepath.events.#``); an event published while no queue is bound reaches nobody, as on any
exchange. Messages are persistent, carry the envelope id as AMQP ``message_id`` and the
correlation id as ``correlation_id``, and are confirmed by the broker (publisher confirms)
before the relay records them. RabbitMQ does not deduplicate: a relay that restarts after
publishing but before recording publishes the unrecorded tail again, so consumers dedupe by id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange

from projections.log import Position
from services.broker.names import Names
from services.broker.outlets import (
    CONTENT_TYPE,
    EVENT_TYPE,
    Outgoing,
    PublishFailed,
    acknowledged_prefix,
)


class RabbitOutlet:
    def __init__(self, broker: RabbitBroker, names: Names) -> None:
        self.broker = broker
        self.exchange = RabbitExchange(names.events, type=ExchangeType.TOPIC, durable=True)

    async def prepare(self) -> None:
        await self.broker.declare_exchange(self.exchange)

    async def stored_up_to(self) -> Position | None:
        return None  # an exchange keeps nothing: the recorded position decides

    async def publish(self, batch: Sequence[Outgoing], timeout: float) -> Position | None:
        sends = [asyncio.ensure_future(self.broker.publish(
            message.body, exchange=self.exchange, routing_key=message.subject,
            message_id=message.id, correlation_id=message.correlation_id,
            headers={**message.headers(), EVENT_TYPE: message.event_type},
            content_type=CONTENT_TYPE, persist=True, mandatory=False, timeout=timeout))
            for message in batch]
        if sends:
            await asyncio.wait(sends, timeout=timeout)
        for send in sends:
            send.cancel()
        outcomes = [TimeoutError("no confirmation in time") if send.cancelled()
                    else send.exception() for send in sends]
        last, error = acknowledged_prefix(batch, outcomes)
        if error is not None:
            raise PublishFailed(last, f"{type(error).__name__}: {error}")
        return last
