"""Exports as JSON lines (one line per stored event, as the audit history shows it), and of
every pathway of a period (the pathways with an event whose clinical time lies in it, each
whole; a client shared by two pathways is one Patient in the bundle)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from tests.audit.clinic import T0, Clinic
from tests.audit.stories import flagged_intake, full_story


def lines(chunks: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in b"".join(chunks).splitlines()]


def test_a_pathway_as_json_lines_is_its_history_one_event_a_line(clinic: Clinic) -> None:
    pathway = full_story(clinic)
    history = clinic.audit.history(pathway).entries

    exported = lines(clinic.audit.export_pathway(pathway, "jsonl"))

    assert [line["version"] for line in exported] == [entry.version for entry in history]
    assert {line["pathway_id"] for line in exported} == {str(pathway)}
    deviation = next(line for line in exported if line["type"] == "DeviationRecorded")
    assert deviation["deviation"]["rule"] == "IPT-21"
    assert deviation["rules_checked"] == list(history[deviation["version"] - 1].rules_checked)
    assert set(exported[0]) >= {"occurred_at", "recorded_at", "actor_id", "actor_role",
                                "correlation_id", "protocol", "rules_checked", "data"}


def test_a_period_holds_the_pathways_with_an_event_that_occurred_in_it(clinic: Clinic) -> None:
    course = full_story(clinic)
    later = flagged_intake(clinic)  # opened 200 days after the course began

    spring = lines(clinic.audit.export_period(T0, datetime(2026, 4, 1, tzinfo=UTC), "jsonl"))
    autumn = lines(clinic.audit.export_period(datetime(2026, 9, 1, tzinfo=UTC),
                                              datetime(2026, 12, 1, tzinfo=UTC), "jsonl"))
    everything = lines(clinic.audit.export_period(T0, datetime(2027, 1, 1, tzinfo=UTC),
                                                  "jsonl"))

    assert {line["pathway_id"] for line in spring} == {str(course)}
    assert len(spring) == len(clinic.audit.events(course))  # whole, not only the period's
    assert {line["pathway_id"] for line in autumn} == {str(later)}
    assert [line["pathway_id"] for line in everything] == (
        [str(course)] * len(spring) + [str(later)] * len(autumn))


def test_until_is_exclusive_and_since_inclusive(clinic: Clinic) -> None:
    pathway = clinic.open(occurred_at=T0, recorded_at=T0)

    at_start = lines(clinic.audit.export_period(T0, datetime(2026, 3, 3, tzinfo=UTC), "jsonl"))
    before = lines(clinic.audit.export_period(datetime(2026, 3, 1, tzinfo=UTC), T0, "jsonl"))

    assert [line["pathway_id"] for line in at_start] == [str(pathway)]
    assert before == []


def test_a_periods_bundle_is_valid_fhir_with_one_patient_for_a_client_of_two_pathways(
        clinic: Clinic) -> None:
    full_story(clinic)
    flagged_intake(clinic)
    told: list[tuple[int, int]] = []

    bundle = json.loads(b"".join(clinic.audit.export_period(
        T0, datetime(2027, 1, 1, tzinfo=UTC), "fhir",
        progress=lambda done, total: told.append((done, total)))))

    Bundle.model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("Patient") == 1
    assert kinds.count("EpisodeOfCare") == 2
    assert len({entry["fullUrl"] for entry in bundle["entry"]}) == len(kinds)
    assert told == [(1, 2), (2, 2)]


def test_an_empty_period_is_an_empty_bundle(clinic: Clinic) -> None:
    full_story(clinic)

    bundle = json.loads(b"".join(clinic.audit.export_period(
        datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC), "fhir")))

    assert bundle["entry"] == []
    Bundle.model_validate(bundle)
