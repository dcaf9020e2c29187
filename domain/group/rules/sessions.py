"""A group session (IPT-04, IPT-17, IPT-23, IPT-30, IPT-33 for the group): numbered with the
group, its first held with enough members, its final one only after the ending was discussed,
every member's attendance given, and members under a safety hold kept out."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from domain.context import CommandContext
from domain.errors import InvalidCommand, RuleViolation
from domain.group.commands import Attendance, HoldGroupSession
from domain.group.events import AttendanceRecord
from domain.group.rules import checks
from domain.group.state import GroupState
from domain.pathway.rules.safety import flags_waiting
from domain.pathway.state import PathwayState
from domain.vocabulary import NO_SHOW, SAFETY_HOLD


@checks("IPT-04", "IPT-23", "IPT-30", "IPT-33")
def check_group_session(state: GroupState, command: HoldGroupSession,
                        ctx: CommandContext) -> None:
    protocol, number = state.protocol, command.number
    expected = state.sessions_held + 1
    if number != expected:
        raise RuleViolation("IPT-30", f"Group sessions are numbered consecutively: the next is"
                            f" number {expected}, not {number}.")
    if number > state.sessions_planned:
        raise RuleViolation("IPT-04", f"The group plans {state.sessions_planned} sessions:"
                            f" session {number} would exceed them.")
    last = state.sessions[-1] if state.sessions else None
    if last is not None and command.occurred_at < last.occurred_at:
        raise RuleViolation("IPT-30", f"Group sessions are recorded in chronological order:"
                            f" session {number} cannot be held before session {last.number}.")
    if command.occurred_at > ctx.latest_clinical_time:
        raise RuleViolation("IPT-30", "A session cannot be recorded as held in the future.")
    active = state.active_members
    if number == 1 and protocol.group_size is not None:
        low = protocol.group_size[0]
        if not low <= len(active) <= state.capacity:
            raise RuleViolation("IPT-33", f"A group holds its first session with {low}-"
                                f"{state.capacity} enrolled members; it has {len(active)}.")
    check_attendance_lists_the_members(active, command.attendance)
    if number == state.sessions_planned:
        discussed = state.ending_discussed_at or (number if command.ending_discussed else None)
        if discussed is None or discussed > state.ending_starts_at:
            raise RuleViolation("IPT-23", f"The group's ending must be discussed by group"
                                f" session {state.ending_starts_at}: the final session cannot"
                                " be recorded.")


def check_attendance_lists_the_members(active: list[UUID],
                                       attendance: tuple[Attendance, ...]) -> None:
    listed = [entry.pathway_id for entry in attendance]
    if len(set(listed)) != len(listed):
        raise InvalidCommand("attendance", "a member is listed twice")
    if unknown := [str(pathway) for pathway in listed if pathway not in active]:
        raise InvalidCommand("attendance", f"not a member of the group: {', '.join(unknown)}")
    if missing := [str(pathway) for pathway in active if pathway not in listed]:
        raise InvalidCommand("attendance", f"every member's attendance is given; missing:"
                             f" {', '.join(missing)}")


@checks("IPT-17")
def safety_holds(members: Mapping[UUID, PathwayState],
                 attendance: tuple[Attendance, ...]) -> tuple[AttendanceRecord, ...]:
    """IPT-17 per member: a member with a flag not yet acknowledged and assessed is recorded
    absent with ``safety_hold``; the session goes ahead for the others."""
    decided = []
    for entry in attendance:
        held = entry.present and bool(flags_waiting(members[entry.pathway_id]))
        present = entry.present and not held
        absence = SAFETY_HOLD if held else None if present else entry.absence or NO_SHOW
        decided.append(AttendanceRecord(pathway_id=entry.pathway_id, present=present,
                                        absence=absence))
    return tuple(decided)
