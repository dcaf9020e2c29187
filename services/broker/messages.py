"""A stored event as the message the relay publishes: the contract's envelope and its address.

The body is the CloudEvents envelope of ``services.integration`` (the same bytes the HTTP feed
sends); the subject, the dedupe id and the headers come from the envelope's own attributes.
"""

from __future__ import annotations

import orjson

from projections.log import LoggedEvent
from services.broker.names import Names
from services.broker.outlets import Outgoing
from services.integration import Envelopes, NotPublished


class Encoder:
    """``LoggedEvent`` -> :class:`Outgoing` (None for an event class nobody publishes)."""

    def __init__(self, envelopes: Envelopes, names: Names) -> None:
        self.envelopes = envelopes
        self.names = names

    def __call__(self, logged: LoggedEvent) -> Outgoing | None:
        try:
            attributes = self.envelopes.envelope(logged)
        except NotPublished:
            return None
        return Outgoing(
            position=logged.position, id=attributes["id"],
            subject=self.names.event_subject(attributes["type"], attributes["subject"]),
            body=orjson.dumps(attributes), correlation_id=attributes["correlationid"],
            schema_version=attributes["schemaversion"], event_type=attributes["type"])
