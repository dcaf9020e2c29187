"""A running group recorded through the server's API, for the dashboard's Groups panel.

Led by ``t-group`` (also its members' therapist): six members, three weekly sessions ending a
week ago; member 2 does not show at session 2; member 3 reports item 9 = 1 before session 3
and is held out of it (IPT-17). The numbers the page shows are checked against the panel's
JSON, so the demo caseload may hold groups of its own beside this one.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from domain.pathway import commands as c
from services.group_course import GroupCourse, MemberCourse
from tests.browser.conftest import Server
from tests.http.support import ROUTE_OF, body_of

LEADER = "t-group"
WAIT_SECONDS = 30


class SeededGroup:
    def __init__(self, server: Server) -> None:
        start = (datetime.now(UTC) - timedelta(days=28)).replace(microsecond=0)
        self.course = GroupCourse(at=start, leaders=(LEADER,))
        self.client = httpx.Client(base_url=server.base, timeout=10,
                                   headers=server.headers("therapist", LEADER))
        self.position = 0
        self.members: list[str] = []
        self.courses: dict[str, MemberCourse] = {}
        self.id = str(self.post("/groups", self.course.formed())["group_id"])

    def post(self, path: str, command: c.Command) -> Any:
        answer = self.client.post(path, json=body_of(command))
        assert answer.status_code == httpx.codes.CREATED, answer.text
        body = answer.json()
        self.position = max(self.position, int(body["log_position"]))
        return body

    def enrol(self, number: int) -> None:
        course = self.course.member(f"client-group-{number}", therapist_id=LEADER)
        opening, rest = course.opening()
        member = str(self.post("/pathways", opening)["pathway_id"])
        self.send(member, rest)
        self.post(f"/groups/{self.id}/members", self.course.enrolment(UUID(member)))
        self.members.append(member)
        self.courses[member] = course

    def send(self, member: str, commands: list[c.Command]) -> None:
        for command in commands:
            self.post(f"/pathways/{member}/{ROUTE_OF[type(command)]}", command)

    def session(self, absent: dict[str, None] | None = None) -> None:
        missing = {UUID(member): why for member, why in (absent or {}).items()}
        self.post(f"/groups/{self.id}/sessions", self.course.session(
            [UUID(m) for m in self.members], absent=missing))
        for member in self.members:
            self.send(member, self.course.between_sessions(self.courses[member]).take())

    def caught_up(self, server: Server) -> None:
        """Wait until the groups and pathways read models have read every command above."""
        deadline = time.monotonic() + WAIT_SECONDS
        for path in ("/groups", "/pathways"):
            while server.get(path, min_position=str(self.position)).status_code != 200:
                assert time.monotonic() < deadline, f"{path} did not catch up"


def seed_group(server: Server) -> SeededGroup:
    group = SeededGroup(server)
    for number in range(1, 7):
        group.enrol(number)
    group.session()
    group.session(absent={group.members[1]: None})
    group.send(group.members[2], [c.RecordMeasure(
        occurred_at=group.course.soon(90), instrument="phq9", items=(1,) * 9)])
    group.session()
    group.client.close()
    group.caught_up(server)
    return group
