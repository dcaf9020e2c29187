"""Envelopes straight from stored rows: the feed's fast path, equal to ``Envelopes.envelope``.

``Envelopes.envelope`` takes a catalogue event (the mapper's validating decode) and builds a
validated integration event from it, some 15 us an event; a page of the feed reads
thousands. Stored events are canonical JSON whose times are already RFC 3339 UTC text and
whose values are already what the integration event's JSON holds. So for an integration
event that copies fields by name, msgspec decodes from the stored bytes only what the
envelope needs (the times, the correlation id, and each published field as its raw JSON
text, never parsed), skipping the rest, and the envelope is written around those bytes. An
integration event that reshapes values (the inventory without aliases, the signers' roles)
runs its own ``from_event`` over the stored JSON read as attributes. A row stored at an older
class version, or one missing a value, takes ``Envelopes.envelope``'s path. The caller
encodes the envelopes (:func:`encode`: a page in one call); ``tests/feed/test_rows.py`` holds
the paths byte for byte equal over the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.utils import resolve_topic

from projections.log import OrderedLog, Position
from projections.scan import RawRow
from services.feed.mirror import Meta, stored_struct
from services.integration import integration_event_for
from services.integration.envelope import Envelopes, source_of
from services.integration.event import IntegrationEvent

Envelope = Any
"""An envelope ready to encode: a ``msgspec.Struct`` (fast path) or a JSON-ready dict."""
Encoder = Callable[[RawRow, bytes, str], Envelope | None]
"""The envelope of a row, given its stored JSON bytes and its subject's text (None: take the
slow path)."""
encode: Callable[[Any], bytes] = msgspec.json.Encoder().encode
"""JSON bytes of envelopes, pages of them, or anything else JSON."""


class _Envelope(msgspec.Struct, gc=False):
    """The CloudEvent as ``Envelopes.envelope`` orders its attributes (untracked by the
    cyclic collector, like the other structs here: a page makes thousands, none in a cycle)."""

    specversion: str
    id: str
    source: str
    type: str
    subject: str
    time: str
    recordedtime: str
    datacontenttype: str
    dataschema: str
    aggregateversion: int
    position: int
    correlationid: str
    schemaversion: int
    data: Any


@dataclass(frozen=True, slots=True)
class _Row:
    """A row as ``OrderedLog.decode`` reads a stored notification."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class RowEnvelopes:
    """Envelopes of stored rows ``(position, id, version, topic, state)``, in order."""

    def __init__(self, envelopes: Envelopes, log_: OrderedLog, mapper: Any) -> None:
        self._envelopes = envelopes
        self._log = log_
        self._cipher = getattr(mapper, "cipher", None)
        self._compressor = getattr(mapper, "compressor", None)
        self._plans: dict[str, Any] = {}

    def envelopes(self, rows: Sequence[RawRow]) -> tuple[list[Position], list[Envelope]]:
        """Each row's position and envelope. Every stored event class is published (a
        pathway's or a group's); a row of a class that is not raises ``NotPublished``."""
        positions: list[Position] = []
        envelopes: list[Envelope] = []
        plans, cipher, compressor = self._plans, self._cipher, self._compressor
        subjects: dict[Any, str] = {}
        for row in rows:
            topic = row[3]
            plan = plans.get(topic, _MISSING)
            if plan is _MISSING:
                plan = plans[topic] = self._plan(topic)
            envelope = None
            if plan is not None:
                state = row[4]
                if cipher is not None:
                    state = cipher.decrypt(state)
                if compressor is not None:
                    state = compressor.decompress(state)
                subject = subjects.get(row[1])
                if subject is None:
                    subject = subjects[row[1]] = subject_text(row[1])
                envelope = plan(row, state, subject)
            positions.append(row[0])
            envelopes.append(envelope or self._slow(row))
        return positions, envelopes

    def _slow(self, row: RawRow) -> dict[str, Any]:
        """The envelope as ``Envelopes.envelope`` makes it, from the mapper's decode."""
        position, originator_id, version, topic, state = row
        uuid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        logged = self._log.decode([_Row(position, uuid, version, topic, state)])[0]
        return self._envelopes.envelope(logged)

    def _plan(self, topic: str) -> Any:
        """The encoder of ``topic``'s rows; None: the slow path."""
        try:
            event_class = resolve_topic(topic)
        except Exception:  # noqa: BLE001 - the slow path's decode names what is wrong
            return None
        model = integration_event_for(event_class)  # NotPublished: a class left out by mistake
        class_version = getattr(event_class, "class_version", 1)
        names = copied_fields(model, event_class)
        if names is not None:
            return _copying(model, names, self._envelopes, class_version)
        data_of = _validated(model) if _overrides(model, "from_event") else _fields_of(model)
        return _reshaping(model, event_class, self._envelopes, class_version, data_of)


_MISSING: Any = object()


def _overrides(model: type[IntegrationEvent], method: str) -> bool:
    mine = getattr(model, method).__func__
    return bool(mine is not getattr(IntegrationEvent, method).__func__)


