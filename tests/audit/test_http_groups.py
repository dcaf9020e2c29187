"""A group's audit over HTTP: its history and its state as of a version or a time under
``/audit/groups/{id}``, a member's session linking back to it, refusals as problem+json, the
leaders' caseload for clinicians, and each read in the access log under the group's id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.http.support import ADMIN, AUDITOR, THERAPIST, TestClient, make_client
from tests.http.test_groups import HttpGroup
from tests.tokens import bearer

PURPOSE = {"purpose": "group audit 2026-Q1"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("data")) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def group(client: TestClient) -> HttpGroup:
    """Six members; session 1 with everyone, session 2 without the first member."""
    group = HttpGroup(client, members=6)
    group.session()
    group.session(attendance=tuple(
        {"pathway_id": m, "present": i > 0, "absence": None if i else "no_show"}
        for i, m in enumerate(group.members)))
    return group


def get(client: TestClient, path: str, status: int = 200, headers: dict[str, str] = AUDITOR,
        **params: Any) -> Any:
    answer = client.get(path, params={**PURPOSE, **params}, headers=headers)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
    return answer.json()


def test_an_auditor_reads_a_groups_history_with_who_when_and_the_rules(
        client: TestClient, group: HttpGroup) -> None:
    body = get(client, f"/audit/groups/{group.id}/history")

    assert body["group_id"] == group.id
    assert [e["type"] for e in body["events"]] == [
        "GroupFormed", *["MemberEnrolled"] * 6, "GroupSessionHeld", "GroupSessionHeld"]
    session = body["events"][7]
    assert (session["actor_id"], session["actor_role"], session["protocol"]) == (
        "t-1", "therapist", "ipt-g@1")
    assert "IPT-33" in session["rules_checked"]
    assert session["group_session"] is None
    attendance = body["events"][8]["data"]["attendance"]
    assert attendance[0] == {"pathway_id": group.members[0], "present": False,
                             "absence": "no_show"}
    page = get(client, f"/audit/groups/{group.id}/history", after=7, limit=1)
    assert (len(page["events"]), page["next_after"]) == (1, 8)


def test_a_groups_state_as_of_a_version_and_a_time(client: TestClient,
                                                   group: HttpGroup) -> None:
    path = f"/audit/groups/{group.id}/as-of"
    enrolled = get(client, path, version=7)
    now = get(client, path, recorded_at="2099-01-01")
    held = get(client, path, occurred_at=get(client, f"/audit/groups/{group.id}/history")[
        "events"][7]["occurred_at"])

    assert (enrolled["group_id"], enrolled["axis"], enrolled["version"]) == (group.id,
                                                                             "version", 7)
    assert enrolled["state"]["sessions_held"] == 0
    assert enrolled["state"]["active_members"] == group.members
    assert (now["axis"], now["state"]["sessions_held"]) == ("recorded", 2)
    assert (held["axis"], held["version"], held["state"]["sessions_held"]) == ("clinical", 8, 1)


def test_a_members_session_links_to_the_group_session(client: TestClient,
                                                      group: HttpGroup) -> None:
    absent = get(client, f"/audit/pathways/{group.members[0]}/history")["events"]
    linked = [(e["type"], e["group_session"]) for e in absent if e["group_session"]]

    history = f"/audit/groups/{group.id}/history"
    assert linked == [
        ("SessionHeld", {"group_id": group.id, "number": 1, "history": history}),
        ("SessionMissed", {"group_id": group.id, "number": 2, "history": history})]


def test_refusals_are_problems_naming_what_is_wrong(client: TestClient,
                                                    group: HttpGroup) -> None:
    as_of = f"/audit/groups/{group.id}/as-of"
    assert get(client, as_of, 422)["errors"][0]["field"] == "query"
    assert get(client, as_of, 422, version=1, known_at="2026-01-01")["errors"][0][
        "field"] == "query.known_at"
    assert get(client, as_of, 422, recorded_at="yesterday")["errors"][0][
        "field"] == "query.recorded_at"
    assert get(client, as_of, 404, version=99)["latest"] == 9
    early = get(client, as_of, 404, recorded_at="2020-01-01")
    assert early["type"].endswith("not-recorded-yet")
    assert "formation" in early["detail"]
    assert get(client, as_of, 404, occurred_at="2020-01-01")["type"].endswith("not-open-yet")
    for unknown in (group.members[0], "00000000-0000-0000-0000-000000000007", "nope"):
        assert get(client, f"/audit/groups/{unknown}/history", 404)["type"].endswith(
            "group-not-found")
    no_purpose = client.get(f"/audit/groups/{group.id}/history", headers=AUDITOR)
    assert no_purpose.status_code == 422
    assert no_purpose.json()["errors"][0]["field"] == "query.purpose"


def test_a_group_is_read_by_auditors_and_its_leaders_caseload(client: TestClient,
                                                              group: HttpGroup) -> None:
    path = f"/audit/groups/{group.id}/history"
    assert get(client, path, headers=ADMIN)["group_id"] == group.id
    assert get(client, path, headers=THERAPIST)["group_id"] == group.id  # its leader
    outside = get(client, path, 403, headers=bearer("therapist", "t-9"))
    assert outside["type"].endswith("outside-caseload")
    assert get(client, path, 403, headers=bearer("ops", "ops-1"))["status"] == 403
    assert client.get(path, params=PURPOSE).status_code == 200  # the module's leader
    assert client.get(path, params=PURPOSE, headers={"Authorization": ""}).status_code == 401


def test_each_group_read_is_in_the_access_log_under_the_groups_id(
        client: TestClient, group: HttpGroup) -> None:
    get(client, f"/audit/groups/{group.id}/history", purpose="complaint 4411")
    get(client, f"/audit/groups/{group.id}/as-of", version=3, purpose="complaint 4411")
    get(client, f"/audit/groups/{group.id}/history", 403, headers=bearer("therapist", "t-9"))

    entries = client.get("/access-log", params={"pathway_id": group.id},
                         headers=AUDITOR).json()["entries"]
    mine = [(e["actor_id"], e["action"], e["detail"].split("?")[0]) for e in entries
            if e["purpose"] == "complaint 4411"]
    assert mine == [("a-1", "read-history", f"GET /audit/groups/{group.id}/history"),
                    ("a-1", "read-as-of", f"GET /audit/groups/{group.id}/as-of")]
    assert "t-9" not in {e["actor_id"] for e in entries}


def test_a_members_export_over_http_holds_the_group_and_logs_its_read(
        client: TestClient, group: HttpGroup) -> None:
    member = group.members[0]
    answer = client.get(f"/audit/pathways/{member}/export",
                        params={"purpose": "export 5150"}, headers=AUDITOR)
    assert answer.status_code == 200
    kinds = [e["resource"]["resourceType"] for e in answer.json()["entry"]]
    assert kinds.count("Group") == 1

    entries = client.get("/access-log", params={"pathway_id": group.id},
                         headers=AUDITOR).json()["entries"]
    assert [(e["action"], e["purpose"]) for e in entries if e["purpose"] == "export 5150"] == [
        ("export", "export 5150")]
