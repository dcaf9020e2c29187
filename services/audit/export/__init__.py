"""Exports of a pathway, or of every pathway of a period, as JSON lines or a FHIR R4 bundle.

JSON lines: one line per stored event, as the audit history shows it (``AuditEvent``) with the
pathway's id, in recorded order, pathway after pathway. FHIR: see :mod:`.fhir`. The groups the
exported pathways were enrolled in follow them (their events as lines with ``group_id``; in
FHIR the Group, its sessions' Encounters and its events' Provenance). A period holds the
pathways with at least one event whose clinical time lies in it (``since`` inclusive,
``until`` exclusive); each is exported whole, so its story stays complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Literal

import orjson

from domain.pathway.events import PathwayEvent
from services.audit.entries import Entry
from services.audit.export.fhir.bundle import bundle_chunks
from services.audit.export.groups import GroupSource, Memberships
from services.audit.wire import AuditEvent

Format = Literal["jsonl", "fhir"]
FORMATS: tuple[Format, ...] = ("jsonl", "fhir")
MEDIA_TYPES: dict[Format, str] = {"jsonl": "application/x-ndjson",
                                  "fhir": "application/fhir+json"}
Progress = Callable[[int, int], None]


def jsonl_chunks(histories: Iterable[Sequence[PathwayEvent]],
                 groups: GroupSource | None = None) -> Iterator[bytes]:
    """The pathways' events, then the events of the groups they were enrolled in (a line
    with ``group_id`` instead of ``pathway_id``)."""
    memberships = Memberships(groups)
    for events in histories:
        for event in events:
            line = AuditEvent.of(Entry.of(event)).model_dump(mode="json")
            yield orjson.dumps({"pathway_id": str(event.originator_id), **line}) + b"\n"
        if events:
            memberships.add(events[0].originator_id, "")
    for group_events, _members in memberships.groups():
        for group_event in group_events:
            line = AuditEvent.of(Entry.of(group_event)).model_dump(mode="json")
            yield orjson.dumps({"group_id": str(group_event.originator_id), **line}) + b"\n"


def export_chunks(histories: Iterable[Sequence[PathwayEvent]], form: Format, *,
                  bundle_id: str, now: datetime,
                  groups: GroupSource | None = None) -> Iterator[bytes]:
    if form == "jsonl":
        return jsonl_chunks(histories, groups)
    return bundle_chunks(histories, bundle_id=bundle_id, timestamp=now, groups=groups)


def in_period(events: Sequence[PathwayEvent], since: datetime, until: datetime) -> bool:
    """Whether any of the pathway's events occurred (clinical time) in [since, until)."""
    return any(since <= event.occurred_at < until for event in events)
