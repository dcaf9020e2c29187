"""The ``Pathway`` aggregate: one course of care, deciding every rule from its own history.

Each command method runs its guards first and triggers events only when they pass, so a refused
command records nothing. Soft-rule breaches need the command's ``reason`` and are recorded as
``DeviationRecorded`` just before the event they allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.context import CommandContext
from domain.errors import InvalidCommand, ReasonRequired
from domain.measures import PHQ9_RECURRENCE, PHQ9_SUICIDE_ITEM, score
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.rules import Deviation, noting_checks, rules_noted
from domain.pathway.rules.always import (
    check_age,
    check_available,
    check_format,
    check_not_closed,
    check_not_future,
    check_referral_not_future,
)
from domain.pathway.rules.consent import check_consent_giver, check_session_consent
from domain.pathway.rules.ending import (
    check_close,
    check_completion,
    check_goodbye_letter,
    check_maintenance,
    check_termination_discussion,
    renegotiated_terms,
)
from domain.pathway.rules.groupwork import (
    GroupVisit,
    check_meeting,
    group_visit,
    meeting_deviations,
)
from domain.pathway.rules.initial import (
    check_areas,
    check_contract,
    check_focus,
    check_inventory_may_change,
    focus_deviations,
)
from domain.pathway.rules.safety import (
    check_acknowledgeable,
    check_resolvable,
    check_safety,
    flag_tier,
    open_flag,
    recurrence_suspected,
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
from domain.pathway.state import PathwayState
from domain.protocols import Protocol, acute_protocol, maintenance_protocol
from domain.vocabulary import GROUP, MAINTENANCE, PHQ9, Phase


class Pathway(Aggregate):
    TOPIC = "carepath:Pathway"
    Event = e.PathwayEvent
    Created = e.PathwayOpened

    def __init__(self) -> None:
        self.state: PathwayState  # set by PathwayOpened

    # ----- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, pathway_id: UUID, command: c.OpenPathway, ctx: CommandContext, *,
             proposed: Protocol | None = None) -> Pathway:
        """Open a pathway under the command's protocol, or (a what-if, never saved) under a
        ``proposed`` version of it that the protocol table does not hold yet."""
        with noting_checks():
            pathway = cls._opened(pathway_id, command, ctx, proposed)
        if proposed is not None:
            pathway.decide_under(proposed)
        return pathway

    def decide_under(self, proposed: Protocol) -> None:
        """A what-if for the compliance replay: decide every further command under a proposed
        protocol version instead of the pathway's own. Nothing records it."""
        self.state.proposed_protocol = proposed

    @classmethod
    def _opened(cls, pathway_id: UUID, command: c.OpenPathway, ctx: CommandContext,
                proposed: Protocol | None) -> Pathway:
        protocol = proposed or acute_protocol(command.protocol, command.protocol_version)
        check_available(protocol)
        check_not_future(command.occurred_at, ctx)
        check_referral_not_future(command.referral_date, ctx)
        check_age(protocol, command.client_age)
        check_format(protocol, command)
        return cls._create(
            e.PathwayOpened, id=pathway_id, timestamp=ctx.recorded_at,
            occurred_at=command.occurred_at, meta=_meta(ctx, protocol.ref),
            client_ref=command.client_ref, client_age=command.client_age,
            therapist_id=command.therapist_id, protocol_id=protocol.id,
            protocol_version=protocol.version, format=command.format, channel=command.channel,
            referral_date=command.referral_date, partner_ref=command.partner_ref,
        )

    # ----- the single entry point -----------------------------------------------------------

    def handle(self, command: c.Command, ctx: CommandContext) -> None:
        """Decide one command: IPT-29 first, then the command's own rules.

        Every check a handler calls notes its rule ids; the events record them, so a handler
        runs all of its checks before it triggers its first event (guards before events).
        """
        with noting_checks():
            check_not_closed(self.state)
            handler = _HANDLERS.get(type(command))
            if handler is None:
                raise InvalidCommand("command",
                                     f"{type(command).__name__} is not a pathway command")
            if not isinstance(command, c.HoldSession | c.AttendGroupSession):
                check_not_future(command.occurred_at, ctx)  # a session's time is IPT-30's
            handler(self, command, ctx)

    def decide_group_visit(self, command: c.AttendGroupSession, ctx: CommandContext
                           ) -> tuple[GroupVisit, tuple[str, ...]]:
        """The member's part in a group session, decided without recording it (what it would
        be refused under is raised), and the rules it was checked against. The group decides
        every member first, so one member's refusal leaves every pathway untouched; then it
        records each decided part (:meth:`record_group_visit`)."""
        with noting_checks():
            check_not_closed(self.state)
            return group_visit(self.state, command, ctx), rules_noted()

    def record_group_visit(self, command: c.AttendGroupSession, visit: GroupVisit,
                           rules: tuple[str, ...], ctx: CommandContext) -> None:
        """Record a part decided by :meth:`decide_group_visit` on this same state."""
        with noting_checks() as noted:
            noted.extend(rules)
            self._record_visit(command, visit, ctx)

    # ----- commands -------------------------------------------------------------------------

    def _record_consent(self, command: c.RecordConsent, ctx: CommandContext) -> None:
        event = e.ConsentWithdrawn if isinstance(command, c.WithdrawConsent) else (
            e.ConsentRecorded)
        check_consent_giver(self.state, command)
        self._emit(ctx, command, event, kinds=command.kinds, given_by=command.given_by)

    def _record_diagnosis(self, command: c.RecordDiagnosis, ctx: CommandContext) -> None:
        self._emit(ctx, command, e.DiagnosisRecorded, icd10=command.icd10,
                   severity=command.severity)

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

    def _assign_sick_role(self, command: c.AssignSickRole, ctx: CommandContext) -> None:
        self._emit(ctx, command, e.SickRoleAssigned)

    def _assess_medication(self, command: c.AssessMedicationNeed, ctx: CommandContext) -> None:
        self._emit(ctx, command, e.MedicationNeedAssessed, outcome=command.outcome)

    def _record_inventory(self, command: c.RecordInventory, ctx: CommandContext) -> None:
        check_inventory_may_change(self.state)
        self._emit(ctx, command, e.InventoryRecorded, relationships=command.relationships)

    def _share_formulation(self, command: c.ShareFormulation, ctx: CommandContext) -> None:
        check_areas(self.state.protocol, (command.problem_area,))
        self._emit(ctx, command, e.FormulationShared, problem_area=command.problem_area,
                   formulation_ref=command.formulation_ref)

    def _choose_focus(self, command: c.ChooseFocus, ctx: CommandContext) -> None:
        deviations = check_focus(self.state, command)
        self._deviate(ctx, command, deviations, command.reason)
        self._emit(ctx, command, e.FocusChosen, primary=command.primary,
                   secondary=command.secondary, rationale_ref=command.rationale_ref,
                   patient_agreed=command.patient_agreed,
                   pattern_summary=command.pattern_summary)

    def _sign_contract(self, command: c.SignContract, ctx: CommandContext) -> None:
        check_contract(self.state, command)
        self._emit(ctx, command, e.ContractSigned, sessions=command.sessions,
                   frequency=command.frequency, session_minutes=command.session_minutes,
                   start_date=command.start_date,
                   course_window_weeks=command.course_window_weeks, foci=command.foci,
                   contingencies=command.contingencies,
                   measurement_plan=command.measurement_plan, signatures=command.signatures)

    def _renegotiate(self, command: c.RenegotiateContract, ctx: CommandContext) -> None:
        terms, changed = renegotiated_terms(self.state, command)
        if "foci" in changed:
            self._deviate(ctx, command, focus_deviations(self.state, terms.foci),
                          command.reason)
        self._emit(ctx, command, e.ContractRenegotiated, sessions=terms.sessions,
                   frequency=terms.frequency, foci=terms.foci,
                   course_window_weeks=terms.course_window_weeks, changed=tuple(changed),
                   reason=command.reason, patient_agreed=command.patient_agreed)

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

    # ----- helpers --------------------------------------------------------------------------

    def _deviate(self, ctx: CommandContext, command: c.Command, deviations: list[Deviation],
                 reason: str | None) -> None:
        if not deviations:
            return
        if not reason:
            raise ReasonRequired(deviations)
        for rule, sentence in deviations:
            self._emit(ctx, command, e.DeviationRecorded, rule=rule, sentence=sentence,
                       reason=reason)

    def _emit(self, ctx: CommandContext, command: c.Command, event: type[e.PathwayEvent],
              **fields: Any) -> None:
        self.trigger_event(event, timestamp=ctx.recorded_at, occurred_at=command.occurred_at,
                           meta=_meta(ctx, self._protocol_ref()), **fields)

    def _protocol_ref(self) -> str:
        if self.state.maintenance is not None:
            return maintenance_protocol().ref
        return self.state.protocol.ref


