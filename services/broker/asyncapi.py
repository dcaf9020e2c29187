"""The AsyncAPI 3 document of the broker edge: every event channel and every command.

Built by FastStream from the broker's subscribers (the commands, with their request schemas)
and documentation-only publishers (one per integration event: its subject with the aggregate
id as a parameter, and the envelope with that event's ``data``). The relay publishes through
the outlets, not these publishers. Served at ``/asyncapi.json`` and ``/asyncapi.yaml`` (and
as a page rendered by the service, ``services.http.docs``); written by ``carepath asyncapi``.
"""

from __future__ import annotations

import json
from typing import Any

from faststream import FastStream
from faststream.nats import NatsBroker
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI
from faststream.specification.base import Specification
from pydantic import BaseModel, ConfigDict, Field, create_model

from services.broker.connection import AnyBroker
from services.broker.names import Names
from services.integration import INTEGRATION_EVENTS, IntegrationEvent

DESCRIPTION = """\
carepath publishes every stored event once, in log order, as a CloudEvents 1.0 envelope
(structured JSON). Subjects: `<prefix>.events.<aggregate>.<aggregate id>.<Name>.v<major>`
(aggregate `pathway` or `group`); filter by type with
`carepath.events.pathway.*.SafetyFlagRaised.*`, or take a group's with
`carepath.events.group.<group id>.>`. Dedupe on the envelope's
`id` (also `Nats-Msg-Id` / AMQP `message_id`): the broker's own deduplication has a window.
Commands arrive by request/reply on `<prefix>.commands.<command>`; the reply is the HTTP
answer's body with its `status`, or the same problem document (`rule` for a clinical rule).
"""
AGGREGATE_ID = "{aggregate_id}"


class EnvelopeDoc(BaseModel):
    """The envelope's attributes as documented (``services.integration.envelope`` builds it)."""

    model_config = ConfigDict(extra="forbid")
    specversion: str = Field(description="`1.0`")
    id: str = Field(description="`<aggregate id>:<version>`: stable; consumers dedupe on it.")
    source: str
    type: str = Field(description="`org.carepath.<aggregate>.<Name>.v<major>`")
    subject: str = Field(
        description="The aggregate's id (a pathway's; a group's for group events).")
    time: str = Field(description="Clinical time (`occurred_at`), RFC 3339.")
    recordedtime: str = Field(description="When carepath stored it, RFC 3339.")
    datacontenttype: str
    dataschema: str = Field(description="The URL of the data's JSON Schema.")
    aggregateversion: int
    position: int = Field(description="The ordered log's position: the one cursor.")
    correlationid: str
    schemaversion: int


def envelope_model(event: type[IntegrationEvent]) -> type[BaseModel]:
    return create_model(f"{event.name()}Envelope", __base__=EnvelopeDoc, data=(event, ...))


def document_events(broker: AnyBroker, names: Names) -> None:
    """A documentation-only publisher per integration event."""
    exchange = RabbitExchange(names.events, type=ExchangeType.TOPIC, durable=True)
    for event in INTEGRATION_EVENTS:
        address = names.event_subject(event.cloudevents_type(), AGGREGATE_ID)
        options: dict[str, Any] = {
            "title": event.cloudevents_type(), "schema": envelope_model(event),
            "description": (event.__doc__ or event.name()).strip()}
        if isinstance(broker, NatsBroker):
            broker.publisher(address, **options)
        elif isinstance(broker, RabbitBroker):
            broker.publisher(exchange=exchange, routing_key=address, **options)
        elif isinstance(broker, RedisBroker):
            broker.publisher(stream=names.events, **options)


class Document:
    """FastStream's document with each channel's address parameter declared (AsyncAPI 3 asks
    for every ``{name}`` in an address to be a channel parameter; FastStream leaves it out)."""

    def __init__(self, spec: Specification) -> None:
        self.title = spec.title
        self._jsonable = _with_parameters(spec.to_jsonable())

    def to_jsonable(self) -> Any:
        return self._jsonable

    def to_json(self) -> str:
        return json.dumps(self._jsonable)

    def to_yaml(self) -> str:
        import yaml  # type: ignore[import-untyped]  # noqa: PLC0415 - FastStream needs it too

        text: str = yaml.safe_dump(self._jsonable, sort_keys=False)
        return text


def _with_parameters(document: dict[str, Any]) -> dict[str, Any]:
    for channel in document.get("channels", {}).values():
        if AGGREGATE_ID in channel.get("address", ""):
            channel["parameters"] = {"aggregate_id": {
                "description": "The aggregate's id: a pathway's (a group's for group events)."}}
    return document


def specification(broker: AnyBroker, version: str) -> Specification:
    app = FastStream(broker, specification=AsyncAPI(
        title="carepath: events and commands", version=version, description=DESCRIPTION))
    return Document(app.schema.to_specification())


def document_json(spec: Specification) -> dict[str, Any]:
    document: dict[str, Any] = spec.to_jsonable()
    return document
