"""Sessions: an acute or maintenance session held, an ipt-g member's individual meeting, their
part in a group session, and a missed session."""

from __future__ import annotations

from typing import Final

from domain.context import CommandContext
from domain.errors import InvalidCommand
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.handlers.deciding import Deciding, Handler
from domain.pathway.rules.consent import check_session_consent
from domain.pathway.rules.groupwork import (
    GroupVisit,
    check_meeting,
    group_visit,
    meeting_deviations,
)
from domain.pathway.rules.safety import (
    check_safety,
)
from domain.pathway.rules.sessions import (
    check_acute_session,
    check_maintenance_count,
    check_missed_scheduled,
    check_numbering,
    check_sessions_contracted,
    missed_deviations,
    session_deviations,
)
from domain.vocabulary import GROUP, MAINTENANCE, Phase


class Sessions(Deciding):
    def _hold_session(self, command: c.HoldSession, ctx: CommandContext) -> None:
        state = self.state
        check_sessions_contracted(state)
        if state.phase == MAINTENANCE:
            self._hold_maintenance_session(command, ctx)
            return
        if state.is_meeting(command.kind) or state.protocol.is_group:
            self._hold_meeting(command, ctx)
            return
        check_numbering(state, command, ctx)
        session_phase = state.phase_of_session(command.number)
        check_acute_session(state, command, session_phase)
        check_session_consent(state, command)
        check_safety(state, command)
        self._deviate(ctx, command, session_deviations(state, command, session_phase),
                      command.reason)
        self._emit_session(ctx, command, session_phase)

    def _hold_maintenance_session(self, command: c.HoldSession, ctx: CommandContext) -> None:
        state = self.state
        check_numbering(state, command, ctx, maintenance=True)
        check_maintenance_count(state, command)
        check_session_consent(state, command)
        check_safety(state, command)
        self._emit_session(ctx, command, MAINTENANCE)

    def _hold_meeting(self, command: c.HoldSession, ctx: CommandContext) -> None:
        """An individual meeting beside a group (ipt-g), numbered on its own."""
        state = self.state
        if not state.is_meeting(command.kind):
            raise InvalidCommand("kind", f"an {state.protocol.id} member's acute sessions are"
                                 " the group's (POST /groups/{id}/sessions); on the pathway:"
                                 " pre_group, mid_group, post_group or safety meetings")
        check_meeting(state, command, ctx)
        check_session_consent(state, command)
        check_safety(state, command)
        self._deviate(ctx, command, meeting_deviations(state, command), command.reason)
        self._emit_session(ctx, command, state.phase)

    def _attend_group_session(self, command: c.AttendGroupSession, ctx: CommandContext) -> None:
        self._record_visit(command, group_visit(self.state, command, ctx), ctx)

    def _record_visit(self, command: c.AttendGroupSession, visit: GroupVisit,
                      ctx: CommandContext) -> None:
        self._deviate(ctx, command, visit.deviations, command.reason)
        if visit.ending_discussed:
            self._emit(ctx, command, e.TerminationDiscussed, at_session=command.number)
        if visit.session is None:
            self._emit(ctx, command, e.SessionMissed, kind=visit.missed, notice_hours=None,
                       number=command.number, group_id=command.group_id)
            return
        session = visit.session
        self._emit(ctx, command, e.SessionHeld, number=command.number, phase=visit.phase,
                   minutes=command.minutes, channel=command.channel, kind=GROUP,
                   focus_addressed=session.focus_addressed, techniques=(), homework_set=False,
                   parent_present=False, group_id=command.group_id)

    def _emit_session(self, ctx: CommandContext, command: c.HoldSession, phase: Phase) -> None:
        self._emit(ctx, command, e.SessionHeld, number=command.number, phase=phase,
                   minutes=command.minutes, channel=command.channel, kind=command.kind,
                   focus_addressed=command.focus_addressed, techniques=command.techniques,
                   homework_set=command.homework_set, parent_present=command.parent_present)

    def _record_missed(self, command: c.RecordMissedSession, ctx: CommandContext) -> None:
        check_missed_scheduled(self.state)
        self._deviate(ctx, command, missed_deviations(self.state, command.kind),
                     command.reason)
        self._emit(ctx, command, e.SessionMissed, kind=command.kind,
                   notice_hours=command.notice_hours)


HANDLERS: Final[dict[type[c.Command], Handler]] = {
    c.HoldSession: Sessions._hold_session,
    c.RecordMissedSession: Sessions._record_missed,
    c.AttendGroupSession: Sessions._attend_group_session,
}
