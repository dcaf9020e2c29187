"""Malformed and hostile input gets a 4xx naming the field, never a 5xx, and records nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.http.support import (
    OPEN,
    THERAPIST,
    Api,
    TestClient,
    make_client,
    raw_post,
    valid_bodies,
)
from tests.journeys import NOW, START

BODIES = valid_bodies()


@pytest.fixture(scope="module")
def untouched_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An application whose store only refused requests may touch: it stays empty."""
    with make_client(tmp_path_factory.mktemp("untouched")) as client:
        yield client
WHEN = START.isoformat()


def fields_of(response: Any) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("measures", {"occurred_at": WHEN, "instrument": "phq9", "items": "abc"}, "body.items"),
    ("measures", {"occurred_at": WHEN, "instrument": "bdi2", "items": [1]}, "body.instrument"),
    ("measures", {"occurred_at": WHEN, "instrument": "phq9", "items": [True] * 9},
     "body.items[0]"),
    ("measures", {"occurred_at": WHEN, "instrument": "phq9", "items": ["1"] * 9},
     "body.items[0]"),
    ("measures", {"occurred_at": WHEN, "instrument": "phq9", "items": [1] * 18}, "body.items"),
    ("measures", {"occurred_at": WHEN, "instrument": "phq9", "items": [1.5] * 9},
     "body.items[0]"),
    ("contract/renegotiate", {**BODIES["contract/renegotiate"], "sessions": -3},
     "body.sessions"),
    ("contract/renegotiate", {**BODIES["contract/renegotiate"], "patient_agreed": "yes"},
     "body.patient_agreed"),
    ("sessions", {"occurred_at": WHEN, "number": True, "minutes": 50}, "body.number"),
    ("sessions", {**BODIES["sessions"], "colour": "blue"}, "body.colour"),
    ("sessions", {**BODIES["sessions"], "occurred_at": "2026-01-05T09:00:00"},
     "body.occurred_at"),
    ("sessions", {**BODIES["sessions"], "occurred_at": 0}, "body.occurred_at"),
    ("sessions", {**BODIES["sessions"], "occurred_at": "yesterday"}, "body.occurred_at"),
    ("diagnoses", {**BODIES["diagnoses"], "icd10": "x" * 100_00}, "body.icd10"),
    ("formulation", {**BODIES["formulation"], "formulation_ref": "r" * 201},
     "body.formulation_ref"),
    ("formulation", {**BODIES["formulation"], "formulation_ref": "   "},
     "body.formulation_ref"),
    ("formulation", {**BODIES["formulation"], "formulation_ref": "a\x00b"},
     "body.formulation_ref"),
    ("inventory", {"occurred_at": WHEN, "relationships": [{"alias": {"deep": [[[[{}]]]]}}]},
     "body.relationships[0].alias"),
    ("inventory", {"occurred_at": WHEN, "relationships": [
        {**BODIES["inventory"]["relationships"][0], "closeness": 9}]},
     "body.relationships[0].closeness"),
    ("close", {"occurred_at": WHEN, "reason": None}, "body.reason"),
    ("close", {"occurred_at": WHEN, "reason": ["discharged"]}, "body.reason"),
])
def test_a_malformed_field_is_named_in_a_422(api: Api, path: str, body: dict[str, Any],
                                             field: str) -> None:
    response = api.post(path, body)

    assert response.status_code == 422
    assert field in fields_of(response)
    assert api.state()["version"] == 1


@pytest.mark.parametrize(("path", "items", "field"), [
    ("measures", [4, 0, 0, 0, 0, 0, 0, 0, 0], "body.items[0]"),
    ("measures", [-1, 0, 0, 0, 0, 0, 0, 0, 0], "body.items[0]"),
    ("measures", [0, 0, 0], "body.items"),
])
def test_item_scores_out_of_range_are_refused_by_the_instrument(
        api: Api, path: str, items: list[int], field: str) -> None:
    response = api.command(path, instrument="phq9", items=items)

    assert response.status_code == 422
    assert response.json()["type"].endswith(":invalid-command")
    assert fields_of(response) == [field]


def test_clinical_time_in_the_future_is_refused(api: Api) -> None:
    response = api.post("sick-role", {"occurred_at": "2027-01-01T00:00:00Z"})

    assert fields_of(response) == ["body.occurred_at"]
    assert response.status_code == 422
    assert NOW.year == 2026


