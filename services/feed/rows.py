"""Envelopes straight from stored rows: the feed's fast path, equal to ``Envelopes.json``.

``Envelopes.json`` builds a catalogue event (the mapper's validating decode) and then a
validated integration event, some 15 us an event; a page of the feed reads thousands. Stored
events are canonical JSON whose times are already RFC 3339 UTC text and whose values are
already what the integration event's JSON holds, so for an integration event that copies
fields by name this module parses the stored JSON once and writes the envelope around the
copied values. Anything else (an integration event that reshapes values, a row stored at an
older class version, a value that is missing) takes ``Envelopes.json``'s path, row by row.
``tests/feed/test_rows.py`` holds the two paths equal over the whole catalogue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.utils import resolve_topic

from projections.log import OrderedLog, Position
from projections.scan import RawRow
from services.integration import NotPublished, integration_event_for
from services.integration.envelope import Envelopes, source_of
from services.integration.event import IntegrationEvent

log = logging.getLogger("carepath.feed")
Encoder = Callable[[RawRow, dict[str, Any], bytes], bytes | None]
"""Envelope bytes of a row, given its stored JSON parsed and its subject's text (None: take
the slow path)."""


@dataclass(frozen=True, slots=True)
class _Row:
    """A row as ``OrderedLog.decode`` reads a stored notification."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class RowEnvelopes:
    """Envelope bytes of stored rows ``(position, id, version, topic, state)``, in order."""

    def __init__(self, envelopes: Envelopes, log_: OrderedLog, mapper: Any) -> None:
        self._envelopes = envelopes
        self._log = log_
        self._cipher = getattr(mapper, "cipher", None)
        self._compressor = getattr(mapper, "compressor", None)
        self._plans: dict[str, Any] = {}

    def encode(self, rows: Sequence[RawRow]) -> tuple[list[Position], list[bytes]]:
        """Each row's position and envelope; rows of an event class nothing publishes are
        left out (logged once per class)."""
        positions: list[Position] = []
        envelopes: list[bytes] = []
        plans, cipher, compressor, loads = self._plans, self._cipher, self._compressor, _loads
        subjects: dict[Any, bytes] = {}
        for row in rows:
            topic = row[3]
            plan = plans.get(topic, _MISSING)
            if plan is _MISSING:
                plan = plans[topic] = self._plan(topic)
            if plan is _SKIP:
                continue
            encoded = None
            if plan is not None:
                state = row[4]
                if cipher is not None:
                    state = cipher.decrypt(state)
                if compressor is not None:
                    state = compressor.decompress(state)
                subject = subjects.get(row[1])
                if subject is None:
                    subject = subjects[row[1]] = subject_text(row[1])
                encoded = plan(row, loads(state), subject)
            if encoded is None:
                encoded = self._slow(row)
            positions.append(row[0])
            envelopes.append(encoded)
        return positions, envelopes

    def _slow(self, row: RawRow) -> bytes:
        """The envelope as ``Envelopes.json`` writes it, from the mapper's decode."""
        position, originator_id, version, topic, state = row
        uuid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        logged = self._log.decode([_Row(position, uuid, version, topic, state)])[0]
        return self._envelopes.json(logged)

    def _plan(self, topic: str) -> Any:
        """The encoder of ``topic``'s rows; None: the slow path; ``_SKIP``: not published."""
        try:
            event_class = resolve_topic(topic)
        except Exception:  # noqa: BLE001 - the slow path's decode names what is wrong
            return None
        try:
            model = integration_event_for(event_class)
        except NotPublished:
            log.warning("feed: events of %s are not published; left out", topic)
            return _SKIP
        names = copied_fields(model, event_class)
        data_of = _reshaped(model) if names is None else _copied(model, names)
        return _encoder(model, data_of, self._envelopes,
                        getattr(event_class, "class_version", 1))


_MISSING: Any = object()
_SKIP: Any = object()
_loads = orjson.loads
DataOf = Callable[[dict[str, Any]], Any]


def copied_fields(model: type[IntegrationEvent], event_class: type[Any]) -> list[str] | None:
    """The fields ``model`` copies by name from ``event_class`` (None: it reshapes some)."""
    base = IntegrationEvent
    if (model.from_event.__func__ is not base.from_event.__func__  # type: ignore[attr-defined]
            or model.fields_of.__func__ is not base.fields_of.__func__):  # type: ignore[attr-defined]
        return None
    stored = set(getattr(event_class, "__dataclass_fields__", ()))
    names = list(model.model_fields)
    if not set(names) <= stored:
        return None
    return names


def _copied(model: type[IntegrationEvent], names: list[str]) -> DataOf:
    """The data of a model that copies stored values by name: the stored JSON values."""
    properties = model.model_json_schema().get("properties", {})
    floats = [name for name, schema in properties.items()
              if "number" in {schema.get("type"),
                              *(option.get("type") for option in schema.get("anyOf", ()))}]

    def data_of(state: dict[str, Any]) -> Any:
        data = {name: state[name] for name in names}
        for name in floats:  # stored canonically (12.0 as 12); the model writes 12.0
            if type(data[name]) is int:
                data[name] = float(data[name])
        return data

    return data_of


def _reshaped(model: type[IntegrationEvent]) -> DataOf:
    """The data of a model that reshapes values: its own ``from_event``, over the stored JSON
    read as attributes (a few microseconds more, for a few event types)."""

    def data_of(state: dict[str, Any]) -> Any:
        return model.from_event(_Attributes(state)).model_dump(mode="json")

    return data_of


class _Attributes:
    """Stored JSON read as an event's attributes (nested objects and lists of them too)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrapped(self._values[name])
        except KeyError:
            raise AttributeError(name) from None


def _wrapped(value: Any) -> Any:
    if isinstance(value, dict):
        return _Attributes(value)
    if isinstance(value, list):
        return tuple(_wrapped(item) for item in value)
    return value


def _encoder(model: type[IntegrationEvent], data_of: DataOf, envelopes: Envelopes,
             class_version: int) -> Encoder:
    head = (b'{"specversion":"1.0","id":"%s:%d","source":' + orjson.dumps(source_of(model))
            + b',"type":' + orjson.dumps(model.cloudevents_type()) + b',"subject":"%s"'
            + b',"time":"%s","recordedtime":"%s","datacontenttype":"application/json"'
            + b',"dataschema":' + orjson.dumps(envelopes.dataschema(model))
            + b',"aggregateversion":%d,"position":%d,"correlationid":%s'
            + b',"schemaversion":' + str(model.version).encode() + b',"data":%s}')
    dumps = orjson.dumps

    def encode(row: RawRow, state: dict[str, Any], subject: bytes) -> bytes | None:
        if state.get("class_version", 1) != class_version:
            return None
        try:
            data = data_of(state)
            occurred, recorded = state["occurred_at"], state["timestamp"]
            correlation = state["meta"]["correlation_id"]
        except (KeyError, ValueError):  # a value missing or out of shape: the slow path
            return None
        return head % (subject, row[2], subject, occurred.encode(), recorded.encode(), row[2],
                       row[0], dumps(correlation), dumps(data))

    return encode


def subject_text(originator_id: Any) -> bytes:
    """An aggregate id as the envelope writes it: a UUID on PostgreSQL, 32 hex digits on
    SQLite, both written as the UUID's canonical text."""
    if isinstance(originator_id, str) and len(originator_id) == 32:  # noqa: PLR2004
        h = originator_id.lower()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode()
    return str(originator_id).encode()
