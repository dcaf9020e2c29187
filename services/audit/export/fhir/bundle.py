"""A FHIR R4 ``collection`` Bundle of one pathway or many, written as it goes (a period's
bundle is never held whole in memory). A Patient or Practitioner shared by several pathways
appears once. References are ``urn:uuid:`` full URLs of the entries.

The groups the exported pathways are enrolled in follow the pathways: each Group once (its
members: the exported pathways' Patients), its sessions' Encounters, its events' Provenance.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson

from domain.pathway.events import PathwayEvent, PathwayOpened
from services.audit.export.fhir import refs
from services.audit.export.fhir.group import group_resources
from services.audit.export.fhir.pathway import pathway_resources
from services.audit.export.groups import GroupSource, Memberships


def bundle_chunks(histories: Iterable[Sequence[PathwayEvent]], *, bundle_id: str,
                  timestamp: datetime, groups: GroupSource | None = None) -> Iterator[bytes]:
    """The bundle's JSON in pieces: the header, one entry at a time, the end."""
    yield orjson.dumps({"resourceType": "Bundle", "id": bundle_id, "type": "collection",
                        "timestamp": refs.instant(timestamp)})[:-1] + b',"entry":['
    seen: set[str] = set()
    first = True

    def entries(resources: Iterable[dict[str, Any]]) -> Iterator[bytes]:
        nonlocal first
        for resource in resources:
            if resource["id"] in seen:
                continue
            seen.add(resource["id"])
            entry = orjson.dumps({"fullUrl": f"urn:uuid:{resource['id']}",
                                  "resource": resource})
            yield entry if first else b"," + entry
            first = False

    memberships = Memberships(groups)
    for events in histories:
        yield from entries(pathway_resources(events))
        opened = events[0]
        assert isinstance(opened, PathwayOpened)  # noqa: S101 - a stream begins with it
        memberships.add(opened.originator_id, refs.patient_id(opened.client_ref))
    for group_events, members in memberships.groups():
        yield from entries(group_resources(group_events, members))
    yield b"]}"
