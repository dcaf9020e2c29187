"""Groups over HTTP: form, enrol, hold sessions, close; the group's state and history; refusals
as problem documents with the rule id (and the member a member's refusal is about); the same
headers, idempotency and If-Match as pathway commands.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from domain.group import commands as g
from domain.pathway import commands as c
from services.group_course import GroupCourse, MemberCourse
from tests.http.support import OPEN, ROUTE_OF, THERAPIST, TestClient, body_of
from tests.journeys import START
from tests.tokens import bearer

LEADER = "t-1"
"""The group's leader and its members' therapist: the caseload of the tests' token."""


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def group_body(command: c.Command) -> dict[str, Any]:
    return command.model_dump(mode="json", exclude_defaults=True)


class HttpGroup:
    """One group driven over HTTP with the shared group course."""

    def __init__(self, client: TestClient, members: int = 6, *, enrol: bool = True) -> None:
        self.client = client
        self.course = GroupCourse(at=START, leaders=(LEADER,))
        formed = client.post("/groups", json=group_body(self.course.formed()),
                             headers=THERAPIST)
        assert formed.status_code == 201, formed.text
        self.id = formed.json()["group_id"]
        self.courses: dict[str, MemberCourse] = {}
        self.members: list[str] = []
        for number in range(members):
            member = self.add_member(f"client-{uuid4().hex[:6]}-{number}")
            if enrol:
                self.enrol(member)

    def add_member(self, client_ref: str) -> str:
        course = self.course.member(client_ref, therapist_id=LEADER)
        opening, rest = course.opening()
        opened = self.client.post("/pathways", json=body_of(opening), headers=THERAPIST)
        assert opened.status_code == 201, opened.text
        member = str(opened.json()["pathway_id"])
        self.courses[member] = course
        self.send(member, rest)
        return member

    def send(self, member: str, commands: list[c.Command]) -> None:
        for command in commands:
            sent = self.client.post(f"/pathways/{member}/{ROUTE_OF[type(command)]}",
                                    json=body_of(command), headers=THERAPIST)
            assert sent.status_code == 201, sent.text

    def post(self, path: str, command: c.Command, **headers: str) -> Any:
        return self.client.post(f"/groups/{self.id}/{path}", json=group_body(command),
                                headers={**THERAPIST, **headers})

    def enrol(self, member: str) -> None:
        enrolled = self.post("members", self.course.enrolment(UUID(member)))
        assert enrolled.status_code == 201, enrolled.text
        self.members.append(member)

    def session_command(self, **fields: Any) -> g.HoldGroupSession:
        return self.course.session([UUID(m) for m in self.members], **fields)

    def session(self, **fields: Any) -> Any:
        held = self.post("sessions", self.session_command(**fields))
        assert held.status_code == 201, held.text
        for member in self.members:
            self.send(member, self.course.between_sessions(self.courses[member]).take())
        return held.json()

    def state(self) -> Any:
        found = self.client.get(f"/groups/{self.id}")
        assert found.status_code == 200, found.text
        return found.json()

    def versions(self) -> list[int]:
        """The group's version, then each member's."""
        return [self.state()["version"], *(self.client.get(f"/pathways/{m}").json()["version"]
                                           for m in self.members)]


def test_a_group_runs_over_http_from_formation_to_every_members_completion(
        client: TestClient) -> None:
    group = HttpGroup(client, members=6)

    first = group.session()
    while group.course.held < 8:
        group.session()
    closed = group.post("close", group.course.closed())

    assert [m["events"][-1]["type"] for m in first["members"]] == ["SessionHeld"] * 6
    assert [a["present"] for a in first["attendance"]] == [True] * 6
    assert first["events"][-1]["type"] == "GroupSessionHeld"
    assert closed.status_code == 201, closed.text
    state = group.state()
    assert (state["sessions_held"], state["closed_outcome"]) == (8, "completed")
    assert state["ending_discussed_at"] == 4
    assert state["sessions"][0]["present"] == group.members
    for member in group.members:
        pathway = client.get(f"/pathways/{member}").json()
        assert (pathway["phase"], pathway["outcome"]) == ("completed", "remission")


