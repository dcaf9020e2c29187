"""The ``Group`` aggregate: one group IPT course, deciding its own rules from its own history.

Each command method runs its guards first and triggers its event only when they pass, so a
refused command records nothing. A group session involves every member's pathway as well: it
is decided in ``domain.group.session``, which ends with :meth:`Group.record_session`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.context import CommandContext
from domain.errors import InvalidCommand
from domain.group import commands as c
from domain.group import events as e
from domain.group.rules import noting_checks, rules_noted
from domain.group.rules.membership import (
    check_closing,
    check_enrolment,
    check_formation,
    check_group_open,
    check_member,
)
from domain.group.state import GroupState
from domain.pathway.commands import Command
from domain.pathway.events import EventMeta
from domain.pathway.rules.always import check_not_future
from domain.pathway.state import PathwayState
from domain.protocols import acute_protocol


class Group(Aggregate):
    TOPIC = "carepath:Group"
    Event = e.GroupEvent
    Created = e.GroupFormed

    def __init__(self) -> None:
        self.state: GroupState  # set by GroupFormed

    @classmethod
    def form(cls, group_id: UUID, command: c.FormGroup, ctx: CommandContext) -> Group:
        with noting_checks():
            protocol = acute_protocol(command.protocol, command.protocol_version)
            check_formation(protocol, command)
            check_not_future(command.occurred_at, ctx)
            return cls._create(
                e.GroupFormed, id=group_id, timestamp=ctx.recorded_at,
                occurred_at=command.occurred_at, meta=_meta(ctx, protocol.ref),
                protocol_id=protocol.id, protocol_version=protocol.version,
                leaders=command.leaders, sessions=command.sessions,
                session_minutes=command.session_minutes, capacity=command.capacity,
                start_date=command.start_date)

    def enrol(self, command: c.EnrolMember, member: PathwayState, ctx: CommandContext) -> None:
        """Enrol the member whose pathway is in state ``member`` (IPT-19 reads it)."""
        with noting_checks():
            check_group_open(self.state)
            check_not_future(command.occurred_at, ctx)
            check_enrolment(self.state, self.id, command.pathway_id, member)
            self._emit(ctx, command, e.MemberEnrolled, pathway_id=command.pathway_id)

    def handle(self, command: Command, ctx: CommandContext) -> None:
        """Decide a command that concerns the group alone (a member leaving, closing)."""
        with noting_checks():
            check_group_open(self.state)
            handler = _HANDLERS.get(type(command))
            if handler is None:
                raise InvalidCommand("command", f"{type(command).__name__} is not decided by"
                                     " the group alone")
            check_not_future(command.occurred_at, ctx)
            handler(self, command, ctx)

    def record_session(self, command: c.HoldGroupSession,
                       attendance: tuple[e.AttendanceRecord, ...], ctx: CommandContext) -> None:
        """The group's own record of a session its members' pathways have decided (called by
        ``domain.group.session`` inside the decision, after every check passed)."""
        self._emit(ctx, command, e.GroupSessionHeld, number=command.number,
                   minutes=command.minutes, channel=command.channel, attendance=attendance,
                   themes=command.themes, ending_discussed=command.ending_discussed)

    def _record_member_left(self, command: c.RecordMemberLeft, ctx: CommandContext) -> None:
        check_member(self.state, command.pathway_id)
        self._emit(ctx, command, e.MemberLeft, pathway_id=command.pathway_id,
                   reason=command.reason)

    def _close(self, command: c.CloseGroup, ctx: CommandContext) -> None:
        check_closing(self.state, command)
        self._emit(ctx, command, e.GroupClosed, outcome=command.outcome, reason=command.reason)

    def _emit(self, ctx: CommandContext, command: Command, event: type[e.GroupEvent],
              **fields: Any) -> None:
        self.trigger_event(event, timestamp=ctx.recorded_at, occurred_at=command.occurred_at,
                           meta=_meta(ctx, self.state.protocol.ref), **fields)


def _meta(ctx: CommandContext, protocol_ref: str) -> EventMeta:
    return EventMeta(actor_id=ctx.actor_id, actor_role=ctx.actor_role,
                     correlation_id=ctx.correlation_id, idempotency_key=ctx.idempotency_key,
                     request_digest=ctx.request_digest, protocol=protocol_ref,
                     rules_checked=rules_noted())


_HANDLERS: dict[type[Command], Callable[[Group, Any, CommandContext], None]] = {
    c.RecordMemberLeft: Group._record_member_left,
    c.CloseGroup: Group._close,
}
