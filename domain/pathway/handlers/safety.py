"""Measures and safety: a measure scored (and the flag or recurrence it raises in the same
command, IPT-17 and IPT-28), and a safety flag raised, acknowledged, assessed and resolved."""

from __future__ import annotations

from typing import Final

from domain.context import CommandContext
from domain.measures import PHQ9_RECURRENCE, PHQ9_SUICIDE_ITEM, score
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.handlers.deciding import Deciding, Handler
from domain.pathway.rules.safety import (
    check_acknowledgeable,
    check_resolvable,
    flag_tier,
    open_flag,
    recurrence_suspected,
)
from domain.vocabulary import PHQ9


class Safety(Deciding):
    def _record_measure(self, command: c.RecordMeasure, ctx: CommandContext) -> None:
        result = score(command.instrument, command.items)
        state = self.state
        tier = flag_tier(result)  # IPT-17 and IPT-28 decided before the first event
        recurrence = recurrence_suspected(state, result)
        self._emit(ctx, command, e.MeasureRecorded, instrument=result.instrument,
                   items=result.items, total=result.total, band=result.band,
                   baseline=not state.measures)
        if tier is not None:  # IPT-17, in this same command
            self._emit(ctx, command, e.SafetyFlagRaised, flag_id=len(state.flags) + 1,
                       tier=tier, source="measure", item9=result.items[PHQ9_SUICIDE_ITEM - 1])
        if recurrence:  # IPT-28
            self._emit(ctx, command, e.RecurrenceSuspected, instrument=PHQ9,
                       total=result.total, threshold=PHQ9_RECURRENCE)

    def _raise_safety_flag(self, command: c.RaiseSafetyFlag, ctx: CommandContext) -> None:
        self._emit(ctx, command, e.SafetyFlagRaised, flag_id=len(self.state.flags) + 1,
                   tier=command.tier, source=command.source, item9=None)

    def _acknowledge_flag(self, command: c.AcknowledgeSafetyFlag, ctx: CommandContext) -> None:
        flag = open_flag(self.state, command.flag_id)
        check_acknowledgeable(flag)
        self._emit(ctx, command, e.SafetyFlagAcknowledged, flag_id=flag.id)

    def _record_risk_assessment(self, command: c.RecordRiskAssessment,
                                ctx: CommandContext) -> None:
        flag = open_flag(self.state, command.flag_id)
        self._emit(ctx, command, e.RiskAssessmentRecorded, flag_id=flag.id,
                   risk_level=command.risk_level, safety_plan_ref=command.safety_plan_ref)

    def _resolve_flag(self, command: c.ResolveSafetyFlag, ctx: CommandContext) -> None:
        flag = open_flag(self.state, command.flag_id)
        check_resolvable(flag)
        self._emit(ctx, command, e.SafetyFlagResolved, flag_id=flag.id)


HANDLERS: Final[dict[type[c.Command], Handler]] = {
    c.RecordMeasure: Safety._record_measure,
    c.RaiseSafetyFlag: Safety._raise_safety_flag,
    c.AcknowledgeSafetyFlag: Safety._acknowledge_flag,
    c.RecordRiskAssessment: Safety._record_risk_assessment,
    c.ResolveSafetyFlag: Safety._resolve_flag,
}
