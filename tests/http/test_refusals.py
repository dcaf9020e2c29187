"""Refusals: clinical rules, retries, versions and unknown pathways, all as problem+json."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.errors import ConcurrencyConflict
from tests.http.support import OPEN, THERAPIST, Api, TestClient, make_client
from tests.tokens import bearer

PROBLEM_JSON = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("urn:carepath:problem:")
    return body


def test_a_broken_hard_rule_names_the_rule_and_records_nothing(api: Api) -> None:
    api.ok("measures", instrument="phq9", items=[1, 1, 1, 1, 1, 1, 1, 1, 0])
    before = api.state()["version"]

    response = api.command("sessions", number=1, minutes=50, focus_addressed="role_dispute")

    problem = assert_problem(response, 422)
    assert problem["rule"] == "IPT-01"
    assert problem["type"].endswith(":rule-violation")
    assert "contract" in problem["detail"]
    assert problem["instance"] == f"/pathways/{api.id}/sessions"
    assert api.state()["version"] == before


def test_a_soft_rule_asks_for_a_reason_then_records_a_deviation(api: Api) -> None:
    api.assessed_initial()  # the inventory shows a dispute and a death
    focus: dict[str, Any] = {"primary": "interpersonal_deficits",
                             "rationale_ref": "doc/rationale-2", "patient_agreed": True}
    before = api.state()["version"]

    refused = api.command("focus", **focus)
    accepted = api.command("focus", reason="doc/deficits-dominate", **focus)

    problem = assert_problem(refused, 422)
    assert problem["type"].endswith(":reason-required")
    assert problem["rule"] == "IPT-11"
    assert problem["deviations"][0]["rule"] == "IPT-11"
    assert "reason" in problem["hint"]
    assert accepted.status_code == 201
    assert [e["type"] for e in accepted.json()["events"]] == ["DeviationRecorded", "FocusChosen"]
    assert accepted.json()["version"] == before + 2
    assert api.state()["deviations"] == {"IPT-11": 1}


def test_a_retry_with_the_same_key_answers_200_and_records_nothing(api: Api) -> None:
    key = {"Idempotency-Key": "consent-1"}
    first = api.command("consents", headers=key, kinds=["treatment"])
    retry = api.command("consents", headers=key, kinds=["treatment"])

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == {**first.json(), "replayed": True}
    assert retry.headers["etag"] == first.headers["etag"]
    assert api.state()["version"] == first.json()["version"]


def test_a_retried_open_finds_the_pathway_the_first_attempt_opened(client: TestClient) -> None:
    headers = {**bearer("therapist", "t-retried-open"), "Idempotency-Key": "open-1"}
    opening = {**OPEN, "therapist_id": "t-retried-open"}  # this test's pathways alone
    first = client.post("/pathways", json=opening, headers=headers)
    retry = client.post("/pathways", json=opening, headers=headers)
    other = client.post("/pathways", json={**opening, "client_age": 35}, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["pathway_id"] == first.json()["pathway_id"]
    assert retry.headers["location"] == first.headers["location"]
    assert assert_problem(other, 422)["type"].endswith(":idempotency-key-reused")
    seen = client.get("/pathways", params={"min_position": retry.json()["log_position"]},
                      headers=headers)
    assert [item["id"] for item in seen.json()["items"]] == [first.json()["pathway_id"]]


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    key = {"Idempotency-Key": "consent-2"}
    api.ok("consents", headers=key, kinds=["treatment"])
    version = api.state()["version"]

    response = api.command("consents", headers=key, kinds=["recording"])

    problem = assert_problem(response, 422)
    assert problem["type"].endswith(":idempotency-key-reused")
    assert api.state()["version"] == version


def test_if_match_with_an_old_version_answers_412(api: Api) -> None:
    api.ok("consents", kinds=["treatment"])  # the pathway is now at version 2

    stale = api.command("sick-role", headers={"If-Match": '"1"'})
    current = api.command("sick-role", headers={"If-Match": '"2"'})
    bare = api.command("diagnoses", headers={"If-Match": "3"}, icd10="F33.0",
                       severity="mild")

    problem = assert_problem(stale, 412)
    assert (problem["expected"], problem["actual"]) == (1, 2)
    assert stale.headers["etag"] == '"2"'
    assert current.status_code == 201
    assert bare.status_code == 201


@pytest.mark.parametrize("if_match", ['W/"1"', '"1", "2"', "one", '"1'])
def test_a_malformed_if_match_is_a_bad_request(api: Api, if_match: str) -> None:
    problem = assert_problem(api.command("sick-role", headers={"If-Match": if_match}), 400)
    assert problem["errors"][0]["field"] == "header.If-Match"


def test_unknown_and_malformed_pathway_ids_are_not_found(client: TestClient) -> None:
    unknown = f"/pathways/{uuid4()}"
    for path in (unknown, f"{unknown}/history", "/pathways/not-a-uuid",
                 "/pathways/not-a-uuid/history"):
        assert assert_problem(client.get(path), 404)["type"].endswith(":pathway-not-found")
    for base in (unknown, "/pathways/12345"):
        response = client.post(f"{base}/sick-role", json={"occurred_at": OPEN["occurred_at"]},
                               headers=THERAPIST)
        assert_problem(response, 404)
    assert client.get(f"{unknown}/history", params={"after": 3}).status_code == 404


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    assert assert_problem(client.get("/nowhere"), 404)["type"].endswith(":not-found")
    not_allowed = client.delete("/pathways")
    assert assert_problem(not_allowed, 405)["type"].endswith(":method-not-allowed")
    assert "POST" in not_allowed.headers["allow"]


def test_a_conflict_that_outlasts_the_retries_answers_409(
        client: TestClient, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def always_conflicting(*_: Any, **__: Any) -> Any:
        raise ConcurrencyConflict(4)

    pathways = client.app.state.container.pathways  # type: ignore[attr-defined]
    monkeypatch.setattr(pathways, "execute", always_conflicting)

    problem = assert_problem(api.command("sick-role"), 409)
    assert problem["attempts"] == 4


def test_an_unexpected_error_is_a_500_problem_without_internals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        msg = "secret internal detail"
        raise RuntimeError(msg)

    with make_client(tmp_path / "data", raise_server_exceptions=False) as client:
        api = Api(client)
        monkeypatch.setattr(client.app.state.container.pathways,  # type: ignore[attr-defined]
                            "execute", broken)
        response = api.command("sick-role")

    problem = assert_problem(response, 500)
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert problem["type"].endswith(":internal-error")
    assert "secret internal detail" in caplog.text
