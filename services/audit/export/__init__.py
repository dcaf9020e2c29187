"""Exports of a pathway, or of every pathway of a period, as JSON lines or a FHIR R4 bundle.

JSON lines: one line per stored event, as the audit history shows it (``AuditEvent``) with the
pathway's id, in recorded order, pathway after pathway. FHIR: see :mod:`.fhir`. A period
holds the pathways with at least one event whose clinical time lies in it (``since``
inclusive, ``until`` exclusive); each is exported whole, so its story stays complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Literal

import orjson

from domain.pathway.events import PathwayEvent
from services.audit.entries import Entry
from services.audit.export.fhir.bundle import bundle_chunks
from services.audit.wire import AuditEvent

Format = Literal["jsonl", "fhir"]
FORMATS: tuple[Format, ...] = ("jsonl", "fhir")
MEDIA_TYPES: dict[Format, str] = {"jsonl": "application/x-ndjson",
                                  "fhir": "application/fhir+json"}
Progress = Callable[[int, int], None]


def jsonl_chunks(histories: Iterable[Sequence[PathwayEvent]]) -> Iterator[bytes]:
    for events in histories:
        for event in events:
            line = AuditEvent.of(Entry.of(event)).model_dump(mode="json")
            yield orjson.dumps({"pathway_id": str(event.originator_id), **line}) + b"\n"


def export_chunks(histories: Iterable[Sequence[PathwayEvent]], form: Format, *,
                  bundle_id: str, now: datetime) -> Iterator[bytes]:
    if form == "jsonl":
        return jsonl_chunks(histories)
    return bundle_chunks(histories, bundle_id=bundle_id, timestamp=now)


def in_period(events: Sequence[PathwayEvent], since: datetime, until: datetime) -> bool:
    """Whether any of the pathway's events occurred (clinical time) in [since, until)."""
    return any(since <= event.occurred_at < until for event in events)
