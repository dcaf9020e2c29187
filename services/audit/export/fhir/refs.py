"""Stable resource ids and references: the same pathway exports to the same ids every time.

Each resource's id is a UUID derived from what it stands for (the pathway and the event, the
client reference, the therapist), so a bundle exported twice is the same and a client with
two pathways is one Patient. References inside a bundle are ``urn:uuid:<id>``; people who act
but have no resource here (supervisors, clients acting for themselves, the system) are
logical references by identifier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from services.audit.export.fhir.codes import ACTOR

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:carepath:fhir")


def resource_id(*parts: object) -> str:
    return str(uuid5(_NAMESPACE, "/".join(str(part) for part in parts)))


def of_pathway(pathway_id: UUID, *parts: object) -> str:
    return resource_id("pathway", pathway_id, *parts)


def of_group(group_id: UUID, *parts: object) -> str:
    return resource_id("group", group_id, *parts)


def group_session_id(group_id: UUID, number: int) -> str:
    """The group session's Encounter (its members' Encounters are ``partOf`` it)."""
    return of_group(group_id, "session", number)


def patient_id(client_ref: str) -> str:
    return resource_id("client", client_ref)


def practitioner_id(actor_id: str) -> str:
    return resource_id("actor", actor_id)


def ref(resource_id: str, display: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"reference": f"urn:uuid:{resource_id}"}
    if display:
        found["display"] = display
    return found


def actor(actor_id: str, role: str) -> dict[str, Any]:
    """Whoever acted, by identifier (a logical reference): id and role as recorded."""
    return {"identifier": {"system": ACTOR, "value": actor_id}, "display": f"{actor_id} ({role})"}


def instant(moment: datetime) -> str:
    """FHIR dateTime/instant text in UTC, to the microsecond when there is one."""
    return moment.isoformat().replace("+00:00", "Z")