def copied_fields(model: type[IntegrationEvent], event_class: type[Any]) -> list[str] | None:
    """The fields ``model`` copies by name from ``event_class`` (None: it reshapes some)."""
    if _overrides(model, "from_event") or _overrides(model, "fields_of"):
        return None
    stored = set(getattr(event_class, "__dataclass_fields__", ()))
    names = list(model.model_fields)
    if not set(names) <= stored:
        return None
    return names


def _float_fields(model: type[IntegrationEvent]) -> set[str]:
    """Fields the model writes as numbers with a fraction (stored canonically: 12.0 as 12)."""
    properties = model.model_json_schema().get("properties", {})
    return {name for name, schema in properties.items()
            if "number" in {schema.get("type"),
                            *(option.get("type") for option in schema.get("anyOf", ()))}}


def _copying(model: type[IntegrationEvent], names: list[str], envelopes: Envelopes,
             class_version: int) -> Encoder:
    """Rows of a model that copies fields by name: each field's stored JSON text as it is.

    One struct holds the published fields and, after them, what the envelope takes from the
    stored JSON; those are read and then unset, so the struct itself is the ``data`` (an
    unset field is left out when encoded)."""
    floats = _float_fields(model)
    unset = msgspec.UNSET
    stored_type = msgspec.defstruct(f"{model.__name__}Data", [
        *((name, float | None if name in floats else msgspec.Raw) for name in names),
        ("occurred_at", str | msgspec.UnsetType, unset),
        ("timestamp", str | msgspec.UnsetType, unset),
        ("meta", Meta | msgspec.UnsetType, unset),
        ("class_version", int | msgspec.UnsetType, unset)], gc=False)
    decode = msgspec.json.Decoder(stored_type).decode
    event_type, source = model.cloudevents_type(), source_of(model)
    dataschema, schema_version = envelopes.dataschema(model), model.version

    def encoder(row: RawRow, state: bytes, subject: str) -> Envelope | None:
        try:
            data: Any = decode(state)
        except (msgspec.ValidationError, msgspec.DecodeError):  # out of shape
            return None
        occurred, recorded, meta, version = (
            data.occurred_at, data.timestamp, data.meta, data.class_version)
        if version is unset:
            version = 1
        else:
            data.class_version = unset
        if occurred is unset or recorded is unset or meta is unset or version != class_version:
            return None  # a value missing, or an older version: the slow path
        data.occurred_at = data.timestamp = data.meta = unset
        return _Envelope("1.0", f"{subject}:{row[2]}", source, event_type, subject,
                         occurred, recorded, "application/json", dataschema, row[2], row[0],
                         meta.correlation_id, schema_version, data)

    return encoder


Reshape = Callable[[Any], Any]
"""The ``data`` of a stored event (decoded into its mirror struct), for a model that reshapes
values."""


def _fields_of(model: type[IntegrationEvent]) -> Reshape:
    """The model's own ``fields_of`` over the stored event: values that are already what the
    model writes (the tests hold it to that), so no second validation."""
    floats = _float_fields(model)

    def data_of(stored: Any) -> Any:
        data = model.fields_of(stored)
        for name in floats:  # stored canonically (12.0 as 12); the model writes 12.0
            if type(data[name]) is int:
                data[name] = float(data[name])
        return data

    return data_of


def _validated(model: type[IntegrationEvent]) -> Reshape:
    """The model's own ``from_event`` over the stored event, validated and dumped as the
    relay does (a pydantic round trip)."""

    def data_of(stored: Any) -> Any:
        return model.from_event(stored).model_dump(mode="json")

    return data_of


def _reshaping(model: type[IntegrationEvent], event_class: Any, envelopes: Envelopes,
               class_version: int, data_of: Reshape) -> Encoder:
    """Rows of a model that reshapes values: the stored JSON decoded into the event class's
    mirror (``services.feed.mirror``), then ``data_of``."""
    decode = msgspec.json.Decoder(stored_struct(event_class)).decode
    event_type, source = model.cloudevents_type(), source_of(model)
    dataschema, schema_version = envelopes.dataschema(model), model.version

    def encoder(row: RawRow, state: bytes, subject: str) -> Envelope | None:
        try:
            stored: Any = decode(state)
        except (msgspec.ValidationError, msgspec.DecodeError):  # missing or out of shape
            return None
        if stored.class_version != class_version:
            return None
        try:
            data = data_of(stored)
        except (AttributeError, KeyError, TypeError, ValueError):  # the slow path says why
            return None
        return _Envelope("1.0", f"{subject}:{row[2]}", source, event_type, subject,
                         stored.occurred_at, stored.timestamp, "application/json",
                         dataschema, row[2], row[0], stored.meta.correlation_id,
                         schema_version, data)

    return encoder


def subject_text(originator_id: Any) -> str:
    """An aggregate id as the envelope writes it: a UUID on PostgreSQL, 32 hex digits on
    SQLite, both written as the UUID's canonical text."""
    if isinstance(originator_id, str) and len(originator_id) == 32:  # noqa: PLR2004
        h = originator_id.lower()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(originator_id)
