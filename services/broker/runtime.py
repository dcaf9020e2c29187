"""The broker edge of one process: the FastStream broker, the relay and the command handlers.

``carepath serve`` starts it in the server's lifespan when ``CAREPATH_BROKER_URL`` is set (the
relay unless ``CAREPATH_RELAY_IN_PROCESS=false``, the commands unless
``CAREPATH_BROKER_COMMANDS=false``); ``carepath relay run`` starts the relay alone. The broker
connects in the background and keeps trying: a broker that is down at start-up, or goes away,
never stops the HTTP API (commands are stored as usual; the relay catches up when it returns).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from faststream.nats import NatsBroker
from faststream.rabbit import RabbitBroker, RabbitQueue
from faststream.redis import RedisBroker
from faststream.specification.base import Specification

from projections.leader import Leadership
from projections.log import OrderedLog
from projections.store import ReadStore
from projections.wakeup import Listener
from services.access.gate import Gate
from services.application import Pathways
from services.broker.asyncapi import document_events, specification
from services.broker.commands import CommandHandler
from services.broker.connection import (
    DEFAULT_URL,
    AnyBroker,
    family_of,
    make_broker,
    outlet_for,
)
from services.broker.messages import LogReader
from services.broker.names import Names
from services.broker.relay import Relay, RelayOptions
from services.broker.status import RelayStatus, relay_status
from services.commands import EVERY_ROUTE
from services.feed.pages import EventFeed
from services.groups import Groups

log = logging.getLogger("carepath.broker")
CONNECT_BACKOFF_SECONDS = (0.2, 5.0)


def relay_name(names: Names) -> str:
    """The relay's tracking row and lock: one per prefix (stream) in a store."""
    return f"relay-{names.prefix}"


class BrokerRuntime:
    def __init__(self, url: str, names: Names, *, timeout_seconds: float = 3.0) -> None:
        self.names = names
        self.broker: AnyBroker = make_broker(url, timeout_seconds=timeout_seconds)
        self.family = family_of(self.broker)
        self.relay: Relay | None = None
        self.handlers: list[CommandHandler] = []
        self.listener: Listener | None = None
        """On PostgreSQL: wakes the relay on every save's NOTIFY, whichever process saved."""
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._specification: Specification | None = None
        document_events(self.broker, names)

    @property
    def description(self) -> str:
        return f"{self.family.value}: {self.names.events}"

    def serve_commands(self, pathways: Pathways | None, gate: Gate | None = None,
                       groups: Groups | None = None) -> None:
        """Answer every command of the shared table (a pathway's and a group's) by
        request/reply, each caller authenticated by ``gate`` (None: only document them, for
        the AsyncAPI document of a process that answers none)."""
        for route in EVERY_ROUTE:
            handler = CommandHandler(pathways, route, self.names.command_subject(route), gate,
                                     groups)
            self.handlers.append(handler)
            self._subscribe(handler)

    def add_relay(self, store: ReadStore, log_: OrderedLog, feed: EventFeed,
                  leadership: Callable[[str], Leadership],
                  options: RelayOptions | None = None) -> Relay:
        name = relay_name(self.names)
        self.relay = Relay(store, log_, outlet_for(self.broker, self.names),
                           LogReader(feed, self.names), leadership(name), name=name,
                           options=options)
        return self.relay

    def specification(self, version: str) -> Specification:
        if self._specification is None:
            self._specification = specification(self.broker, version)
        return self._specification

    def status(self, store: ReadStore, log_: OrderedLog) -> RelayStatus:
        return relay_status(store, log_, relay_name(self.names), self.description)

    async def start(self) -> None:
        """Connect in the background; the relay starts once the broker is first reached."""
        self._task = asyncio.get_running_loop().create_task(self._connect())

    async def stop(self) -> None:
        if self.listener is not None:
            await asyncio.to_thread(self.listener.stop)
        if self.relay is not None:
            await asyncio.to_thread(self.relay.stop)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.broker.stop()

    async def _connect(self) -> None:
        pause, most = CONNECT_BACKOFF_SECONDS
        while True:
            try:
                await self.broker.start()
            except Exception as error:  # noqa: BLE001 - keep trying; logged
                log.warning("broker %s: cannot connect (%s: %s); retrying in %.1fs",
                            self.description, type(error).__name__, error, pause)
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await asyncio.sleep(pause)
                pause = min(most, pause * 2)
                continue
            self.connected.set()
            log.info("broker %s: connected", self.description)
            if self.relay is not None:
                self.relay.start(asyncio.get_running_loop())
                if self.listener is not None:
                    self.listener.start()
            return

    def _subscribe(self, handler: CommandHandler) -> None:
        broker = self.broker

        async def handle(body: Any) -> dict[str, Any]:
            message = broker.context.get_local("message")
            return await handler.answer(message.body, message.correlation_id)

        handle.__annotations__["body"] = handler.model  # the request's schema, for AsyncAPI
        handle.__name__ = handler.route.name
        options: dict[str, Any] = {"title": handler.subject,
                                   "description": f"{handler.route.summary}; records"
                                                  f" {handler.route.records}."}
        if isinstance(broker, NatsBroker):
            broker.subscriber(handler.subject, queue=f"{self.names.prefix}-commands",
                              **options)(handle)
        elif isinstance(broker, RabbitBroker):
            broker.subscriber(RabbitQueue(handler.subject, auto_delete=True), **options)(handle)
        elif isinstance(broker, RedisBroker):
            broker.subscriber(list=handler.subject, **options)(handle)


def documented(url: str | None, names: Names) -> BrokerRuntime:
    """A runtime that only documents (events and commands), connected to nothing."""
    runtime = BrokerRuntime(url or DEFAULT_URL, names)
    runtime.serve_commands(None)
    return runtime
