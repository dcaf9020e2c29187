"""The course of care: the EpisodeOfCare (the pathway), a CarePlan per contract (each
renegotiation replaces the one before; maintenance is a plan of its own), an Encounter per
session held (finished) or missed (cancelled), and a Condition per diagnosis recorded."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.pathway import events as e
from domain.pathway.state import PathwayState
from services.audit.export.fhir import refs
from services.audit.export.fhir.codes import (
    ACT_CODE,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    ENCOUNTER_CLASS,
    ICD10,
    PATHWAY_ID,
    PROTOCOL,
    SESSION,
    SEVERITY,
    SNOMED,
    TIMING,
    UCUM,
    coding,
    concept,
)


def episode_of_care(state: PathwayState, opened: e.PathwayOpened, closed: e.PathwayClosed | None,
                    ids: dict[str, str], diagnoses: list[str]) -> dict[str, Any]:
    status = "active" if closed is None else (
        "entered-in-error" if closed.reason == "entered_in_error" else "finished")
    period = {"start": refs.instant(opened.occurred_at)}
    if closed is not None:
        period["end"] = refs.instant(closed.occurred_at)
    protocol = state.protocol
    episode: dict[str, Any] = {
        "resourceType": "EpisodeOfCare", "id": ids["episode"],
        "identifier": [{"system": PATHWAY_ID, "value": str(opened.originator_id)}],
        "status": status,
        "type": [concept(PROTOCOL, protocol.ref, protocol.title)],
        "patient": refs.ref(ids["patient"]),
        "period": period,
        "careManager": refs.ref(ids["therapist"], opened.therapist_id),
    }
    if diagnoses:
        episode["diagnosis"] = [{"condition": refs.ref(condition), "rank": rank}
                                for rank, condition in enumerate(reversed(diagnoses), 1)]
    return episode


def condition(event: e.DiagnosisRecorded, ids: dict[str, str], *, current: bool) -> dict[str, Any]:
    severity_code, severity_display = SEVERITY[event.severity]
    return {
        "resourceType": "Condition",
        "id": refs.of_pathway(event.originator_id, "diagnosis", event.originator_version),
        "clinicalStatus": concept(CONDITION_CLINICAL, "active" if current else "inactive"),
        "verificationStatus": concept(CONDITION_VERIFICATION, "confirmed"),
        "category": [concept(CONDITION_CATEGORY, "encounter-diagnosis",
                             "Encounter Diagnosis")],
        "severity": concept(SNOMED, severity_code, severity_display),
        "code": {"coding": [coding(ICD10, event.icd10)], "text": event.icd10},
        "subject": refs.ref(ids["patient"]),
        "recordedDate": refs.instant(event.occurred_at),
        "recorder": refs.actor(event.meta.actor_id, event.meta.actor_role),
    }


def care_plan(event: e.ContractSigned | e.ContractRenegotiated | e.MaintenanceScheduled,
              state: PathwayState, ids: dict[str, str], *, status: str,
              replaces: str | None, conditions: list[str]) -> dict[str, Any]:
    """The contract (or a renegotiated or maintenance one) as a CarePlan."""
    contract = state.contract
    foci: tuple[str, ...] = ()
    end: date | None = None
    minutes: int | None = None
    if isinstance(event, e.MaintenanceScheduled):
        sessions, frequency, start = event.sessions, event.frequency, event.start_date
        title = f"Maintenance ({event.protocol}): {sessions} {frequency} sessions"
    else:
        assert contract is not None  # noqa: S101 - a contract event always leaves one
        sessions, frequency, foci = event.sessions, event.frequency, event.foci
        start, minutes = contract.start_date, contract.session_minutes
        end = start + timedelta(weeks=event.course_window_weeks)
        title = f"IPT contract: {sessions} {frequency.replace('_', ' ')} sessions"
    per, period, unit = TIMING[frequency]
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": refs.of_pathway(event.originator_id, "plan", event.originator_version),
        "identifier": [{"system": PATHWAY_ID,
                        "value": f"{event.originator_id}/plan/{event.originator_version}"}],
        "status": status, "intent": "plan",
        "category": [{"text": "Interpersonal psychotherapy contract"}],
        "title": title,
        "description": _described(sessions, frequency, minutes, foci),
        "subject": refs.ref(ids["patient"]),
        "period": {"start": _day(start), **({"end": _day(end)} if end else {})},
        "created": refs.instant(event.occurred_at),
        "author": refs.ref(ids["therapist"]),
        "activity": [{"detail": {
            "kind": "Appointment", "code": {"text": "IPT session"},
            "status": "completed" if status == "completed" else "scheduled",
            "scheduledTiming": {"repeat": {"count": sessions, "frequency": per,
                                           "period": period, "periodUnit": unit}},
            "description": f"foci: {', '.join(foci)}" if foci else "maintenance sessions",
        }}],
    }
    if replaces is not None:
        plan["replaces"] = [refs.ref(replaces)]
    if conditions:
        plan["addresses"] = [refs.ref(conditions[-1])]
    return plan


def encounter(event: e.SessionHeld | e.SessionMissed, ids: dict[str, str],
              channel: str) -> dict[str, Any]:
    """A session held (finished) or missed (cancelled); a group member's session is
    ``partOf`` the group session's Encounter, whose subject is the Group."""
    held = isinstance(event, e.SessionHeld)
    class_code, class_display = ENCOUNTER_CLASS[
        event.channel if isinstance(event, e.SessionHeld) else channel]
    period = {"start": refs.instant(event.occurred_at)}
    found: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": refs.of_pathway(event.originator_id, "encounter", event.originator_version),
        "status": "finished" if held else "cancelled",
        "class": coding(ACT_CODE, class_code, class_display),
        "subject": refs.ref(ids["patient"]),
        "episodeOfCare": [refs.ref(ids["episode"])],
        "participant": [{"individual": refs.ref(ids["therapist"])}],
        "period": period,
    }
    if event.group_id is not None and event.number is not None:
        found["partOf"] = refs.ref(refs.group_session_id(event.group_id, event.number))
    if isinstance(event, e.SessionHeld):
        found["identifier"] = [{"system": SESSION,
                                "value": f"{event.originator_id}/{event.phase}/{event.number}"}]
        found["type"] = [{"text": f"IPT session {event.number} ({event.phase}, {event.kind})"}]
        found["length"] = {"value": event.minutes, "unit": "min", "system": UCUM, "code": "min"}
        period["end"] = refs.instant(event.occurred_at + timedelta(minutes=event.minutes))
    else:
        found["type"] = [{"text": f"Missed IPT session ({event.kind.replace('_', ' ')})"}]
    return found


def _described(sessions: int, frequency: str, minutes: int | None,
               foci: tuple[str, ...]) -> str:
    length = f" of {minutes} minutes" if minutes else ""
    on = f"; foci: {', '.join(foci)}" if foci else ""
    return f"{sessions} {frequency.replace('_', ' ')} sessions{length}{on}"


def _day(day: date) -> str:
    """A date is a FHIR dateTime of day precision."""
    return day.isoformat()
