"""``GET /groups``: the groups read model's list, filtered by the caller's caseload (a group is
in each of its leaders' caseloads), by leader and status, paged by cursor, read-your-writes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from services.group_course import GroupCourse
from tests.http.support import ADMIN, AUDITOR, OPS, THERAPIST, TestClient
from tests.http.test_groups import HttpGroup, group_body
from tests.journeys import START
from tests.tokens import bearer

OTHER = bearer("therapist", "t-2")
SUPERVISOR = bearer("supervisor", "s-1", therapists=["t-1"])


@pytest.fixture(scope="module")
def formed(client: TestClient) -> dict[str, Any]:
    """t-1's group of six after one session (one member absent), and t-2's new group."""
    own = HttpGroup(client)
    own.session(absent={UUID(own.members[0]): None})
    other = client.post("/groups", json=group_body(
        GroupCourse(at=START, leaders=("t-2",)).formed()), headers=OTHER)
    assert other.status_code == 201, other.text
    return {"own": own.id, "other": other.json()["group_id"],
            "position": other.json()["log_position"]}


def listed(client: TestClient, formed: dict[str, Any], headers: dict[str, str],
           **params: Any) -> Any:
    answer = client.get("/groups", params={"min_position": formed["position"], **params},
                        headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(page: Any) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_a_therapist_lists_the_groups_they_lead_with_their_counts(
        client: TestClient, formed: dict[str, Any]) -> None:
    page = listed(client, formed, THERAPIST)
    assert ids(page) == [formed["own"]]
    group = page["items"][0]
    assert (group["status"], group["leaders"], group["members_current"],
            group["members_left"], group["sessions_held"], group["sessions_planned"]) == (
        "running", ["t-1"], 6, 0, 1, 8)
    assert group["protocol"] == {"id": "ipt-g", "version": 1}
    assert group["last_session_at"] is not None
    assert page["log_position"] >= formed["position"]
    assert ids(listed(client, formed, OTHER)) == [formed["other"]]


def test_a_supervisor_lists_their_caseloads_groups_and_auditors_and_admins_every_group(
        client: TestClient, formed: dict[str, Any]) -> None:
    assert ids(listed(client, formed, SUPERVISOR)) == [formed["own"]]
    every = [formed["own"], formed["other"]]
    assert ids(listed(client, formed, ADMIN)) == every
    assert ids(listed(client, formed, AUDITOR)) == every
    assert ids(listed(client, formed, ADMIN, therapist_id="t-2")) == [formed["other"]]


def test_naming_a_leader_outside_the_caseload_is_refused(
        client: TestClient, formed: dict[str, Any]) -> None:
    for headers in (THERAPIST, SUPERVISOR):
        answer = client.get("/groups", params={"therapist_id": "t-2"}, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["type"].endswith(":outside-caseload")


def test_ops_may_not_list_groups(client: TestClient, formed: dict[str, Any]) -> None:
    answer = client.get("/groups", headers=OPS)
    assert answer.status_code == 403
    assert answer.json()["type"].endswith(":forbidden")


def test_status_selects_running_or_closed_groups(
        client: TestClient, formed: dict[str, Any]) -> None:
    assert ids(listed(client, formed, ADMIN, status="running")) == [formed["own"],
                                                                    formed["other"]]
    assert ids(listed(client, formed, ADMIN, status="closed")) == []
    refused = client.get("/groups", params={"status": "paused"}, headers=ADMIN)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "query.status"


def test_pages_follow_the_cursor_in_the_order_groups_were_formed(
        client: TestClient, formed: dict[str, Any]) -> None:
    first = listed(client, formed, ADMIN, limit=1)
    second = listed(client, formed, ADMIN, limit=1, after=first["next_after"])
    assert ids(first) + ids(second) == [formed["own"], formed["other"]]
    assert second["next_after"] is None
    assert client.get("/groups", params={"limit": 0}, headers=ADMIN).status_code == 422
