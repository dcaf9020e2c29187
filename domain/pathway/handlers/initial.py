"""Commands of the initial phase and the contract: consent, diagnosis, the sick role,
medication need, the interpersonal inventory, the formulation, the focus, the contract and its
renegotiation."""

from __future__ import annotations

from typing import Final

from domain.context import CommandContext
from domain.pathway import commands as c
from domain.pathway import events as e
from domain.pathway.handlers.deciding import Deciding, Handler
from domain.pathway.rules.consent import check_consent_giver
from domain.pathway.rules.ending import (
    renegotiated_terms,
)
from domain.pathway.rules.initial import (
    check_areas,
    check_contract,
    check_focus,
    check_inventory_may_change,
    focus_deviations,
)


class InitialPhase(Deciding):
    def _record_consent(self, command: c.RecordConsent, ctx: CommandContext) -> None:
        event = e.ConsentWithdrawn if isinstance(command, c.WithdrawConsent) else (
            e.ConsentRecorded)
        check_consent_giver(self.state, command)
        self._emit(ctx, command, event, kinds=command.kinds, given_by=command.given_by)

    def _record_diagnosis(self, command: c.RecordDiagnosis, ctx: CommandContext) -> None:
        self._emit(ctx, command, e.DiagnosisRecorded, icd10=command.icd10,
                   severity=command.severity)

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


HANDLERS: Final[dict[type[c.Command], Handler]] = {
    c.RecordConsent: InitialPhase._record_consent,
    c.WithdrawConsent: InitialPhase._record_consent,
    c.RecordDiagnosis: InitialPhase._record_diagnosis,
    c.AssignSickRole: InitialPhase._assign_sick_role,
    c.AssessMedicationNeed: InitialPhase._assess_medication,
    c.RecordInventory: InitialPhase._record_inventory,
    c.ShareFormulation: InitialPhase._share_formulation,
    c.ChooseFocus: InitialPhase._choose_focus,
    c.SignContract: InitialPhase._sign_contract,
    c.RenegotiateContract: InitialPhase._renegotiate,
}
