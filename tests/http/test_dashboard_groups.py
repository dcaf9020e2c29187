"""The dashboard's Groups panel without a browser: groups running, attendance per session and
member (a safety hold apart), members' phases and outcomes, filtered by the caller's caseload
(a group is in each leader's), the therapist (a leader), the protocol and the dates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from domain.pathway import commands as c
from tests.http.support import ADMIN, OPS, THERAPIST, TestClient, make_client
from tests.http.test_dashboard import caught_up
from tests.http.test_groups import HttpGroup
from tests.tokens import bearer


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    """t-1's group of six after two sessions; member 3 held out of session 2 (an open flag)."""
    with make_client(tmp_path_factory.mktemp("data"), headers=OPS) as client:
        group = HttpGroup(client)
        group.session()
        held = group.members[2]
        group.send(held, [c.RecordMeasure(occurred_at=group.course.soon(90), instrument="phq9",
                                          items=(1, 1, 1, 1, 1, 1, 1, 1, 1))])
        group.session()
        caught_up(client)
        yield client, group


def panel(client: TestClient, headers: dict[str, str], **filters: str) -> dict[str, Any]:
    answer = client.get("/ops/dashboard/groups", params=filters, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["ready"]
    return body


def test_the_panel_shows_the_group_its_sessions_and_each_members_attendance_and_pathway(
        dashboard: tuple[TestClient, Any]) -> None:
    client, group = dashboard
    body = panel(client, ADMIN)
    code = group.id[:8]
    assert body["summary"] == ("1 group running with 6 members, 0 closed; 2 group sessions"
                               " held (1 member held out under a safety hold).")
    groups, held, members = body["tables"]
    assert groups["rows"] == [[f"Group {code}", "running", "t-1", 6, 0, "2 of 8",
                               group.course.at.date().isoformat(), None]]
    assert held["rows"][0][1:] == [group.course.at.date().isoformat(), 5, 0, 1]
    assert [row[0] for row in held["rows"]] == [f"Group {code}, session 2",
                                                f"Group {code}, session 1"]
    by_code = {row[0]: row for row in members["rows"]}
    assert len(by_code) == 6
    assert by_code[group.members[2][:8]][1:] == [f"Group {code}", "member", 1, 0, 1, "Middle",
                                                6, None]
    assert by_code[group.members[0][:8]][3:] == [2, 0, 0, "Middle", 6, None]
    chart = body["chart"]
    assert chart["categories"] == ["Session 1", "Session 2"]
    assert [s["values"] for s in chart["series"]] == [[6, 5], [0, 0], [0, 1]]


def test_a_therapist_sees_the_groups_they_lead_and_a_supervisor_their_caseloads(
        dashboard: tuple[TestClient, Any]) -> None:
    client, _ = dashboard
    assert len(panel(client, THERAPIST)["tables"][0]["rows"]) == 1
    supervisor = bearer("supervisor", "s-1", therapists=["t-1"])
    assert len(panel(client, supervisor)["tables"][0]["rows"]) == 1
    other = panel(client, bearer("therapist", "t-2"))
    assert [table["rows"] for table in other["tables"]] == [[], [], []]
    assert other["summary"].startswith("0 groups running with 0 members, 0 closed")
    refused = client.get("/ops/dashboard/groups", params={"therapist": "t-2"},
                         headers=THERAPIST)
    assert refused.status_code == 403


def test_the_filters_choose_the_groups_and_the_sessions_counted(
        dashboard: tuple[TestClient, Any]) -> None:
    client, group = dashboard
    assert [t["rows"] for t in panel(client, ADMIN, protocol="ipt")["tables"]] == [[], [], []]
    assert len(panel(client, ADMIN, therapist="t-1")["tables"][0]["rows"]) == 1
    assert panel(client, ADMIN, therapist="t-9")["tables"][0]["rows"] == []
    last = group.course.at.date().isoformat()
    dated = panel(client, ADMIN, since=last)
    groups, held, members = dated["tables"]
    assert len(groups["rows"]) == 1  # the groups whatever their dates
    assert [row[0] for row in held["rows"]] == [f"Group {group.id[:8]}, session 2"]
    counted = {row[0]: row[3:6] for row in members["rows"]}
    assert counted[group.members[2][:8]] == [0, 0, 1]
    assert counted[group.members[0][:8]] == [1, 0, 0]
    assert dated["note"].startswith("The date range selects the sessions counted")
    assert UUID(group.id)
