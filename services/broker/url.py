"""Which broker a ``CAREPATH_BROKER_URL`` names: its family, checked at start-up.

One URL picks the broker and everything about it: ``nats://`` (NATS JetStream, the default
family; ``tls://`` too), ``amqp://`` / ``amqps://`` (RabbitMQ), ``redis://`` / ``rediss://``
(Redis Streams). Several NATS servers may be listed, comma-separated, as NATS clients accept.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import SplitResult, urlsplit


class BrokerFamily(StrEnum):
    NATS = "nats"
    RABBIT = "rabbit"
    REDIS = "redis"


_SCHEMES = {
    "nats": BrokerFamily.NATS, "tls": BrokerFamily.NATS,
    "amqp": BrokerFamily.RABBIT, "amqps": BrokerFamily.RABBIT,
    "redis": BrokerFamily.REDIS, "rediss": BrokerFamily.REDIS,
}
SCHEMES_TEXT = "nats://, tls:// (NATS), amqp://, amqps:// (RabbitMQ), redis://, rediss:// (Redis)"


def broker_family(url: str) -> BrokerFamily:
    """The family of ``url``, or ValueError saying what is wrong with it."""
    parts = [_split(part.strip()) for part in url.split(",")]
    families = {_SCHEMES.get(part.scheme) for part in parts}
    if None in families:
        msg = f"must start with one of {SCHEMES_TEXT}"
        raise ValueError(msg)
    if len(families) > 1:
        msg = "lists servers of different brokers"
        raise ValueError(msg)
    family = families.pop()
    assert family is not None  # noqa: S101 - None was refused above
    if len(parts) > 1 and family is not BrokerFamily.NATS:
        msg = "only NATS URLs may list several servers"
        raise ValueError(msg)
    for part in parts:
        if not part.hostname:
            msg = "must name a host"
            raise ValueError(msg)
        try:
            part.port  # noqa: B018 - raises for a port that is not a number in range
        except ValueError:
            msg = "has a port that is not a number from 1 to 65535"
            raise ValueError(msg) from None
    return family


def redacted(url: str) -> str:
    """``url`` with any password replaced, for logs and ``check-config``."""
    shown = []
    for part in url.split(","):
        split = _split(part.strip())
        if split.password:
            user = split.username or ""
            netloc = f"{user}:<redacted>@{split.hostname}"
            if split.port:
                netloc += f":{split.port}"
            split = split._replace(netloc=netloc)
        shown.append(split.geturl())
    return ",".join(shown)


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:
        msg = "is not a valid URL"
        raise ValueError(msg) from None
