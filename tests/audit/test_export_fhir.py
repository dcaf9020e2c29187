"""The FHIR R4 export: a bundle that the R4B models of ``fhir.resources`` accept, whose every
reference resolves inside it, and whose codes and bindings are the right ones (the models
check structure only: a made-up LOINC code or status would pass them, so these tests check
the terminology themselves, against domain.md section 5 and FHIR's required value sets)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from domain.pathway import events as e
from tests.audit.clinic import Clinic
from tests.audit.stories import GAD7, OUTREACH_REASON, PHQ9_ITEM9, flagged_intake, full_story

Resource = dict[str, Any]
LOINC = "http://loinc.org"
PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8"]
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
REQUIRED = {  # FHIR R4 required bindings, as the specification lists them
    ("EpisodeOfCare", "status"): {"planned", "waitlist", "active", "onhold", "finished",
                                  "cancelled", "entered-in-error"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed",
                             "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Encounter", "status"): {"planned", "arrived", "triaged", "in-progress", "onleave",
                              "finished", "cancelled", "entered-in-error", "unknown"},
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected",
                                "cancelled", "entered-in-error", "unknown"},
    ("Consent", "status"): {"draft", "proposed", "active", "rejected", "inactive",
                            "entered-in-error"},
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response",
                         "batch", "batch-response", "history", "searchset", "collection"},
}


@pytest.fixture
def story(clinic: Clinic) -> UUID:
    return full_story(clinic)


@pytest.fixture
def bundle(clinic: Clinic, story: UUID) -> Resource:
    exported: Resource = json.loads(b"".join(clinic.audit.export_pathway(story, "fhir")))
    return exported


def resources(bundle: Resource, kind: str | None = None) -> list[Resource]:
    return [entry["resource"] for entry in bundle["entry"]
            if kind is None or entry["resource"]["resourceType"] == kind]


def by_id(bundle: Resource) -> dict[str, Resource]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def resolve(bundle: Resource, reference: Resource) -> Resource:
    return by_id(bundle)[reference["reference"]]


def codings(concept: Resource) -> list[tuple[str, str]]:
    return [(coding["system"], coding["code"]) for coding in concept["coding"]]


def panels(bundle: Resource, code: str) -> list[Resource]:
    return [o for o in resources(bundle, "Observation")
            if codings(o["code"]) == [(LOINC, code)]]


# ----- structure ---------------------------------------------------------------------------------

def test_the_bundle_and_every_resource_in_it_validate_as_fhir_r4(bundle: Resource) -> None:
    parsed = Bundle.model_validate(bundle)

    assert parsed.type == "collection"
    assert len(parsed.entry or []) == len(bundle["entry"])
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = Counter(r["resourceType"] for r in resources(bundle))
    assert {k: kinds[k] for k in ("Patient", "Practitioner", "EpisodeOfCare", "Condition",
                                  "CarePlan", "Consent")} == {
        "Patient": 1, "Practitioner": 1, "EpisodeOfCare": 1, "Condition": 1, "CarePlan": 2,
        "Consent": 3}


def test_the_validation_would_catch_a_malformed_resource(bundle: Resource) -> None:
    resources(bundle, "Encounter")[0]["length"] = {"value": "fifty minutes"}

    with pytest.raises(ValidationError, match="length"):
        Bundle.model_validate(bundle)


def test_every_reference_resolves_to_an_entry_of_the_bundle(bundle: Resource) -> None:
    urls = set(by_id(bundle))
    found = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("reference"), str):
                found.append(value["reference"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(resources(bundle))
    assert found
    assert set(found) <= urls
    assert len(urls) == len(bundle["entry"])


def test_required_bindings_hold_codes_of_their_value_sets(bundle: Resource) -> None:
    checked = 0
    for resource in [bundle, *resources(bundle)]:
        for (kind, element), allowed in REQUIRED.items():
            if resource["resourceType"] == kind:
                assert resource[element] in allowed, (kind, element, resource[element])
                checked += 1
    assert checked > len(resources(bundle)) // 2


def test_the_same_pathway_exports_to_the_same_resources(clinic: Clinic, story: UUID,
                                                        bundle: Resource) -> None:
    again = json.loads(b"".join(clinic.audit.export_pathway(story, "fhir")))

    assert again["entry"] == bundle["entry"]


# ----- measures -----------------------------------------------------------------------------------

def test_a_phq9_is_a_panel_of_its_nine_items_and_total_with_their_loinc_codes(
        clinic: Clinic, bundle: Resource, story: UUID) -> None:
    measures = [ev for ev in clinic.audit.events(story)
                if isinstance(ev, e.MeasureRecorded) and ev.instrument == "phq9"]
    phq9 = panels(bundle, "44249-1")

    assert len(phq9) == len(measures)
    panel, measure = phq9[0], measures[0]
    members = [resolve(bundle, member) for member in panel["hasMember"]]
    assert [codings(m["code"]) for m in members] == [[(LOINC, code)] for code in
                                                     [*PHQ9_ITEMS, "44261-6"]]
    items, total = members[:9], members[9]
    assert [codings(m["valueCodeableConcept"]) for m in items] == [
        [(LOINC, ANSWERS[score])] for score in measure.items]
    assert items[8]["code"]["coding"][0]["code"] == "44260-8"  # item 9, IPT-17's
    assert total["valueQuantity"] == {"value": measure.total, "unit": "{score}",
                                      "system": "http://unitsofmeasure.org", "code": "{score}"}
    assert total["interpretation"] == [{"text": measure.band}]


def test_measure_observations_are_shaped_after_us_core_screening_assessment(
        clinic: Clinic, bundle: Resource, story: UUID) -> None:
    measure = next(ev for ev in clinic.audit.events(story) if isinstance(ev, e.MeasureRecorded))
    patient = resources(bundle, "Patient")[0]

    for observation in resources(bundle, "Observation"):
        assert observation["meta"]["profile"] == [
            "http://hl7.org/fhir/us/core/StructureDefinition/"
            "us-core-observation-screening-assessment"]
        assert observation["status"] == "final"
        assert ("http://terminology.hl7.org/CodeSystem/observation-category", "survey") in [
            pair for category in observation["category"] for pair in codings(category)]
        assert resolve(bundle, observation["subject"]) == patient
    baseline = panels(bundle, "44249-1")[0]
    assert baseline["effectiveDateTime"] == measure.occurred_at.isoformat().replace(
        "+00:00", "Z")
    assert baseline["issued"] == measure.timestamp.isoformat().replace("+00:00", "Z")


def test_a_gad7_is_its_panel_with_seven_items_and_total(bundle: Resource) -> None:
    (panel,) = panels(bundle, "69737-5")

    members = [resolve(bundle, member) for member in panel["hasMember"]]
    assert [m["code"]["coding"][0]["code"] for m in members] == [*GAD7_ITEMS, "70274-6"]
    assert members[-1]["valueQuantity"]["value"] == sum(GAD7)
    assert [m["valueCodeableConcept"]["coding"][0]["code"] for m in members[:7]] == [
        ANSWERS[score] for score in GAD7]


def test_a_measure_taken_at_a_session_points_to_its_encounter(bundle: Resource) -> None:
    linked = [o for o in panels(bundle, "44249-1") if "encounter" in o]

    assert linked
    for observation in linked:
        encounter = resolve(bundle, observation["encounter"])
        assert encounter["resourceType"] == "Encounter"
        assert encounter["period"]["start"][:10] == observation["effectiveDateTime"][:10]


def test_item_9_of_a_flagged_phq9_answers_several_days(clinic: Clinic) -> None:
    pathway = flagged_intake(clinic)
    exported = json.loads(b"".join(clinic.audit.export_pathway(pathway, "fhir")))

    (panel,) = panels(exported, "44249-1")
    item9 = resolve(exported, panel["hasMember"][8])
    assert codings(item9["code"]) == [(LOINC, "44260-8")]
    assert codings(item9["valueCodeableConcept"]) == [(LOINC, ANSWERS[PHQ9_ITEM9[8]])]


# ----- the course of care -------------------------------------------------------------------------

def test_the_episode_of_care_is_the_pathway_from_opening_to_discharge(
        clinic: Clinic, bundle: Resource, story: UUID) -> None:
    events = clinic.audit.events(story)
    (episode,) = resources(bundle, "EpisodeOfCare")

    assert episode["identifier"] == [{"system": "urn:carepath:pathway", "value": str(story)}]
    assert episode["status"] == "finished"
    assert episode["period"] == {"start": "2026-03-02T09:00:00Z",
                                 "end": events[-1].occurred_at.isoformat().replace("+00:00",
                                                                                  "Z")}
    assert codings(episode["type"][0]) == [("urn:carepath:protocol", "ipt@1")]
    assert resolve(bundle, episode["patient"])["identifier"] == [
        {"system": "urn:carepath:client-ref", "value": "client-042"}]
    assert resolve(bundle, episode["careManager"])["resourceType"] == "Practitioner"
    assert resolve(bundle, episode["diagnosis"][0]["condition"])["resourceType"] == "Condition"


def test_the_diagnosis_is_a_condition_coded_in_icd10_with_a_snomed_severity(
        bundle: Resource) -> None:
    (condition,) = resources(bundle, "Condition")

    assert codings(condition["code"]) == [("http://hl7.org/fhir/sid/icd-10", "F32.1")]
    assert codings(condition["severity"]) == [("http://snomed.info/sct", "6736007")]
    assert codings(condition["clinicalStatus"]) == [
        ("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")]
    assert codings(condition["verificationStatus"]) == [
        ("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed")]
    assert codings(condition["category"][0]) == [
        ("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis")]


def test_the_contract_is_a_care_plan_replaced_by_its_renegotiation(bundle: Resource) -> None:
    signed, renegotiated = resources(bundle, "CarePlan")

    assert (signed["status"], renegotiated["status"]) == ("revoked", "completed")
    assert renegotiated["replaces"] == [{"reference": f"urn:uuid:{signed['id']}"}]
    assert signed["intent"] == renegotiated["intent"] == "plan"
    weekly = signed["activity"][0]["detail"]["scheduledTiming"]["repeat"]
    twice = renegotiated["activity"][0]["detail"]["scheduledTiming"]["repeat"]
    assert weekly == {"count": 8, "frequency": 1, "period": 1, "periodUnit": "wk"}
    assert twice == {"count": 8, "frequency": 2, "period": 1, "periodUnit": "wk"}
    assert "foci: role_dispute" in signed["description"]
    assert resolve(bundle, signed["addresses"][0])["resourceType"] == "Condition"


def test_each_session_is_an_encounter_held_or_cancelled(clinic: Clinic, bundle: Resource,
                                                        story: UUID) -> None:
    events = clinic.audit.events(story)
    held = [ev for ev in events if isinstance(ev, e.SessionHeld)]
    missed = [ev for ev in events if isinstance(ev, e.SessionMissed)]
    encounters = resources(bundle, "Encounter")

    assert Counter(enc["status"] for enc in encounters) == {"finished": len(held),
                                                            "cancelled": len(missed)}
    finished = next(enc for enc in encounters if enc["status"] == "finished")
    assert finished["class"] == {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                 "code": "VR", "display": "virtual"}
    assert finished["length"] == {"value": 50, "unit": "min",
                                  "system": "http://unitsofmeasure.org", "code": "min"}
    assert resolve(bundle, finished["episodeOfCare"][0])["resourceType"] == "EpisodeOfCare"


def test_each_consent_is_in_its_latest_status_a_withdrawal_denies(bundle: Resource) -> None:
    consents = {consent["provision"]["code"][0]["text"]: consent
                for consent in resources(bundle, "Consent")}

    assert set(consents) == {"treatment", "telehealth", "recording"}
    recording = consents["recording"]
    assert (recording["status"], recording["provision"]["type"]) == ("inactive", "deny")
    assert (consents["treatment"]["status"], consents["treatment"]["provision"]["type"]) == (
        "active", "permit")
    for consent in consents.values():
        assert codings(consent["category"][0]) == [(LOINC, "59284-0")]
        assert consent["policyRule"]["coding"][0]["code"] == "OPTIN"  # R4 invariant ppc-1
    assert codings(consents["treatment"]["scope"]) == [
        ("http://terminology.hl7.org/CodeSystem/consentscope", "treatment")]
    assert codings(recording["scope"]) == [
        ("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy")]


# ----- provenance ---------------------------------------------------------------------------------

def test_every_event_has_a_provenance_with_both_times_its_actor_and_its_rules(
        clinic: Clinic, bundle: Resource, story: UUID) -> None:
    events = clinic.audit.events(story)
    provenances = resources(bundle, "Provenance")

    assert len(provenances) == len(events)
    for event, provenance in zip(events, provenances, strict=True):
        assert provenance["recorded"] == event.timestamp.isoformat().replace("+00:00", "Z")
        assert provenance["occurredDateTime"] == event.occurred_at.isoformat().replace(
            "+00:00", "Z")
        assert provenance["policy"] == [f"urn:carepath:protocol:{event.meta.protocol}", *(
            f"urn:carepath:rule:{rule}" for rule in event.meta.rules_checked)]
        assert provenance["agent"][0]["who"]["identifier"]["value"] == event.meta.actor_id
        assert provenance["activity"]["text"] == type(event).__name__
        assert all(resolve(bundle, target) for target in provenance["target"])
    opened = provenances[0]
    assert codings(opened["activity"]) == [
        ("http://terminology.hl7.org/CodeSystem/v3-DataOperation", "CREATE")]
    assert resolve(bundle, opened["target"][0])["resourceType"] == "EpisodeOfCare"


def test_a_deviations_provenance_gives_its_reason(bundle: Resource) -> None:
    (deviation,) = [p for p in resources(bundle, "Provenance")
                    if p["activity"]["text"] == "DeviationRecorded"]

    assert deviation["reason"] == [{"text": f"IPT-21 deviation: {OUTREACH_REASON}"}]
    assert "urn:carepath:rule:IPT-21" in deviation["policy"]


def test_a_bundle_says_when_it_was_exported(bundle: Resource, clinic: Clinic) -> None:
    assert datetime.fromisoformat(bundle["timestamp"]) == clinic.clock.astimezone(UTC)
