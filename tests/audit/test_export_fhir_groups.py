"""Groups in the FHIR R4 export, on SQLite and PostgreSQL: a Group per group (the exported
pathways' Patients as members, with their enrolment), each group session an Encounter whose
subject is the Group, each attending member's Encounter ``partOf`` it, no Encounter for an
absent member (their Provenance says why), and a Provenance per group event. Bundles validate
with the R4B models of ``fhir.resources``; references resolve inside the bundle; a period's
export holds the groups of its pathways, and each group read is in the access log."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from domain.group import commands as g
from services.composition import Container
from tests.group_app import AppGroup, caller

Resource = dict[str, Any]
GROUP_SYSTEM = "urn:carepath:group"
PERIOD = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


@pytest.fixture
def group(store: Container) -> AppGroup:
    """Six members: session 1 with everyone, session 2 without the first (a late
    cancellation); then the last member leaves."""
    group = AppGroup(store, members=6)
    group.session()
    group.session(absent={group.members[0]: "late_cancellation"})
    leaving = group.members[-1]
    group.groups.execute(group.group_id, g.RecordMemberLeft(
        occurred_at=group.course.soon(60), pathway_id=leaving, reason="withdrawn"), caller())
    return group


def exported(chunks: Any) -> Resource:
    bundle: Resource = json.loads(b"".join(chunks))
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(
            entry["resource"])
    return bundle


def resources(bundle: Resource, kind: str) -> list[Resource]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def resolve(bundle: Resource, reference: Resource) -> Resource:
    found: dict[str, Resource] = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    return found[reference["reference"]]


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [r for item in value.values() for r in references(item)]
    if isinstance(value, list):
        return [r for item in value for r in references(item)]
    return []


def test_a_members_export_holds_the_group_with_that_member_only(group: AppGroup) -> None:
    member = group.members[1]
    bundle = exported(group.container.audit.export_pathway(member, "fhir"))

    assert set(references(bundle["entry"])) <= {e["fullUrl"] for e in bundle["entry"]}
    (found,) = resources(bundle, "Group")
    assert found["identifier"] == [{"system": GROUP_SYSTEM, "value": str(group.group_id)}]
    assert (found["type"], found["actual"], found["active"], found["quantity"]) == (
        "person", True, True, 6)
    (listed,) = found["member"]  # the other clients are not named in this client's export
    patient = resolve(bundle, listed["entity"])
    assert patient["resourceType"] == "Patient"
    assert patient["id"] == resolve(bundle, resources(bundle, "EpisodeOfCare")[0][
        "patient"])["id"]
    assert listed["inactive"] is False
    assert "end" not in listed["period"]
    assert resolve(bundle, found["managingEntity"])["identifier"][0]["value"] == "t-lead"


def test_each_group_session_is_an_encounter_of_the_group_that_members_are_part_of(
        group: AppGroup) -> None:
    bundle = exported(group.container.audit.export_pathway(group.members[1], "fhir"))
    encounters = resources(bundle, "Encounter")
    sessions = [e for e in encounters if e["subject"]["reference"].endswith(
        resources(bundle, "Group")[0]["id"])]
    parts = [e for e in encounters if "partOf" in e]

    assert [s["identifier"][0]["value"] for s in sessions] == [
        f"{group.group_id}/1", f"{group.group_id}/2"]
    assert {s["status"] for s in sessions} == {"finished"}
    assert sessions[0]["class"]["code"] == "AMB"
    assert resolve(bundle, sessions[0]["participant"][0]["individual"])[
        "resourceType"] == "Practitioner"
    assert [resolve(bundle, p["partOf"])["id"] for p in parts] == [s["id"] for s in sessions]
    assert {resolve(bundle, p["subject"])["resourceType"] for p in parts} == {"Patient"}
    assert {p["status"] for p in parts} == {"finished"}


def test_an_absent_member_has_no_encounter_for_that_session_and_its_provenance_says_why(
        group: AppGroup) -> None:
    bundle = exported(group.container.audit.export_pathway(group.members[0], "fhir"))
    parts = [e for e in resources(bundle, "Encounter") if "partOf" in e]
    sessions = {e["id"]: e for e in resources(bundle, "Encounter")
                if e["subject"]["reference"].endswith(resources(bundle, "Group")[0]["id"])}
    absence = next(p for p in resources(bundle, "Provenance")
                   if {"url": "urn:carepath:fhir:extension:event-type",
                       "valueString": "SessionMissed"} in p["extension"])

    assert [sessions[resolve(bundle, p["partOf"])["id"]]["identifier"][0]["value"]
            for p in parts] == [f"{group.group_id}/1"]
    assert absence["reason"] == [{"text": "absent from group session 2: late cancellation"}]
    assert resolve(bundle, absence["entity"][0]["what"])["identifier"][0]["value"] == (
        f"{group.group_id}/2")
    assert resolve(bundle, absence["target"][0])["resourceType"] == "EpisodeOfCare"


def test_every_group_event_has_a_provenance_with_its_actor_and_rules(group: AppGroup) -> None:
    bundle = exported(group.container.audit.export_pathway(group.members[1], "fhir"))

    def event_type(provenance: Resource) -> str:
        return str(next(x["valueString"] for x in provenance["extension"]
                        if x["url"].endswith("event-type")))

    group_events = [p for p in resources(bundle, "Provenance") if event_type(p) in {
        "GroupFormed", "MemberEnrolled", "MemberLeft", "GroupSessionHeld", "GroupClosed"}]
    kinds = Counter(event_type(p) for p in group_events)
    targets = {event_type(p): resolve(bundle, p["target"][0]) for p in group_events}

    assert kinds == {"GroupFormed": 1, "MemberEnrolled": 6, "GroupSessionHeld": 2,
                     "MemberLeft": 1}
    assert targets["GroupFormed"]["resourceType"] == "Group"
    assert targets["GroupSessionHeld"]["identifier"][0]["value"] == f"{group.group_id}/2"
    session = next(p for p in group_events if p["activity"]["text"] == "GroupSessionHeld")
    assert "urn:carepath:rule:IPT-33" in session["policy"]
    assert "urn:carepath:protocol:ipt-g@1" in session["policy"]
    assert session["agent"][0]["who"]["identifier"]["value"] == "t-lead"


def test_a_periods_export_holds_each_group_once_with_every_exported_member(
        group: AppGroup) -> None:
    bundle = exported(group.container.audit.export_period(*PERIOD, "fhir"))

    (found,) = resources(bundle, "Group")
    assert len(found["member"]) == 6
    left = [m for m in found["member"] if m["inactive"]]
    assert len(left) == 1
    assert "end" in left[0]["period"]
    parts = [e for e in resources(bundle, "Encounter") if "partOf" in e]
    assert len(parts) == 6 + 5  # session 1: all six; session 2: five
    assert len(resources(bundle, "EpisodeOfCare")) == 6


def test_a_pathway_in_no_group_exports_no_group(group: AppGroup) -> None:
    loner = group.add_member("client-alone")
    bundle = exported(group.container.audit.export_pathway(loner, "fhir"))
    assert resources(bundle, "Group") == []


def test_exports_tell_the_access_log_of_each_group_read(group: AppGroup) -> None:
    told: list[tuple[str, UUID]] = []
    audit = group.container.audit.reading(lambda action, i: told.append((action, i)))

    b"".join(audit.export_pathway(group.members[0], "fhir"))
    assert told == [("export", group.members[0]), ("export", group.group_id)]
    told.clear()
    b"".join(audit.export_period(*PERIOD, "jsonl"))
    assert told[-1] == ("export-period", group.group_id)
    assert Counter(action for action, _ in told) == {"export-period": 7}


def test_a_members_json_lines_end_with_the_groups_events(group: AppGroup) -> None:
    lines = [json.loads(line) for line in b"".join(
        group.container.audit.export_pathway(group.members[0], "jsonl")).splitlines()]
    mine = [line for line in lines if "pathway_id" in line]
    theirs = [line for line in lines if "group_id" in line]

    assert lines == mine + theirs
    assert [line["type"] for line in theirs] == [
        "GroupFormed", *["MemberEnrolled"] * 6, "GroupSessionHeld", "GroupSessionHeld",
        "MemberLeft"]
    assert {line["group_id"] for line in theirs} == {str(group.group_id)}
    missed = next(line for line in mine if line["type"] == "SessionMissed")
    assert missed["group_session"]["number"] == 2
