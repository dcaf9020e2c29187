"""Redis Streams: one stream holds the whole log, each entry's id its log position.

An entry is added as ``XADD <prefix>.events <position>-0``: Redis refuses an id at or below the
stream's last one, so a re-publish is refused rather than stored twice, and entries can only
be added in log order. A consumer resumes with ``XREAD`` after the position it last saw, the
same cursor as the HTTP feed. Entries are written in FastStream's message format (a FastStream
subscriber reads them as it reads its own), the batch in one pipeline. Redis has no subject
filter: a consumer filters by the ``Carepath-Event-Type`` or ``Carepath-Subject`` header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faststream.redis import RedisBroker

from projections.log import Position
from services.broker.names import Names
from services.broker.outlets import Outgoing, PublishFailed, acknowledged_prefix

DATA_KEY = "__data__"
_AT_OR_BELOW = "equal or smaller"


class RedisStreamOutlet:
    def __init__(self, broker: RedisBroker, names: Names) -> None:
        self.broker = broker
        self.key = names.events

    @property
    def client(self) -> Any:
        return self.broker.config.broker_config.connection.client

    async def prepare(self) -> None:
        return None  # a stream comes into being with its first entry

    async def stored_up_to(self) -> Position | None:
        last = await self.client.xinfo_stream(self.key) if await self.client.exists(
            self.key) else None
        if not last or not last.get("last-generated-id"):
            return None
        entry_id = last["last-generated-id"]
        text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        position = int(text.split("-", 1)[0])
        return position or None

    async def publish(self, batch: Sequence[Outgoing], timeout: float) -> Position | None:
        config = self.broker.config.broker_config
        pipe = self.client.pipeline(transaction=False)
        for message in batch:
            data = await config.message_format.encode(
                message=message.body, reply_to=None, headers=message.described_headers(),
                correlation_id=message.correlation_id)
            pipe.xadd(self.key, {DATA_KEY: data}, id=f"{message.position}-0")
        try:
            results = await asyncio.wait_for(pipe.execute(raise_on_error=False), timeout)
        except Exception as error:  # whatever failed, nothing is known stored
            raise PublishFailed(None, f"{type(error).__name__}: {error}") from error
        outcomes = [None if not isinstance(result, Exception) or _AT_OR_BELOW in str(result)
                    else result for result in results]
        last, refused = acknowledged_prefix(batch, outcomes)
        if refused is not None:
            raise PublishFailed(last, f"{type(refused).__name__}: {refused}")
        return last


