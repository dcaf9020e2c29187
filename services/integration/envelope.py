"""The CloudEvents 1.0 envelope of every stored event (structured JSON mode).

::

    {"specversion": "1.0",
     "id": "3f2b0c1e-...:7",                 # aggregate id ":" version: stable, dedupe on it
     "source": "/carepath/pathways",         # the aggregate's collection
     "type": "org.carepath.pathway.SessionHeld.v1",
     "subject": "3f2b0c1e-...",              # the aggregate's id (a pathway's, a group's)
     "time": "2026-03-10T09:00:00Z",         # clinical time: occurred_at
     "recordedtime": "2026-03-10T09:00:04.120000Z",   # when the service stored it
     "datacontenttype": "application/json",
     "dataschema": "<public url>/schemas/events/SessionHeld/v1.json",
     "aggregateversion": 7,                  # the event's version within its aggregate
     "position": 1234,                       # its place in the ordered log: the cursor
     "correlationid": "...",                 # the command's correlation id
     "schemaversion": 1,                     # the version of the data's JSON Schema
     "data": {...}}                          # the integration event (services.integration)

The id is the same every time a stored event is enveloped (a re-publish dedupes on it); the
position is the ordered log's, the one cursor of the broker stream, the HTTP feed and SSE.
Extension attributes are CloudEvents Integers and Strings; positions therefore stay below
2**31 (the spec's Integer), about two billion stored events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from projections.log import LoggedEvent
from services.integration.catalogue import integration_event_for
from services.integration.event import IntegrationEvent
from services.settings import Settings

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
SCHEMAS_PATH = "/schemas/events"
"""Where the service serves the schemas, below its public URL."""


def schema_path(event: type[IntegrationEvent], version: int | None = None) -> str:
    """``/schemas/events/<Name>/v<version>.json`` (the model's version unless given)."""
    return f"{SCHEMAS_PATH}/{event.name()}/v{version or event.version}.json"


def source_of(event: type[IntegrationEvent]) -> str:
    """The CloudEvents ``source`` of an aggregate's events: ``/carepath/<aggregate>s``."""
    return f"/carepath/{event.aggregate}s"


def event_id(aggregate_id: object, version: int) -> str:
    """``<aggregate id>:<version>``: unique in the log, the same at every re-publish."""
    return f"{aggregate_id}:{version}"


def rfc3339(moment: datetime) -> str:
    """A UTC time as RFC 3339 text with ``Z`` (naive times are taken as UTC)."""
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat()[:-6] + "Z"


@dataclass(frozen=True, slots=True)
class _Kind:
    """What every envelope of one stored event class shares."""

    published: type[IntegrationEvent]
    type: str
    source: str
    dataschema: str
    version: int


class Envelopes:
    """Envelopes stored events; one per process, built from the settings (``envelopes_for``),
    so the relay and the HTTP feed send the same bytes for the same event."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")
        """The service's URL as subscribers reach it: ``dataschema`` points below it."""
        self._kinds: dict[type[Any], _Kind] = {}

    def dataschema(self, event: type[IntegrationEvent]) -> str:
        return self.public_url + schema_path(event)

    def envelope(self, logged: LoggedEvent) -> dict[str, Any]:
        """The envelope as a JSON-ready dict (attributes in the order documented above)."""
        event = logged.event
        kind = self._kinds.get(type(event)) or self._kind(type(event))
        aggregate_id = str(event.originator_id)
        version = event.originator_version
        return {
            "specversion": SPECVERSION,
            "id": f"{aggregate_id}:{version}",
            "source": kind.source,
            "type": kind.type,
            "subject": aggregate_id,
            "time": rfc3339(event.occurred_at),
            "recordedtime": rfc3339(event.timestamp),
            "datacontenttype": CONTENT_TYPE,
            "dataschema": kind.dataschema,
            "aggregateversion": version,
            "position": logged.position,
            "correlationid": event.meta.correlation_id,
            "schemaversion": kind.version,
            "data": kind.published.from_event(event).model_dump(mode="json"),
        }

    def _kind(self, event_class: type[Any]) -> _Kind:
        published = integration_event_for(event_class)
        kind = self._kinds[event_class] = _Kind(
            published, published.cloudevents_type(), source_of(published),
            self.dataschema(published), published.version)
        return kind

    def json(self, logged: LoggedEvent) -> bytes:
        """The envelope as the JSON bytes a broker message or an SSE event carries."""
        return orjson.dumps(self.envelope(logged))


def envelopes_for(settings: Settings) -> Envelopes:
    """The process's envelopes: ``dataschema`` below ``CAREPATH_PUBLIC_URL`` (or host:port)."""
    return Envelopes(settings.base_url)
