"""Ending the course: the termination discussion, the goodbye letter, completion with its
outcome, maintenance scheduled, and closing the pathway."""

from __future__ import annotations

from typing import Final

from domain.context import CommandContext
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.handlers.deciding import Deciding, Handler
from domain.pathway.rules.ending import (
    check_close,
    check_completion,
    check_goodbye_letter,
    check_maintenance,
    check_termination_discussion,
)
from domain.protocols import maintenance_protocol


class Ending(Deciding):
    def _discuss_termination(self, command: c.DiscussTermination, ctx: CommandContext) -> None:
        check_termination_discussion(self.state, command)
        self._emit(ctx, command, e.TerminationDiscussed, at_session=command.at_session)

    def _share_goodbye_letter(self, command: c.ShareGoodbyeLetter, ctx: CommandContext) -> None:
        check_goodbye_letter(self.state)
        self._emit(ctx, command, e.GoodbyeLetterShared, letter_ref=command.letter_ref)

    def _complete(self, command: c.CompleteAcuteCourse, ctx: CommandContext) -> None:
        result = check_completion(self.state, command)
        self._emit(ctx, command, e.AcuteCourseCompleted, instrument=result.instrument,
                   baseline_total=result.baseline_total, final_total=result.final_total,
                   outcome=result.outcome,
                   relapse_prevention_plan_ref=command.relapse_prevention_plan_ref,
                   next_step=command.next_step)

    def _schedule_maintenance(self, command: c.ScheduleMaintenance, ctx: CommandContext) -> None:
        check_maintenance(self.state, command)
        self._emit(ctx, command, e.MaintenanceScheduled, protocol=maintenance_protocol().ref,
                   frequency=command.frequency, sessions=command.sessions,
                   start_date=command.start_date)

    def _close(self, command: c.ClosePathway, ctx: CommandContext) -> None:
        check_close(self.state, command)
        self._emit(ctx, command, e.PathwayClosed, reason=command.reason)


HANDLERS: Final[dict[type[c.Command], Handler]] = {
    c.DiscussTermination: Ending._discuss_termination,
    c.ShareGoodbyeLetter: Ending._share_goodbye_letter,
    c.CompleteAcuteCourse: Ending._complete,
    c.ScheduleMaintenance: Ending._schedule_maintenance,
    c.ClosePathway: Ending._close,
}
