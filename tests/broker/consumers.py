"""Read back everything a broker holds for a test's prefix, as (subject, headers, body)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import aio_pika
import nats
import redis.asyncio as aioredis
from faststream.redis.parser.binary import BinaryMessageFormatV1
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from services.broker.names import Names
from services.broker.outlets import SUBJECT


@dataclass(frozen=True)
class Received:
    subject: str
    headers: dict[str, str]
    body: bytes


async def nats_all(url: str, names: Names) -> list[Received]:
    """Every message of the stream, in stream order."""
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        held = (await js.stream_info(names.stream)).state.messages
        subscription = await js.pull_subscribe(
            names.all_events, stream=names.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE))  # no ack: read, not consumed
        found: list[Received] = []
        deadline = time.monotonic() + 30
        while len(found) < held and time.monotonic() < deadline:
            with contextlib.suppress(NatsTimeout, asyncio.TimeoutError):
                batch = await subscription.fetch(500, timeout=2)
                found += [Received(m.subject, dict(m.headers or {}), m.data) for m in batch]
        return found
    finally:
        await connection.close()


async def nats_forget(url: str, names: Names) -> None:
    connection = await nats.connect(url)
    with contextlib.suppress(NotFoundError):
        await connection.jetstream().delete_stream(names.stream)
    await connection.close()


class RabbitTap:
    """A queue bound to every event subject, declared before the relay publishes; each step
    connects on its own, so the steps may run in different event loops."""

    def __init__(self, url: str, names: Names) -> None:
        self.url, self.names = url, names
        self.queue = f"{names.events}.tap"

    async def open(self) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(self.names.events, "topic", durable=True)
            queue = await channel.declare_queue(self.queue, durable=True)
            await queue.bind(exchange, f"{self.names.events}.#")

    async def drain(self, idle: float = 1.0) -> list[Received]:
        connection = await aio_pika.connect(self.url)
        found: list[Received] = []
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(self.queue)
            while True:
                message = await queue.get(no_ack=True, fail=False, timeout=5)
                if message is None:
                    await asyncio.sleep(idle)
                    message = await queue.get(no_ack=True, fail=False, timeout=5)
                    if message is None:
                        return found
                headers = {k: str(v) for k, v in (message.headers or {}).items()}
                headers["message_id"] = message.message_id or ""
                found.append(Received(message.routing_key or "", headers, message.body))

    async def close(self) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(self.queue)
            await channel.exchange_delete(self.names.events)


async def redis_all(url: str, names: Names) -> list[Received]:
    client = aioredis.Redis.from_url(url)
    try:
        entries = await client.xrange(names.events)
    finally:
        await client.aclose()
    found = []
    for _entry_id, fields in entries or []:
        data = (fields or {})[b"__data__"]
        assert isinstance(data, bytes)
        body, headers = BinaryMessageFormatV1.parse(data)
        text = {str(k): str(v) for k, v in headers.items()}
        found.append(Received(text[SUBJECT], text, body))
    return found


async def redis_forget(url: str, names: Names) -> None:
    client = aioredis.Redis.from_url(url)
    await client.delete(names.events)
    await client.aclose()
