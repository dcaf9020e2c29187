"""Read your writes: a command answers with its log position; a read model can wait for it."""

from __future__ import annotations

from tests.http.support import OPEN, THERAPIST, Api, TestClient
from tests.tokens import bearer


def test_every_command_answer_says_where_the_log_stood(api: Api) -> None:
    first = api.ok("consents", kinds=["treatment"])
    second = api.ok("measures", instrument="phq9", items=[1, 1, 1, 1, 1, 1, 1, 1, 0])
    assert 0 < first["log_position"] < second["log_position"]


def test_a_retry_answers_with_a_position_at_or_after_the_first(client: TestClient) -> None:
    headers = {**THERAPIST, "Idempotency-Key": "ryw-open-1"}
    first = client.post("/pathways", json=OPEN, headers=headers).json()
    retry = client.post("/pathways", json=OPEN, headers=headers).json()
    assert retry["replayed"] is True
    assert retry["log_position"] >= first["log_position"]


def test_the_list_waits_for_the_position_it_is_given(client: TestClient) -> None:
    therapist = bearer("therapist", "t-ryw")  # this test's pathways alone
    opened = client.post("/pathways", json={**OPEN, "therapist_id": "t-ryw"},
                         headers={**therapist, "Idempotency-Key": "ryw-open-2"}).json()
    listed = client.get("/pathways", params={"min_position": opened["log_position"]},
                        headers=therapist)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [opened["pathway_id"]]
    assert listed.json()["log_position"] >= opened["log_position"]


def test_a_position_beyond_the_log_is_refused_naming_the_field(client: TestClient) -> None:
    answer = client.get("/pathways", params={"min_position": 10**12})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "query.min_position"


def test_a_read_model_that_does_not_catch_up_in_time_answers_503_with_retry_after(
        client: TestClient) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    opened = client.post("/pathways", json=OPEN, headers={
        **THERAPIST, "Idempotency-Key": "ryw-behind"}).json()
    container.stop_projections()  # nothing follows the log any more
    try:
        behind = client.post(f"/pathways/{opened['pathway_id']}/consents", headers=THERAPIST,
                             json={"occurred_at": OPEN["occurred_at"], "kinds": ["treatment"]})
        answer = client.get("/pathways", params={"min_position": behind.json()["log_position"]})
    finally:
        container.start_projections()
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    problem = answer.json()
    assert problem["type"].endswith(":read-model-behind")
    assert problem["reached"] < behind.json()["log_position"]