def _meta(ctx: CommandContext, protocol_ref: str) -> e.EventMeta:
    return e.EventMeta(actor_id=ctx.actor_id, actor_role=ctx.actor_role,
                       correlation_id=ctx.correlation_id, idempotency_key=ctx.idempotency_key,
                       request_digest=ctx.request_digest, protocol=protocol_ref,
                       rules_checked=rules_noted())


_HANDLERS: dict[type[c.Command], Callable[[Pathway, Any, CommandContext], None]] = {
    c.RecordConsent: Pathway._record_consent,
    c.WithdrawConsent: Pathway._record_consent,
    c.RecordDiagnosis: Pathway._record_diagnosis,
    c.RecordMeasure: Pathway._record_measure,
    c.RaiseSafetyFlag: Pathway._raise_safety_flag,
    c.AcknowledgeSafetyFlag: Pathway._acknowledge_flag,
    c.RecordRiskAssessment: Pathway._record_risk_assessment,
    c.ResolveSafetyFlag: Pathway._resolve_flag,
    c.AssignSickRole: Pathway._assign_sick_role,
    c.AssessMedicationNeed: Pathway._assess_medication,
    c.RecordInventory: Pathway._record_inventory,
    c.ShareFormulation: Pathway._share_formulation,
    c.ChooseFocus: Pathway._choose_focus,
    c.SignContract: Pathway._sign_contract,
    c.RenegotiateContract: Pathway._renegotiate,
    c.HoldSession: Pathway._hold_session,
    c.RecordMissedSession: Pathway._record_missed,
    c.AttendGroupSession: Pathway._attend_group_session,
    c.DiscussTermination: Pathway._discuss_termination,
    c.ShareGoodbyeLetter: Pathway._share_goodbye_letter,
    c.CompleteAcuteCourse: Pathway._complete,
    c.ScheduleMaintenance: Pathway._schedule_maintenance,
    c.ClosePathway: Pathway._close,
}
