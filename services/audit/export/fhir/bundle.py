"""A FHIR R4 ``collection`` Bundle of one pathway or many, written as it goes (a period's
bundle is never held whole in memory). A Patient or Practitioner shared by several pathways
appears once. References are ``urn:uuid:`` full URLs of the entries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import orjson

from domain.pathway.events import PathwayEvent
from services.audit.export.fhir import refs
from services.audit.export.fhir.pathway import pathway_resources


def bundle_chunks(histories: Iterable[Sequence[PathwayEvent]], *, bundle_id: str,
                  timestamp: datetime) -> Iterator[bytes]:
    """The bundle's JSON in pieces: the header, one entry at a time, the end."""
    yield orjson.dumps({"resourceType": "Bundle", "id": bundle_id, "type": "collection",
                        "timestamp": refs.instant(timestamp)})[:-1] + b',"entry":['
    seen: set[str] = set()
    first = True
    for events in histories:
        for resource in pathway_resources(events):
            if resource["id"] in seen:
                continue
            seen.add(resource["id"])
            entry = orjson.dumps({"fullUrl": f"urn:uuid:{resource['id']}",
                                  "resource": resource})
            yield entry if first else b"," + entry
            first = False
    yield b"]}"
