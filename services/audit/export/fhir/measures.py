"""A scored measure as Observations shaped after US Core's screening assessment profile: a
panel (PHQ-9 44249-1, GAD-7 69737-5) whose members are one Observation per item (LOINC answer
codes) and one for the total score (PHQ-9 44261-6, GAD-7 70274-6); item 9 of the PHQ-9 is
44260-8, the suicide-risk item of IPT-17."""

from __future__ import annotations

from typing import Any

from domain.pathway.events import MeasureRecorded
from services.audit.export.fhir import refs
from services.audit.export.fhir.codes import (
    OBSERVATION_CATEGORY,
    PANELS,
    UCUM,
    US_CORE_SCREENING,
    concept,
)


def measure_observations(event: MeasureRecorded, patient: str,
                         encounter: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The panel's id and every Observation of the measure (the panel first)."""
    panel = PANELS[event.instrument]
    pathway, version = event.originator_id, event.originator_version
    panel_id = refs.of_pathway(pathway, "measure", version)
    common: dict[str, Any] = {
        "meta": {"profile": [US_CORE_SCREENING]},
        "status": "final",
        "category": [concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "subject": refs.ref(patient),
        "effectiveDateTime": refs.instant(event.occurred_at),
        "issued": refs.instant(event.timestamp),
        "performer": [refs.actor(event.meta.actor_id, event.meta.actor_role)],
    }
    if encounter is not None:
        common["encounter"] = refs.ref(encounter)
    members: list[dict[str, Any]] = []
    for number, ((code, display), score) in enumerate(zip(panel.items, event.items,
                                                          strict=True), start=1):
        value: dict[str, Any] = (
            {"valueCodeableConcept": concept(panel.system, *panel.answers[score])}
            if panel.answers is not None else {"valueInteger": score})
        members.append({"resourceType": "Observation",
                        "id": refs.of_pathway(pathway, "measure", version, "item", number),
                        **common, "code": concept(panel.system, code, display), **value})
    total_code, total_display = panel.total
    members.append({
        "resourceType": "Observation", "id": refs.of_pathway(pathway, "measure", version,
                                                             "total"),
        **common, "code": concept(panel.system, total_code, total_display),
        "valueQuantity": {"value": event.total, "unit": "{score}", "system": UCUM,
                          "code": "{score}"},
        "interpretation": [{"text": event.band}],
    })
    panel_code, panel_display = panel.panel
    observation = {"resourceType": "Observation", "id": panel_id, **common,
                   "code": concept(panel.system, panel_code, panel_display),
                   "hasMember": [refs.ref(member["id"]) for member in members]}
    return panel_id, [observation, *members]
