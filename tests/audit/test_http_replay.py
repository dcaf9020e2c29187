"""The audit endpoints over HTTP: the history, the as-of on each axis and the step-through,
with refusals as problem+json (a bad time or a missing axis is a 422 naming the field, a time
before the pathway existed a 404 saying why), and all of it in the OpenAPI document."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from services.http import create_app
from tests.audit.clinic import Clinic
from tests.tokens import bearer


@pytest.fixture
def http(clinic: Clinic) -> TestClient:
    return TestClient(create_app(clinic.container), headers=bearer("auditor", "a-1"))


def get(http: TestClient, path: str, status: int = 200, **params: Any) -> Any:
    """GET as an auditor does, stating the purpose of the read (kept in the access log)."""
    where, _, query = path.partition("?")
    asked = {**dict(parse_qsl(query)), "purpose": "a payer audit", **params}
    answer = http.get(where, params=asked)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
    return answer.json()


def test_the_history_endpoint_shows_times_actor_rules_and_back_dating(
        http: TestClient, back_dated: UUID) -> None:
    body = get(http, f"/audit/pathways/{back_dated}/history")

    assert body["latest_version"] == 5
    diagnosis = body["events"][3]
    assert diagnosis["type"] == "DiagnosisRecorded"
    assert diagnosis["occurred_at"] == "2026-03-05T12:00:00Z"
    assert diagnosis["recorded_at"] == "2026-03-20T12:00:00Z"
    assert diagnosis["back_dated"] is True
    assert diagnosis["rules_checked"] == ["IPT-29"]
    assert diagnosis["protocol"] == "ipt@1"
    assert body["events"][4]["actor_role"] == "supervisor"


def test_as_of_answers_on_each_axis(http: TestClient, back_dated: UUID) -> None:
    path = f"/audit/pathways/{back_dated}/as-of"

    by_version = get(http, path, version=3)
    recorded = get(http, path, recorded_at="2026-03-10")
    clinical = get(http, path, occurred_at="2026-03-10")
    known_earlier = get(http, path, occurred_at="2026-03-10", known_at="2026-03-15T00:00:00Z")

    assert (by_version["axis"], by_version["version"]) == ("version", 3)
    assert recorded["included"] == [1, 2, 3]
    assert recorded["state"]["diagnosis"] is None
    assert clinical["included"] == [1, 2, 3, 4]
    assert clinical["state"]["diagnosis"] == "F32.1"
    assert clinical["at"] == "2026-03-10T23:59:59.999999Z"
    assert known_earlier["state"]["diagnosis"] is None


@pytest.mark.parametrize(("params", "field"), [
    ({}, "query"),
    ({"version": 2, "recorded_at": "2026-03-10"}, "query"),
    ({"recorded_at": "2026-03-10", "known_at": "2026-03-11"}, "query.known_at"),
    ({"occurred_at": "10/03/2026"}, "query.occurred_at"),
    ({"recorded_at": "2026-03-10T09:00:00"}, "query.recorded_at"),
    ({"occurred_at": "9999-12-31T23:00:00-05:00"}, "query.occurred_at"),
])
def test_an_as_of_without_one_clear_axis_or_time_is_refused_naming_the_field(
        http: TestClient, back_dated: UUID, params: dict[str, Any], field: str) -> None:
    body = get(http, f"/audit/pathways/{back_dated}/as-of", 422, **params)

    assert [error["field"] for error in body["errors"]] == [field]


def test_as_of_before_the_pathway_existed_says_why(http: TestClient, back_dated: UUID) -> None:
    path = f"/audit/pathways/{back_dated}/as-of"

    unrecorded = get(http, path, 404, recorded_at="2026-03-01")
    unopened = get(http, path, 404, occurred_at="2026-03-01")
    too_late = get(http, path, 404, version=9)

    assert unrecorded["type"] == "urn:carepath:problem:not-recorded-yet"
    assert unopened["type"] == "urn:carepath:problem:not-open-yet"
    assert unopened["opened_at"] == "2026-03-02T09:00:00+00:00"
    assert too_late["latest"] == 5


def test_steps_show_what_each_event_changed(http: TestClient, back_dated: UUID) -> None:
    body = get(http, f"/audit/pathways/{back_dated}/steps", after=3, limit=1)

    (step,) = body["steps"]
    assert step["event"]["version"] == 4
    assert step["changes"] == [{"path": "diagnosis", "kind": "changed", "before": None,
                                "after": "F32.1"}]
    assert step["state"]["diagnosis"] == "F32.1"
    assert body["next_after"] == 4


@pytest.mark.parametrize("endpoint", ["history", "as-of?version=1", "steps"])
def test_an_unknown_pathway_is_404_on_every_audit_endpoint(http: TestClient,
                                                           endpoint: str) -> None:
    body = get(http, f"/audit/pathways/{uuid4()}/{endpoint}", 404)
    assert body["type"] == "urn:carepath:problem:pathway-not-found"


def test_the_audit_endpoints_are_documented_under_their_own_tag(http: TestClient) -> None:
    paths = get(http, "/openapi.json")["paths"]

    documented = {path: ops["get"]["tags"] for path, ops in paths.items()
                  if path.startswith("/audit/")}
    assert documented == {f"/audit/pathways/{{pathway_id}}/{name}": ["audit"]
                          for name in ("history", "as-of", "steps", "export")} | {
        "/audit/exports": ["audit"]} | {f"/audit/groups/{{group_id}}/{name}": ["audit"]
                                        for name in ("history", "as-of")}
