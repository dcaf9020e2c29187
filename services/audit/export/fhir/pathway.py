"""One pathway's stored events as FHIR R4 resources: Patient and Practitioner (by identifier
only: no name, no address), the EpisodeOfCare, Conditions, CarePlans, Encounters,
Observations, Consents, and a Provenance for every event.

A group member's group session is an Encounter ``partOf`` the group session's (see
:mod:`.group`); an absence from a group session is no Encounter of the member's (the session
was not theirs to cancel): its Provenance records the absence and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.pathway import events as e
from domain.pathway.aggregate import Pathway
from services.application import replay
from services.audit.export.fhir import care, refs
from services.audit.export.fhir.codes import ACTOR, CLIENT_REF
from services.audit.export.fhir.measures import measure_observations
from services.audit.export.fhir.records import consent, provenance

Resource = dict[str, Any]
_PLANS = (e.ContractSigned, e.ContractRenegotiated, e.MaintenanceScheduled)


def pathway_resources(events: Sequence[e.PathwayEvent]) -> list[Resource]:
    """Every resource of one pathway, in a reader's order (who, the episode, its parts, then
    the provenance of each event)."""
    opened = events[0]
    assert isinstance(opened, e.PathwayOpened)  # noqa: S101 - a stream begins with it
    final: Pathway = replay(None, events)
    state = final.state
    pathway_id = opened.originator_id
    ids = {"patient": refs.patient_id(state.client_ref),
           "therapist": refs.practitioner_id(opened.therapist_id),
           "episode": refs.of_pathway(pathway_id, "episode")}
    diagnoses = [ev for ev in events if isinstance(ev, e.DiagnosisRecorded)]
    conditions = [care.condition(ev, ids, current=ev is diagnoses[-1]) for ev in diagnoses]
    condition_ids = [condition["id"] for condition in conditions]
    closed = next((ev for ev in events if isinstance(ev, e.PathwayClosed)), None)
    parts: list[Resource] = [*conditions]
    consents: dict[tuple[str, str], Resource] = {}
    targets: dict[int, tuple[list[str], bool]] = {}
    plans = [ev for ev in events if isinstance(ev, _PLANS)]
    previous_plan: str | None = None
    session_on: dict[Any, str] = {}
    for event in events:
        version = event.originator_version
        made: list[str] = []
        if isinstance(event, e.DiagnosisRecorded):
            made = [refs.of_pathway(pathway_id, "diagnosis", version)]
        elif isinstance(event, _PLANS):
            plan = care.care_plan(event, state, ids, status=_plan_status(event, plans, state,
                                                                         closed),
                                  replaces=previous_plan if not isinstance(
                                      event, e.MaintenanceScheduled) else None,
                                  conditions=condition_ids)
            if not isinstance(event, e.MaintenanceScheduled):
                previous_plan = plan["id"]
            parts.append(plan)
            made = [plan["id"]]
        elif isinstance(event, e.SessionMissed) and event.group_id is not None:
            pass  # absent from a group session: no Encounter; its Provenance says why
        elif isinstance(event, e.SessionHeld | e.SessionMissed):
            encounter = care.encounter(event, ids, state.channel)
            parts.append(encounter)
            made = [encounter["id"]]
            if isinstance(event, e.SessionHeld):
                session_on[event.occurred_at.date()] = encounter["id"]
        elif isinstance(event, e.MeasureRecorded):
            panel, observations = measure_observations(
                event, ids["patient"], session_on.get(event.occurred_at.date()))
            parts.extend(observations)
            made = [panel]
        elif isinstance(event, e.ConsentRecorded | e.ConsentWithdrawn):
            for kind in event.kinds:
                consents[(event.given_by, kind)] = consent(event, kind, ids, state.client_ref)
            made = [refs.of_pathway(pathway_id, "consent", event.given_by, kind)
                    for kind in event.kinds]
        targets[version] = (made or [ids["episode"]], bool(made) or version == 1)
    who = [{"resourceType": "Patient", "id": ids["patient"],
            "identifier": [{"system": CLIENT_REF, "value": state.client_ref}]},
           {"resourceType": "Practitioner", "id": ids["therapist"],
            "identifier": [{"system": ACTOR, "value": opened.therapist_id}]}]
    episode = care.episode_of_care(state, opened, closed, ids, condition_ids)
    provenances = [provenance(event, *targets[event.originator_version][:1],
                              created=targets[event.originator_version][1]) for event in events]
    return [*who, episode, *parts, *consents.values(), *provenances]


def _plan_status(event: e.PathwayEvent, plans: Sequence[e.PathwayEvent], state: Any,
                 closed: e.PathwayClosed | None) -> str:
    if isinstance(event, e.MaintenanceScheduled):
        return "completed" if closed is not None else "active"
    contracts = [plan for plan in plans if not isinstance(plan, e.MaintenanceScheduled)]
    if event is not contracts[-1]:
        return "revoked"  # replaced by the renegotiated contract
    if state.outcome is not None:
        return "completed"
    return "revoked" if closed is not None else "active"