def test_forming_answers_201_with_location_and_etag_and_a_retry_200(client: TestClient) -> None:
    body = group_body(GroupCourse(at=START, leaders=(LEADER,)).formed())
    headers = {**THERAPIST, "Idempotency-Key": f"form-{uuid4()}"}

    first = client.post("/groups", json=body, headers=headers)
    again = client.post("/groups", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.headers["Location"] == f"/groups/{first.json()['group_id']}"
    assert first.headers["ETag"] == '"1"'
    assert again.json() == {**first.json(), "replayed": True}


def test_a_first_session_with_five_members_is_refused_under_ipt_33(client: TestClient) -> None:
    group = HttpGroup(client, members=5)
    before = group.versions()

    refused = group.post("sessions", group.session_command())

    problem = assert_problem(refused, 422)
    assert problem["rule"] == "IPT-33"
    assert group.versions() == before


def test_a_members_refusal_names_the_member_and_records_nothing(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    member = group.members[3]
    group.send(member, [c.WithdrawConsent(occurred_at=group.course.soon(-60),
                                          kinds=("treatment",))])
    before = group.versions()

    refused = group.post("sessions", group.session_command())

    problem = assert_problem(refused, 422)
    assert (problem["rule"], problem["member"]) == ("IPT-32", member)
    assert member in problem["detail"]
    assert group.versions() == before


def test_a_safety_hold_shows_in_the_answer_and_the_others_attend(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    member = group.members[0]
    group.send(member, [c.RecordMeasure(occurred_at=group.course.soon(-60), instrument="phq9",
                                        items=(1, 1, 1, 1, 1, 1, 1, 1, 1))])

    held = group.session()

    by_member = {a["pathway_id"]: a for a in held["attendance"]}
    assert by_member[member] == {"pathway_id": member, "present": False,
                                 "absence": "safety_hold"}
    events = {m["pathway_id"]: m["events"][-1]["type"] for m in held["members"]}
    assert events.pop(member) == "SessionMissed"
    assert set(events.values()) == {"SessionHeld"}


def test_a_late_enrolment_after_session_3_is_refused_under_ipt_31(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    for _ in range(3):
        group.session()
    late = group.add_member("client-late")

    refused = group.post("members", group.course.enrolment(UUID(late)))

    assert assert_problem(refused, 422)["rule"] == "IPT-31"


def test_if_match_on_the_groups_version_and_idempotent_sessions(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    command = group.session_command()
    stale = group.post("sessions", command, **{"If-Match": '"1"'})
    key = {"Idempotency-Key": f"session-{uuid4()}"}

    first = group.post("sessions", command, **key)
    again = group.post("sessions", command, **key)

    problem = assert_problem(stale, 412)
    assert problem["actual"] == group.state()["version"] - 1
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["members"] == first.json()["members"]
    assert group.state()["sessions_held"] == 1


def test_a_group_belongs_to_its_leaders_caseload(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    command = group.session_command()
    other, supervisor = bearer("therapist", "t-2"), bearer("supervisor", "s-1", therapists=["t-1"])

    refused = [group.post("sessions", command, **other),
               client.get(f"/groups/{group.id}", headers=other),
               client.get(f"/groups/{group.id}/history", headers=other),
               client.post("/groups", json=group_body(
                   GroupCourse(at=START, leaders=(LEADER,)).formed()), headers=other)]
    allowed = group.post("sessions", command, **supervisor)

    assert [assert_problem(r, 403)["type"] for r in refused] == [
        "urn:carepath:problem:outside-caseload"] * 4
    assert allowed.status_code == 201, allowed.text
    assert client.get(f"/groups/{group.id}", headers=bearer("auditor", "a-1")).status_code == 200
    assert_problem(group.post("close", group.course.closed("ended_early", "r"),
                              **bearer("ops", "o-1")), 403)


def test_only_a_pathway_in_the_callers_caseload_is_enrolled(client: TestClient) -> None:
    group = HttpGroup(client, members=0)
    course = group.course.member("client-of-t-2", therapist_id="t-2")
    opening, _ = course.opening()
    t2 = bearer("therapist", "t-2")
    opened = client.post("/pathways", json=body_of(opening), headers=t2)
    assert opened.status_code == 201, opened.text

    refused = group.post("members", group.course.enrolment(UUID(opened.json()["pathway_id"])))

    assert assert_problem(refused, 403)["type"] == "urn:carepath:problem:outside-caseload"


def test_unknown_and_malformed_group_ids_are_404(client: TestClient) -> None:
    pathway = client.post("/pathways", json=OPEN, headers=THERAPIST).json()["pathway_id"]

    for group_id in (str(uuid4()), pathway, "not-a-uuid"):
        assert_problem(client.get(f"/groups/{group_id}"), 404)
        body = group_body(GroupCourse(at=START).closed("ended_early", "r"))
        problem = assert_problem(client.post(f"/groups/{group_id}/close", json=body,
                                             headers=THERAPIST), 404)
        assert problem["type"].endswith(":group-not-found")


def test_bodies_are_strict(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    body = group_body(group.session_command())

    extra = client.post(f"/groups/{group.id}/sessions", json={**body, "mood": "good"},
                        headers=THERAPIST)
    present_and_absent = client.post(f"/groups/{group.id}/sessions", json={
        **body, "attendance": [{"pathway_id": group.members[0], "present": True,
                                "absence": "no_show"}]}, headers=THERAPIST)
    coerced = client.post(f"/groups/{group.id}/sessions", json={**body, "number": "1"},
                          headers=THERAPIST)

    for refused in (extra, present_and_absent, coerced):
        assert assert_problem(refused, 422)["type"].endswith(":invalid-request")
    assert group.state()["sessions_held"] == 0


def test_the_history_and_the_state_as_of_a_version(client: TestClient) -> None:
    group = HttpGroup(client, members=6)
    group.session()

    history = client.get(f"/groups/{group.id}/history").json()
    earlier = client.get(f"/groups/{group.id}", params={"version": 7})

    assert [e["type"] for e in history["events"]] == (
        ["GroupFormed"] + ["MemberEnrolled"] * 6 + ["GroupSessionHeld"])
    assert history["events"][-1]["rules_checked"] == [
        "IPT-04", "IPT-17", "IPT-23", "IPT-29", "IPT-30", "IPT-33"]
    assert earlier.headers["ETag"] == '"7"'
    assert earlier.json()["sessions_held"] == 0
    assert_problem(client.get(f"/groups/{group.id}", params={"version": 99}), 404)


def test_the_group_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert paths["/groups"]["post"]["operationId"] == "form_group"
    for path, command in (("members", "EnrolMember"), ("members/leave", "RecordMemberLeft"),
                          ("sessions", "HoldGroupSession"), ("close", "CloseGroup")):
        operation = paths[f"/groups/{{group_id}}/{path}"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith(f"/{command}")
        assert operation["tags"] == ["groups"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"Idempotency-Key", "If-Match", "X-Correlation-Id"} <= headers
        assert {"401", "403"} <= operation["responses"].keys()
    assert paths["/groups/{group_id}"]["get"]["tags"] == ["groups"]
    assert "/groups/{group_id}/history" in paths


def test_a_couple_pathway_opens_over_http_with_both_clients(client: TestClient) -> None:
    couple = {**OPEN, "format": "couple", "partner_ref": "partner-001"}

    opened = client.post("/pathways", json=couple, headers=THERAPIST)
    missing = client.post("/pathways", json={**couple, "partner_ref": None},
                          headers=THERAPIST)

    assert opened.status_code == 201, opened.text
    problem = assert_problem(missing, 422)
    assert problem["errors"] == [{"field": "body.partner_ref", "reason": (
        "a couple pathway names both clients: give the partner's reference")}]
