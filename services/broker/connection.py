"""The FastStream broker of a ``CAREPATH_BROKER_URL``: one function for the three families.

Connections retry for ever (a broker restart never needs a service restart): NATS reconnects
every second without a cap, RabbitMQ's robust connection every second, Redis on each command.
``apply_types`` is off: the command handlers check their requests themselves, exactly as the
HTTP edge does, and answer a refusal instead of dropping the message.
"""

from __future__ import annotations

from typing import Any

from faststream._internal.broker import BrokerUsecase
from faststream.nats import NatsBroker
from faststream.rabbit import RabbitBroker
from faststream.redis import RedisBroker

from services.broker.names import Names
from services.broker.outlets import Outlet
from services.broker.url import BrokerFamily, broker_family, redacted

AnyBroker = BrokerUsecase[Any, Any]
DEFAULT_URL = "nats://127.0.0.1:4222"
RECONNECT_SECONDS = 1


def make_broker(url: str, *, timeout_seconds: float = 3.0) -> AnyBroker:
    family = broker_family(url)
    shown = redacted(url)  # the AsyncAPI document names the server, never its password
    if family is BrokerFamily.NATS:
        return NatsBroker(
            [part.strip() for part in url.split(",")], apply_types=False,
            connect_timeout=max(1, round(timeout_seconds)), max_reconnect_attempts=-1,
            reconnect_time_wait=RECONNECT_SECONDS, logger=None, specification_url=shown)
    if family is BrokerFamily.RABBIT:
        return RabbitBroker(url, apply_types=False, timeout=timeout_seconds,
                            reconnect_interval=RECONNECT_SECONDS, logger=None,
                            specification_url=shown)
    quiet: Any = None  # no line per message (FastStream types its logger as required)
    return RedisBroker(url, apply_types=False, socket_timeout=timeout_seconds,
                       socket_connect_timeout=timeout_seconds, logger=quiet,
                       specification_url=shown)


def family_of(broker: AnyBroker) -> BrokerFamily:
    if isinstance(broker, NatsBroker):
        return BrokerFamily.NATS
    if isinstance(broker, RabbitBroker):
        return BrokerFamily.RABBIT
    return BrokerFamily.REDIS


def outlet_for(broker: AnyBroker, names: Names) -> Outlet:
    """How the relay publishes on ``broker``."""
    if isinstance(broker, NatsBroker):
        from services.broker.outlets.jetstream import JetStreamOutlet  # noqa: PLC0415

        return JetStreamOutlet(broker, names)
    if isinstance(broker, RabbitBroker):
        from services.broker.outlets.rabbitmq import RabbitOutlet  # noqa: PLC0415

        return RabbitOutlet(broker, names)
    if isinstance(broker, RedisBroker):
        from services.broker.outlets.redis_streams import RedisStreamOutlet  # noqa: PLC0415

        return RedisStreamOutlet(broker, names)
    msg = f"no outlet for {type(broker).__name__}"
    raise TypeError(msg)
