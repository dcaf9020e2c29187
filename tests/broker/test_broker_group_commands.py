"""A group's commands by request/reply on the broker: form, enrol, hold a session, a member
leaving, close; the same checks, rule refusals, caseload and idempotency as over HTTP, through
the same application layer; on NATS, RabbitMQ and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest
from pydantic import BaseModel

from projections.log import OrderedLog
from services.broker.connection import make_broker
from services.broker.names import Names
from services.commands import BY_NAME
from services.composition import Container, bootstrap, broker_runtime
from services.group_course import GroupCourse
from services.settings import load_settings
from tests.broker.support import URLS, new_names, reachable, run
from tests.group_app import caller
from tests.journeys import START
from tests.tokens import token

Ask = Callable[[str, Any], Awaitable[dict[str, Any]]]
LEADER = token("therapist", "t-lead")


@asynccontextmanager
async def answering(family: str, container: Container) -> AsyncIterator[Ask]:
    """The service answering commands on the broker, and a client asking it."""
    names = Names(container.settings.broker_prefix)
    runtime = broker_runtime(container, relay=False, commands=True)
    await runtime.start()
    await runtime.connected.wait()
    client = make_broker(URLS[family])
    await client.start()

    async def ask(command: str, request: Any) -> dict[str, Any]:
        subject = names.command_subject(BY_NAME[command])
        where = {"nats": {"subject": subject}, "rabbit": {"queue": subject},
                 "redis": {"list": subject}}[family]
        reply = await client.request(orjson.dumps(request), timeout=10,  # type: ignore[call-arg]
                                     **where)
        answer: dict[str, Any] = orjson.loads(reply.body)
        return answer

    try:
        yield ask
    finally:
        await client.stop()
        await runtime.stop()


@pytest.fixture(params=["nats", "rabbit", "redis"])
def family(request: pytest.FixtureRequest) -> str:
    chosen: str = request.param
    reachable(URLS[chosen])
    return chosen


@pytest.fixture
def container(family: str, tmp_path: Path) -> Iterator[Container]:
    names = new_names()
    made = bootstrap(load_settings(data_dir=tmp_path / "data", broker_url=URLS[family],
                                   broker_prefix=names.prefix))
    yield made
    made.close()


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
