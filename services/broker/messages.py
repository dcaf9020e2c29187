"""Stored events as the messages the relay publishes: the contract's envelopes, read by the
HTTP feed's reader (``services.feed``: envelopes straight from the stored rows, byte for byte
equal to ``Envelopes.json``), each with its address and dedupe id from its own attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.log import Position
from services.broker.names import Names
from services.broker.outlets import Outgoing
from services.feed.pages import EventFeed
from services.feed.rows import encode


@dataclass(frozen=True, slots=True)
class Batch:
    messages: list[Outgoing]
    next_after: Position
    """Where the next batch starts: the last message's position (the batch's start if empty)."""


_ATTRIBUTES = ("id", "type", "subject", "correlationid", "schemaversion")


def outgoing(position: Position, envelope: Any, names: Names) -> Outgoing:
    """The message of one envelope as the feed's reader gives it (a struct, or a dict)."""
    if isinstance(envelope, dict):
        id_, type_, subject, correlation, schema = (envelope[a] for a in _ATTRIBUTES)
    else:
        id_, type_, subject, correlation, schema = (getattr(envelope, a) for a in _ATTRIBUTES)
    return Outgoing(
        position=position, id=id_, subject=names.event_subject(type_, subject),
        body=encode(envelope), correlation_id=correlation, schema_version=schema,
        event_type=type_)


class LogReader:
    """The next batch of messages after a log position."""

    def __init__(self, feed: EventFeed, names: Names) -> None:
        self.feed = feed
        self.names = names

    def __call__(self, after: Position, limit: int) -> Batch:
        page = self.feed.page(after, limit)
        return Batch([outgoing(position, body, self.names)
                      for position, body in zip(page.positions, page.events, strict=True)],
                     page.next_after)
