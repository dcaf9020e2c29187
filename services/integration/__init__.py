"""The integration contract: what platform teams receive for every stored event.

Every stored event is published as a CloudEvents 1.0 envelope (structured JSON) around an
*integration event*: a closed pydantic model per catalogue event that carries codes, ids and
numbers only, never a field about the client (``domain/phi.py``) nor free text. The broker
relay, the HTTP feed and SSE all send the same envelope for the same event.

Use it like this (one ``Envelopes`` per process, from the settings)::

    from services.integration import envelopes_for
    envelopes = envelopes_for(settings)          # or container.envelopes
    for logged in OrderedLog(app).read(after, 500):
        body: bytes = envelopes.json(logged)     # the message body (UTF-8 JSON)
        attributes = envelopes.envelope(logged)  # the same as a dict
        msg_id = attributes["id"]                # "<aggregate id>:<version>": dedupe on it
        kind = attributes["type"]                # "org.carepath.pathway.SafetyFlagRaised.v1"

What the modules hold:
- ``envelope``: ``Envelopes`` (``envelope``, ``json``), ``envelopes_for(settings)``, and the
  attribute helpers (``event_id``, ``source_of``, ``schema_path``, ``rfc3339``). The envelope's
  attributes are documented there;
- ``cloudevents``: ``check_envelope`` / ``envelope_problems`` (CloudEvents 1.0 plus carepath's
  own attributes, strict: nothing filled in) and ``cloudevent_problems`` (the spec alone);
- ``catalogue``: ``INTEGRATION_EVENTS``, ``integration_event_for(event class)``,
  ``by_type(cloudevents type)``, ``by_name``, ``event_types()``;
- ``event``: ``IntegrationEvent``, the base (``publishes``, ``aggregate``, ``version``,
  ``major``, ``cloudevents_type()``, ``from_event``); ``pathway``: the pathway's events;
  ``codes``: the value types they use;
- ``schemas``: the versioned JSON Schemas (``services/integration/schemas/<Name>/v<N>.json``)
  and ``compatibility``: the rules every new version of a schema keeps.

Types are ``org.carepath.<aggregate>.<Name>.v<major>``; ``subject`` is the aggregate's id
(a pathway's; a group's for group events); ``position`` is the ordered log's position, the
one cursor of the broker stream, the HTTP feed and SSE.
"""

from __future__ import annotations

from services.integration.catalogue import (
    INTEGRATION_EVENTS,
    NotPublished,
    by_name,
    by_type,
    event_types,
    integration_event_for,
)
from services.integration.cloudevents import (
    InvalidCloudEvent,
    check_envelope,
    cloudevent_problems,
    envelope_problems,
)
from services.integration.envelope import Envelopes, envelopes_for
from services.integration.event import IntegrationEvent

__all__ = [
    "INTEGRATION_EVENTS",
    "Envelopes",
    "IntegrationEvent",
    "InvalidCloudEvent",
    "NotPublished",
    "by_name",
    "by_type",
    "check_envelope",
    "cloudevent_problems",
    "envelope_problems",
    "envelopes_for",
    "event_types",
    "integration_event_for",
]
