"""A group's stored events as FHIR R4 resources: the Group, an Encounter per group session,
Practitioners for its leaders, and a Provenance per group event.

- **Group** (``type`` person, ``actual``): its members are the exported pathways' Patients
  (``member.entity``, with the enrolment as ``period`` and ``inactive`` once they left);
  ``quantity`` is every member the group enrolled, so an export of one member's pathway shows
  the group's size without naming the other clients.
- **A group session** is an Encounter whose ``subject`` is the Group (R4 allows a Group as an
  Encounter's subject), with the leaders as participants. Each attending member's own
  Encounter (from their pathway's ``SessionHeld``) is ``partOf`` it: ``partOf`` is the R4
  element for an encounter that is part of another, and ``basedOn`` takes only a
  ServiceRequest in R4, so no extension is needed. An absent member has no Encounter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.group import events as g
from services.audit.export.fhir import refs
from services.audit.export.fhir.codes import (
    ACT_CODE,
    ACTOR,
    ENCOUNTER_CLASS,
    GROUP_ID,
    GROUP_SESSION,
    PROTOCOL,
    UCUM,
    coding,
    concept,
)
from services.audit.export.fhir.records import provenance

Resource = dict[str, Any]


def group_resources(events: Sequence[g.GroupEvent], members: Mapping[UUID, str]
                    ) -> list[Resource]:
    """The group's resources; ``members`` maps each exported member's pathway to its
    Patient's id (only they are listed as members)."""
    formed = events[0]
    assert isinstance(formed, g.GroupFormed)  # noqa: S101 - a group's stream begins with it
    group_id = formed.originator_id
    group = refs.of_group(group_id)
    leaders = [{"resourceType": "Practitioner", "id": refs.practitioner_id(leader),
                "identifier": [{"system": ACTOR, "value": leader}]} for leader in formed.leaders]
    sessions = [session_encounter(event, group, formed) for event in events
                if isinstance(event, g.GroupSessionHeld)]
    provenances = [provenance(event, [_target(event, group)], created=isinstance(
        event, g.GroupFormed | g.GroupSessionHeld), resource_id=refs.of_group(
            group_id, "event", event.originator_version)) for event in events]
    return [*leaders, group_resource(events, members), *sessions, *provenances]


def group_resource(events: Sequence[g.GroupEvent], members: Mapping[UUID, str]) -> Resource:
    formed = events[0]
    assert isinstance(formed, g.GroupFormed)  # noqa: S101
    enrolled: dict[UUID, g.MemberEnrolled] = {}
    left: dict[UUID, g.MemberLeft] = {}
    for event in events:
        if isinstance(event, g.MemberEnrolled):
            enrolled[event.pathway_id] = event
            left.pop(event.pathway_id, None)
        elif isinstance(event, g.MemberLeft):
            left[event.pathway_id] = event
    closed = next((event for event in events if isinstance(event, g.GroupClosed)), None)
    protocol = f"{formed.protocol_id}@{formed.protocol_version}"
    found: Resource = {
        "resourceType": "Group", "id": refs.of_group(formed.originator_id),
        "identifier": [{"system": GROUP_ID, "value": str(formed.originator_id)}],
        "active": closed is None, "type": "person", "actual": True,
        "code": concept(PROTOCOL, protocol, text=f"Group IPT ({protocol})"),
        "name": f"IPT group of {formed.start_date.isoformat()}",
        "quantity": len(enrolled),
        "managingEntity": refs.ref(refs.practitioner_id(formed.leaders[0])),
    }
    listed = [_member(event, left.get(pathway_id), members[pathway_id])
              for pathway_id, event in enrolled.items() if pathway_id in members]
    if listed:
        found["member"] = listed
    return found


def session_encounter(event: g.GroupSessionHeld, group: str, formed: g.GroupFormed
                      ) -> Resource:
    class_code, class_display = ENCOUNTER_CLASS[event.channel]
    group_id, number = event.originator_id, event.number
    return {
        "resourceType": "Encounter", "id": refs.group_session_id(group_id, number),
        "identifier": [{"system": GROUP_SESSION, "value": f"{group_id}/{number}"}],
        "status": "finished",
        "class": coding(ACT_CODE, class_code, class_display),
        "type": [{"text": f"IPT group session {number} of {formed.sessions}"}],
        "subject": refs.ref(group),
        "participant": [{"individual": refs.ref(refs.practitioner_id(leader))}
                        for leader in formed.leaders],
        "period": {"start": refs.instant(event.occurred_at),
                   "end": refs.instant(event.occurred_at + timedelta(minutes=event.minutes))},
        "length": {"value": event.minutes, "unit": "min", "system": UCUM, "code": "min"},
    }


def _member(enrolled: g.MemberEnrolled, left: g.MemberLeft | None, patient: str) -> Resource:
    period = {"start": refs.instant(enrolled.occurred_at)}
    if left is not None:
        period["end"] = refs.instant(left.occurred_at)
    return {"entity": refs.ref(patient), "period": period, "inactive": left is not None}


def _target(event: g.GroupEvent, group: str) -> str:
    if isinstance(event, g.GroupSessionHeld):
        return refs.group_session_id(event.originator_id, event.number)
    return group
