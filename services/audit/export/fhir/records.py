"""Consent (one per person and kind of consent, in its latest status) and Provenance (one per
stored event: who, when on both clocks, the activity, the protocol and the rules the command
was checked against as policies, a deviation's reason as its reason)."""

from __future__ import annotations

from typing import Any

from domain.group.events import GroupEvent
from domain.pathway import events as e
from services.audit.export.fhir import refs
from services.audit.export.fhir.codes import (
    ACT_CODE,
    CLIENT_REF,
    CONSENT_CATEGORY,
    CONSENT_POLICY_RULE,
    CONSENT_SCOPE,
    CONSENT_SCOPES,
    DATA_OPERATION,
    EXTENSION,
    LOINC,
    PARTICIPANT_TYPE,
    PROTOCOL_POLICY,
    RULE_POLICY,
    concept,
)

Consenting = e.ConsentRecorded | e.ConsentWithdrawn


def consent(event: Consenting, kind: str, ids: dict[str, str], client_ref: str
            ) -> dict[str, Any]:
    """The consent of ``event.given_by`` to ``kind`` as ``event`` left it."""
    given = isinstance(event, e.ConsentRecorded)
    scope_code, scope_display = CONSENT_SCOPES[kind]
    performer = (refs.ref(ids["patient"]) if event.given_by == "client" else
                 {"type": "RelatedPerson", "identifier": {"system": f"{CLIENT_REF}:guardian",
                                                          "value": client_ref},
                  "display": "the client's guardian"})
    return {
        "resourceType": "Consent",
        "id": refs.of_pathway(event.originator_id, "consent", event.given_by, kind),
        "status": "active" if given else "inactive",
        "scope": concept(CONSENT_SCOPE, scope_code, scope_display),
        "category": [concept(LOINC, *CONSENT_CATEGORY), {"text": f"{kind} consent"}],
        "patient": refs.ref(ids["patient"]),
        "dateTime": refs.instant(event.occurred_at),
        "performer": [performer],
        "policyRule": concept(ACT_CODE, *CONSENT_POLICY_RULE),
        "provision": {"type": "permit" if given else "deny", "code": [{"text": kind}]},
    }


def provenance(event: e.PathwayEvent | GroupEvent, targets: list[str], *, created: bool,
               resource_id: str | None = None) -> dict[str, Any]:
    """The event's Provenance; ``targets`` are the resources it created or changed. A group
    member's part in a group session names the group session's Encounter as its source (an
    absence also says why: it has no Encounter of its own)."""
    meta = event.meta
    found: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": resource_id or refs.of_pathway(event.originator_id, "event",
                                             event.originator_version),
        "extension": [
            {"url": f"{EXTENSION}event-type", "valueString": type(event).__name__},
            {"url": f"{EXTENSION}event-version", "valueInteger": event.originator_version},
            {"url": f"{EXTENSION}correlation-id", "valueString": meta.correlation_id},
        ],
        "target": [refs.ref(target) for target in targets],
        "occurredDateTime": refs.instant(event.occurred_at),
        "recorded": refs.instant(event.timestamp),
        "policy": [f"{PROTOCOL_POLICY}{meta.protocol}",
                   *(f"{RULE_POLICY}{rule}" for rule in meta.rules_checked)],
        "activity": concept(DATA_OPERATION, "CREATE" if created else "UPDATE",
                            text=type(event).__name__),
        "agent": [{"type": concept(PARTICIPANT_TYPE, "author", "Author"),
                   "role": [{"text": meta.actor_role}],
                   "who": refs.actor(meta.actor_id, meta.actor_role)}],
    }
    if isinstance(event, e.DeviationRecorded):
        found["reason"] = [{"text": f"{event.rule} deviation: {event.reason}"}]
    if isinstance(event, e.SessionHeld | e.SessionMissed) and event.group_id is not None \
            and event.number is not None:
        found["entity"] = [{"role": "source", "what": refs.ref(
            refs.group_session_id(event.group_id, event.number))}]
        if isinstance(event, e.SessionMissed):
            found["reason"] = [{"text": f"absent from group session {event.number}:"
                                        f" {event.kind.replace('_', ' ')}"}]
    return found
