"""Holding a group session: one decision across the group and every member's pathway.

Every member's part is decided before anything is recorded: the group's own rules first, then
the safety holds (IPT-17), then each member's pathway (its own rules, as for any session). A
member's refusal refuses the whole session and names the member; soft rules of every member
are gathered so one ``reason`` covers them all. Only then does each pathway record its
``SessionHeld`` (or ``SessionMissed``) and the group its ``GroupSessionHeld``: the caller saves
them together, in one transaction, or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from domain.context import CommandContext
from domain.errors import InvalidCommand, ReasonRequired, RuleViolation
from domain.group.aggregate import Group
from domain.group.commands import HoldGroupSession
from domain.group.errors import MemberRefused
from domain.group.events import AttendanceRecord
from domain.group.rules import noting_checks
from domain.group.rules.membership import check_group_open
from domain.group.rules.sessions import check_group_session, safety_holds
from domain.pathway.aggregate import Pathway
from domain.pathway.commands import AttendGroupSession
from domain.pathway.rules.groupwork import GroupVisit


def hold_group_session(group: Group, members: Mapping[UUID, Pathway],
                       command: HoldGroupSession, ctx: CommandContext
                       ) -> tuple[AttendanceRecord, ...]:
    """Decide the session on ``group`` and the pathways of its current ``members`` (by
    pathway id); the attendance as recorded (safety holds included)."""
    with noting_checks():
        state = group.state
        check_group_open(state)
        check_group_session(state, command, ctx)
        attendance = safety_holds({pid: members[pid].state for pid in state.active_members},
                                  command.attendance)
        parts = list(zip((members[entry.pathway_id] for entry in attendance),
                         _parts(group, command, attendance), strict=True))
        decided = [_decided(index, pathway, part, ctx)
                   for index, (pathway, part) in enumerate(parts)]
        deviations = [(rule, f"Member {pathway.id}: {sentence}")
                      for (pathway, _), (visit, _) in zip(parts, decided, strict=True)
                      for rule, sentence in visit.deviations]
        if deviations and not command.reason:
            raise ReasonRequired(deviations)
        for (pathway, part), (visit, rules) in zip(parts, decided, strict=True):
            pathway.record_group_visit(part, visit, rules, ctx)
        group.record_session(command, attendance, ctx)
    return attendance


def _parts(group: Group, command: HoldGroupSession,
           attendance: tuple[AttendanceRecord, ...]) -> list[AttendGroupSession]:
    """Each member's part; members present (or absent for the same reason) share one."""
    made: dict[tuple[bool, str | None], AttendGroupSession] = {}
    for entry in attendance:
        if (entry.present, entry.absence) not in made:
            made[entry.present, entry.absence] = _part(group, command, entry)
    return [made[entry.present, entry.absence] for entry in attendance]


def _part(group: Group, command: HoldGroupSession, entry: AttendanceRecord
          ) -> AttendGroupSession:
    """The member's part, built from values the group's command has validated already."""
    return AttendGroupSession.model_construct(
        occurred_at=command.occurred_at, group_id=group.id, number=command.number,
        minutes=command.minutes, channel=command.channel,
        group_sessions=group.state.sessions_planned, present=entry.present,
        absence=entry.absence, themes=command.themes,
        ending_discussed=command.ending_discussed, reason=command.reason)


def _decided(index: int, pathway: Pathway, part: AttendGroupSession, ctx: CommandContext
             ) -> tuple[GroupVisit, tuple[str, ...]]:
    """The member's part decided; a refusal names the member."""
    try:
        return pathway.decide_group_visit(part, ctx)
    except RuleViolation as refused:
        raise MemberRefused(pathway.id, refused) from None
    except InvalidCommand as invalid:
        raise InvalidCommand(f"attendance[{index}]",
                             f"member {pathway.id}: {invalid.reason}") from None
