"""Stored events as the messages the relay publishes: the contract's envelopes, read by the
HTTP feed's reader (``services.feed``: envelope bytes straight from the stored rows, equal to
``Envelopes.json``), each with its address and dedupe id taken from its own attributes."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from projections.log import Position
from services.broker.names import Names
from services.broker.outlets import Outgoing
from services.feed.pages import EventFeed


@dataclass(frozen=True, slots=True)
class Batch:
    messages: list[Outgoing]
    next_after: Position
    """Where the next batch starts: past events nobody publishes too."""


def outgoing(position: Position, body: bytes, names: Names) -> Outgoing:
    attributes = orjson.loads(body)
    return Outgoing(
        position=position, id=attributes["id"],
        subject=names.event_subject(attributes["type"], attributes["subject"]), body=body,
        correlation_id=attributes["correlationid"],
        schema_version=attributes["schemaversion"], event_type=attributes["type"])


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
