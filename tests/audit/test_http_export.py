"""The export endpoints: a pathway or a period as JSON lines or a FHIR bundle, streamed with
their media type and a file name; refused with a problem naming the field."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from services.http import create_app
from tests.audit.clinic import Clinic
from tests.audit.stories import flagged_intake, full_story
from tests.tokens import bearer


@pytest.fixture
def http(clinic: Clinic) -> TestClient:
    client = TestClient(create_app(clinic.container), headers=bearer("auditor", "a-1"))
    client.params = {"purpose": "a payer audit"}  # an auditor states why, at every read
    return client


@pytest.fixture
def story(clinic: Clinic) -> UUID:
    return full_story(clinic)


def test_a_pathway_exports_as_a_fhir_bundle_by_default(http: TestClient, story: UUID) -> None:
    answer = http.get(f"/audit/pathways/{story}/export")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/fhir+json"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="pathway-{story}.fhir.json"')
    Bundle.model_validate(answer.json())
    kinds = [entry["resource"]["resourceType"] for entry in answer.json()["entry"]]
    assert kinds.count("EpisodeOfCare") == 1


def test_a_pathway_exports_as_json_lines(http: TestClient, story: UUID, clinic: Clinic) -> None:
    answer = http.get(f"/audit/pathways/{story}/export", params={"format": "jsonl"})

    assert answer.headers["content-type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in answer.text.splitlines()]
    assert len(rows) == len(clinic.audit.events(story))


def test_a_period_exports_the_pathways_active_in_it(http: TestClient, story: UUID,
                                                    clinic: Clinic) -> None:
    later = flagged_intake(clinic)

    answer = http.get("/audit/exports", params={"since": "2026-09-01", "until": "2027-01-01",
                                                "format": "jsonl"})

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="pathways-2026-09-01-2027-01-01.jsonl"')
    assert {json.loads(line)["pathway_id"] for line in answer.text.splitlines()} == {str(later)}
    del story


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "2026-04-01", "until": "2026-03-01"}, "query.until"),
    ({"since": "2026-04-01", "until": "April"}, "query.until"),
    ({"since": "2026-04-01T00:00:00", "until": "2026-05-01"}, "query.since"),
    ({"since": "2026-04-01", "until": "2026-05-01", "format": "csv"}, "query.format"),
    ({"until": "2026-05-01"}, "query.since"),
])
def test_a_period_export_that_cannot_be_made_is_refused_naming_the_field(
        http: TestClient, params: dict[str, str], field: str) -> None:
    answer = http.get("/audit/exports", params=params)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]


def test_an_unknown_pathway_is_404_before_anything_is_streamed(http: TestClient) -> None:
    answer = http.get(f"/audit/pathways/{uuid4()}/export")

    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:carepath:problem:pathway-not-found"


def test_the_exports_are_documented_with_their_media_types(http: TestClient) -> None:
    paths = http.get("/openapi.json").json()["paths"]

    for path in ("/audit/pathways/{pathway_id}/export", "/audit/exports"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["audit"]
        assert set(operation["responses"]["200"]["content"]) == {"application/x-ndjson",
                                                                 "application/fhir+json"}