@pytest.mark.parametrize(("content", "status"), [
    ("{bad json", 400),
    ("", 422),
    ("null", 422),
    ("[]", 422),
    ('"a string"', 422),
    ("12", 422),
    ('{"occurred_at": NaN}', 422),
    ('{"occurred_at": "' + WHEN + '", "reason": "discharged", "x": Infinity}', 422),
    ('{"occurred_at": "' + WHEN + '", "reason": "\\ud800"}', 422),
    ("[" * 60_000, 400),
    ('{"n": ' + "9" * 5000 + "}", 400),
    ("\xff\xfe", 400),
])
def test_bodies_that_are_not_a_command_are_4xx(api: Api, content: str, status: int) -> None:
    response = raw_post(api.client, f"/pathways/{api.id}/close", content.encode(
        "utf-8", "surrogateescape") if content != "\xff\xfe" else b"\xff\xfe")

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert api.state()["version"] == 1


def test_a_lone_surrogate_in_a_reference_is_refused_before_it_reaches_the_store(
        api: Api) -> None:
    body = json.dumps({**BODIES["formulation"], "formulation_ref": "ref-\ud800"})
    response = raw_post(api.client, f"/pathways/{api.id}/formulation", body)

    assert response.status_code == 422
    assert fields_of(response) == ["body.formulation_ref"]


def test_a_body_over_64_kib_is_413(api: Api) -> None:
    body = json.dumps({**BODIES["close"], "padding": "x" * 70_000})
    response = raw_post(api.client, f"/pathways/{api.id}/close", body)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_a_streamed_body_over_64_kib_is_413(api: Api) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 8192

    response = api.client.post(f"/pathways/{api.id}/close", content=chunks(),
                               headers={**THERAPIST, "Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json()["type"].endswith(":content-too-large")


def test_a_body_without_json_content_type_is_refused(api: Api) -> None:
    response = api.client.post(f"/pathways/{api.id}/close", content=json.dumps(BODIES["close"]),
                               headers={**THERAPIST, "Content-Type": "text/plain"})

    assert response.status_code == 415
    assert fields_of(response) == ["header.Content-Type"]


def test_unicode_text_is_kept_as_sent(client: TestClient) -> None:
    opened = client.post("/pathways", json={**OPEN, "client_ref": "Zoë-日本-🌿"},
                         headers=THERAPIST)

    history = client.get(f"/pathways/{opened.json()['pathway_id']}/history").json()
    assert history["events"][0]["data"]["client_ref"] == "Zoë-日本-🌿"


@pytest.mark.parametrize("authorization", [
    "", "Bearer", "Bearer ", "Bearer a.b.c", "bearer " + "x" * 9000, "Token abc",
    "Bearer e30.e30.", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0LTEifQ.",
])
def test_a_missing_or_forged_token_is_401_and_records_nothing(
        untouched_client: TestClient, authorization: str) -> None:
    response = untouched_client.post("/pathways", json=OPEN,
                                     headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith('Bearer realm="carepath"')
    assert untouched_client.get("/pathways").json()["items"] == []


@pytest.mark.parametrize(("headers", "field"), [
    ({**THERAPIST, "Idempotency-Key": "k" * 201}, "header.Idempotency-Key"),
    ({**THERAPIST, "X-Correlation-Id": "c" * 201}, "header.X-Correlation-Id"),
])
def test_missing_or_invalid_caller_headers_are_named(
        untouched_client: TestClient, headers: dict[str, str], field: str) -> None:
    response = untouched_client.post("/pathways", json=OPEN, headers=headers)

    assert response.status_code == 422
    assert field in fields_of(response)
    assert untouched_client.get("/pathways").json()["items"] == []


@pytest.mark.parametrize("params", [
    {"version": "abc"}, {"version": 0}, {"version": -1}, {"version": "1e9999"},
    {"version": 2**63}, {"version": 10**40},
])
def test_malformed_query_parameters_are_422(api: Api, params: dict[str, Any]) -> None:
    response = api.client.get(f"/pathways/{api.id}", params=params)

    assert response.status_code == 422
    assert fields_of(response) == ["query.version"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_000}, {"after": -1},
                                    {"after": 2**63 - 5}, {"after": 10**20}])
def test_history_paging_is_bounded(api: Api, params: dict[str, Any]) -> None:
    assert api.client.get(f"/pathways/{api.id}/history", params=params).status_code == 422


@pytest.mark.parametrize("params", [{"after": -1}, {"after": 2**63}, {"after": 10**30},
                                    {"limit": 0}, {"limit": 101}, {"therapist_id": ""},
                                    {"therapist_id": "x" * 81}, {"has_open_flags": "maybe"}])
def test_list_cursor_and_filters_are_bounded(client: TestClient, params: dict[str, Any]
                                             ) -> None:
    assert client.get("/pathways", params=params).status_code == 422
