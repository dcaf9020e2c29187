"""Group IPT through the application layer: the shared group course
(``services.group_course``) sent to ``Groups`` and ``Pathways`` as a clinic would send it.

``AppGroup(container, members=6)`` forms a group and enrols six members ready for session 1;
``session()`` holds the next one and then sends each member's own commands between sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID, uuid4

from domain.group import commands as g
from domain.pathway.events import SessionHeld, SessionMissed
from services.application import Caller
from services.composition import Container
from services.group_course import GroupCourse, MemberCourse
from services.groups import GroupResult
from tests.journeys import START


def caller(key: str | None = None, actor: str = "t-lead") -> Caller:
    return Caller(actor_id=actor, actor_role="therapist", correlation_id="corr-g",
                  idempotency_key=key or f"key-{uuid4()}")


class AppGroup:
    def __init__(self, container: Container, members: int = 6, *, sessions: int = 8,
                 leaders: tuple[str, ...] = ("t-lead",)) -> None:
        self.container = container
        self.course = GroupCourse(at=START, sessions=sessions, leaders=leaders)
        self.group_id = container.groups.form(self.course.formed(), caller()).group_id
        self.courses: dict[UUID, MemberCourse] = {}
        for number in range(members):
            self.enrol(self.add_member(f"client-{uuid4().hex[:8]}-{number}"))

    @property
    def groups(self) -> Any:
        return self.container.groups

    @property
    def members(self) -> list[UUID]:
        return self.container.groups.load(self.group_id).state.active_members

    def add_member(self, client_ref: str, **fields: Any) -> UUID:
        course = self.course.member(client_ref, **fields)
        opening, rest = course.opening()
        pathways = self.container.pathways
        pathway_id = pathways.open_pathway(opening, caller()).pathway_id
        for command in rest:
            pathways.execute(pathway_id, command, caller())
        self.courses[pathway_id] = course
        return pathway_id

    def enrol(self, member: UUID) -> GroupResult:
        result: GroupResult = self.groups.execute(self.group_id, self.course.enrolment(member),
                                                  caller())
        return result

    def session_command(self, *, absent: Mapping[UUID, g.Absence | None] = {},
                        **fields: Any) -> g.HoldGroupSession:
        return self.course.session(self.members, absent=absent, **fields)

    def hold(self, command: g.HoldGroupSession, **kwargs: Any) -> GroupResult:
        result: GroupResult = self.groups.execute(self.group_id, command,
                                                  kwargs.pop("by", None) or caller(), **kwargs)
        return result

    def session(self, **fields: Any) -> GroupResult:
        result = self.hold(self.session_command(**fields))
        self.between_sessions()
        return result

    def between_sessions(self) -> None:
        for member in self.members:
            for command in self.course.between_sessions(self.courses[member]).take():
                self.container.pathways.execute(member, command, caller())

    def sessions_until(self, number: int) -> AppGroup:
        while self.course.held < number:
            self.session()
        return self

    def kinds(self, member: UUID) -> list[tuple[str, str, int | None]]:
        """The member's session events: (type, kind, number)."""
        return [(type(event).__name__, event.kind, event.number)
                for event in self.container.queries.history(member)
                if isinstance(event, SessionHeld | SessionMissed)]
