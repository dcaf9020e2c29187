"""How each broker stores a batch of events and says it has: one interface, three brokers.

The relay hands an outlet a batch of :class:`Outgoing` messages in log order and records its
position only up to what the outlet reports acknowledged (:meth:`Outlet.publish`). Where the
broker itself can say which event it holds last (JetStream, Redis), :meth:`Outlet.stored_up_to`
tells the relay where to resume, so a restart publishes nothing twice even outside JetStream's
duplicate window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from projections.log import Position

CONTENT_TYPE = "application/json"
"""Structured-mode CloudEvents JSON, labelled so FastStream consumers decode it as JSON."""
LOG_POSITION = "Carepath-Log-Position"
SCHEMA_VERSION = "Carepath-Schema-Version"
EVENT_TYPE = "Carepath-Event-Type"
SUBJECT = "Carepath-Subject"
CORRELATION_ID = "correlation_id"
"""FastStream's own header: a FastStream consumer reads it as ``message.correlation_id``."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One stored event as it goes on the broker."""

    position: Position
    id: str
    """The envelope's id: the broker's dedupe key (``Nats-Msg-Id``) and consumers'."""
    subject: str
    body: bytes
    correlation_id: str
    schema_version: int
    event_type: str

    def headers(self) -> dict[str, Any]:
        """What every broker's message carries beside the envelope (each header costs the
        publisher time: the type and subject are in the NATS subject and AMQP routing key)."""
        return {CORRELATION_ID: self.correlation_id, LOG_POSITION: str(self.position),
                SCHEMA_VERSION: str(self.schema_version)}

    def described_headers(self) -> dict[str, Any]:
        """The headers with the type, subject and content type, for a broker without
        subjects (Redis) or headers of its own for them."""
        return {**self.headers(), "content-type": CONTENT_TYPE, EVENT_TYPE: self.event_type,
                SUBJECT: self.subject}


class PublishFailed(RuntimeError):
    """Part of a batch was not acknowledged: the relay records ``acknowledged`` and retries."""

    def __init__(self, acknowledged: Position | None, reason: str) -> None:
        super().__init__(reason)
        self.acknowledged = acknowledged
        self.reason = reason


class Outlet(Protocol):
    async def prepare(self) -> None:
        """Declare what the broker needs (stream, exchange), once connected."""
        ...

    async def stored_up_to(self) -> Position | None:
        """The log position of the last event the broker holds (None: it cannot say)."""
        ...

    async def publish(self, batch: Sequence[Outgoing], timeout: float) -> Position | None:
        """Publish ``batch`` (log order); the position of the last of the acknowledged first
        messages (None: none). Raises :class:`PublishFailed` when not all were."""
        ...


def acknowledged_prefix(batch: Sequence[Outgoing], outcomes: Sequence[BaseException | None]
                        ) -> tuple[Position | None, BaseException | None]:
    """The last position of the unbroken run of successes from the start, and the first error."""
    last = None
    for message, error in zip(batch, outcomes, strict=True):
        if error is not None:
            return last, error
        last = message.position
    return last, None
