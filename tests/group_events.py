"""A group through every one of its event types, sent through the application layer: formed,
seven members enrolled, a session with one member absent, a member leaving, closed early."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.group import commands as g
from services.composition import Container
from tests.group_app import AppGroup, caller

CLOSING_REASON = "the room was lost"


@dataclass(frozen=True)
class GroupCourseRun:
    group_id: UUID
    members: tuple[UUID, ...]
    absent: UUID
    left: UUID
    session_position: int
    """The log position the group session's transaction reached."""


def every_group_event(container: Container) -> GroupCourseRun:
    group = AppGroup(container, members=7)
    members = tuple(group.members)
    absent, leaving = members[:2]
    held = group.hold(group.session_command(absent={absent: "no_show"}))
    group.groups.execute(group.group_id, g.RecordMemberLeft(
        occurred_at=group.course.soon(), pathway_id=leaving, reason="dropped_out"), caller())
    group.groups.execute(group.group_id, group.course.closed("ended_early",
                                                             reason=CLOSING_REASON), caller())
    return GroupCourseRun(group.group_id, members, absent, leaving, held.log_position)
