"""Group IPT in tests: a group and its members' pathways driven through the domain, with the
shared by-the-book group course (``services.group_course``) and the test clock.

``j = GroupJourney(members=6)`` forms a group and enrols six members ready for session 1;
``j.session()`` holds the next session (everyone present unless ``absent`` says otherwise) and
then writes each member's own commands between sessions (measures, meetings, completion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID, uuid4

from domain.group import commands as g
from domain.group.aggregate import Group
from domain.group.events import AttendanceRecord
from domain.group.session import hold_group_session
from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.pathway.state import PathwayState
from services.group_course import GroupCourse, MemberCourse
from tests.journeys import START, ctx


class GroupJourney:
    def __init__(self, members: int = 6, *, sessions: int = 8, capacity: int = 9,
                 enrol: bool = True) -> None:
        self.course = GroupCourse(at=START, sessions=sessions, capacity=capacity)
        self.group = Group.form(uuid4(), self.course.formed(), ctx())
        self.pathways: dict[UUID, Pathway] = {}
        self.courses: dict[UUID, MemberCourse] = {}
        for number in range(members):
            member = self.add_member(f"client-{number + 1}")
            if enrol:
                self.enrol(member)

    # ----- members ------------------------------------------------------------------------

    def add_member(self, client_ref: str, **fields: Any) -> UUID:
        """A new member's pathway, assessed and contracted (not enrolled yet)."""
        course = self.course.member(client_ref, **fields)
        opening, rest = course.opening()
        pathway = Pathway.open(uuid4(), opening, ctx())
        for command in rest:
            pathway.handle(command, ctx())
        self.pathways[pathway.id], self.courses[pathway.id] = pathway, course
        return pathway.id

    def enrol(self, member: UUID) -> GroupJourney:
        self.group.enrol(self.course.enrolment(member), self.state(member), ctx())
        return self

    def state(self, member: UUID) -> PathwayState:
        return self.pathways[member].state

    def do(self, member: UUID, command_class: type[c.Command], **fields: Any) -> GroupJourney:
        """A command on a member's own pathway, at the group's clock."""
        fields.setdefault("occurred_at", self.course.soon())
        self.pathways[member].handle(command_class(**fields), ctx())
        return self

    @property
    def members(self) -> list[UUID]:
        return self.group.state.active_members

    # ----- sessions -----------------------------------------------------------------------

    def session_command(self, *, absent: Mapping[UUID, g.Absence | None] = {}, **fields: Any
                        ) -> g.HoldGroupSession:
        return self.course.session(self.members, absent=absent, **fields)

    def hold(self, command: g.HoldGroupSession) -> tuple[AttendanceRecord, ...]:
        return hold_group_session(self.group, self.pathways, command, ctx())

    def session(self, *, absent: Mapping[UUID, g.Absence | None] = {}, between: bool = True,
                **fields: Any) -> tuple[AttendanceRecord, ...]:
        """Hold the next session, then (``between``) each member's own commands after it. A
        refused session leaves the course where it was, to be written again."""
        course = self.course
        where = (course.at, course.held, course.discussed)
        try:
            attendance = self.hold(self.session_command(absent=absent, **fields))
        except Exception:
            course.at, course.held, course.discussed = where
            raise
        if between:
            self.between_sessions()
        return attendance

    def between_sessions(self) -> GroupJourney:
        for member in self.members:
            course = self.course.between_sessions(self.courses[member])
            for command in course.take():
                self.pathways[member].handle(command, ctx())
        return self

    def sessions_until(self, number: int, **fields: Any) -> GroupJourney:
        while self.course.held < number:
            self.session(**fields)
        return self
