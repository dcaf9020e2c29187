"""A group's commands by request/reply on the broker: form, enrol, hold a session, a member
leaving, close; the same checks, rule refusals, caseload and idempotency as over HTTP, through
the same application layer; on NATS, RabbitMQ and Redis."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel

from projections.log import OrderedLog
from services.composition import Container
from services.group_course import GroupCourse
from tests.broker.support import answering, run
from tests.group_app import caller
from tests.journeys import START
from tests.tokens import token

LEADER = token("therapist", "t-lead")


def _body(command: BaseModel) -> dict[str, Any]:
    body: dict[str, Any] = command.model_dump(mode="json", exclude_none=True)
    return body


def _members(container: Container, course: GroupCourse, count: int) -> list[UUID]:
    """Contracted ipt-g pathways of the leader's caseload, ready to enrol."""
    members = []
    for number in range(count):
        opening, rest = course.member(f"client-{number}").opening()
        pathway_id = container.pathways.open_pathway(opening, caller()).pathway_id
        for command in rest:
            container.pathways.execute(pathway_id, command, caller())
        members.append(pathway_id)
    return members


def test_a_group_runs_over_the_broker_and_a_retry_answers_the_first_result(
        family: str, container: Container) -> None:
    course = GroupCourse(at=START)
    members = _members(container, course, 6)

    async def scenario() -> dict[str, Any]:
        async with answering(family, container) as ask:
            formed = await ask("form_group", {"token": LEADER, "idempotency_key": "form-1",
                                              "command": _body(course.formed())})
            group = formed["group_id"]
            enrolled = [await ask("enrol_member", {
                "token": LEADER, "group_id": group,
                "command": _body(course.enrolment(member))}) for member in members]
            session = {"token": LEADER, "group_id": group, "idempotency_key": "session-1",
                       "command": _body(course.session(members, absent={members[0]: None}))}
            held = await ask("hold_group_session", session)
            again = await ask("hold_group_session", session)
            left = await ask("record_member_left", {
                "token": LEADER, "group_id": group, "command": {
                    "occurred_at": course.soon().isoformat(), "pathway_id": str(members[1]),
                    "reason": "dropped_out"}})
            closed = await ask("close_group", {
                "token": LEADER, "group_id": group, "expected_version": left["version"],
                "command": _body(course.closed("ended_early", reason="the room was lost"))})
            return {"formed": formed, "enrolled": enrolled, "held": held, "again": again,
                    "left": left, "closed": closed}

    answers = run(scenario())
    formed, held = answers["formed"], answers["held"]
    assert (formed["status"], formed["idempotency_key"]) == (201, "form-1")
    assert formed["events"] == [{"version": 1, "type": "GroupFormed"}]
    assert [a["status"] for a in answers["enrolled"]] == [201] * 6
    assert held["status"] == 201
    assert held["events"] == [{"version": 8, "type": "GroupSessionHeld"}]
    assert {m["pathway_id"] for m in held["members"]} == {str(m) for m in members}
    absent = next(a for a in held["attendance"] if not a["present"])
    assert absent == {"pathway_id": str(members[0]), "present": False, "absence": "no_show"}
    assert answers["again"] == {**held, "status": 200, "replayed": True}
    assert answers["left"]["events"] == [{"version": 9, "type": "MemberLeft"}]
    assert answers["closed"]["events"] == [{"version": 10, "type": "GroupClosed"}]
    group = container.groups.load(UUID(formed["group_id"]))
    assert group.state.closed_outcome == "ended_early"
    assert len(group.state.sessions) == 1  # the retry recorded nothing


def test_a_broken_group_rule_is_refused_with_its_rule_id_and_records_nothing(
        family: str, container: Container) -> None:
    course = GroupCourse(at=START)
    members = _members(container, course, 5)

    async def scenario() -> tuple[dict[str, Any], int, dict[str, Any], dict[str, Any]]:
        async with answering(family, container) as ask:
            formed = await ask("form_group", {"token": LEADER,
                                              "command": _body(course.formed())})
            group = formed["group_id"]
            for member in members:
                await ask("enrol_member", {"token": LEADER, "group_id": group,
                                           "command": _body(course.enrolment(member))})
            head = OrderedLog(container.pathways).head()
            too_few = await ask("hold_group_session", {  # IPT-33: the first session needs 6
                "token": LEADER, "group_id": group, "command": _body(course.session(members))})
            outsider = await ask("close_group", {
                "token": token("therapist", "t-2"), "group_id": group,
                "command": _body(course.closed("ended_early"))})
            lax = await ask("form_group", {"token": LEADER, "command": {
                **_body(course.formed()), "capacity": "9"}})
            return too_few, head, outsider, lax

    too_few, head, outsider, lax = run(scenario())
    assert too_few["status"] == 422
    assert too_few["rule"] == "IPT-33"
    assert too_few["type"] == "urn:carepath:problem:rule-violation"
    assert (outsider["status"], outsider["type"]) == (
        403, "urn:carepath:problem:outside-caseload")
    assert (lax["status"], lax["errors"][0]["field"]) == (422, "body.command.capacity")
    assert OrderedLog(container.pathways).head() == head  # nothing recorded by any refusal
