"""The clinical path: the next valid step of a textbook course from a pathway's state.

The machine takes the planner's step most of the time, so examples reach the middle phase,
termination, completion and maintenance. Each phase has its own planning method, looked up in
``phase_plans()``: a planner for another format (a group's sessions, say) adds or replaces
entries there rather than growing one function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from domain.pathway import commands as c
from domain.pathway.state import PathwayState
from tests.journeys import CONTINGENCIES
from tests.property.parameters import BASELINES, INVENTORIES, REASON, VECTORS, signatures
from tests.property.spec import Spec, spec_outcome

CommandAt = Callable[[datetime], c.Command]
"""A command waiting for its clinical time (the machine's clock after the wait)."""
Step = tuple[int, CommandAt]
"""(days to wait, the command)."""
PhasePlan = Callable[[PathwayState, datetime, st.DataObject], Step]

FORGETTABLE = ("measure", "diagnosis", "sick_role", "medication", "inventory", "formulation",
               "guardian", "focus", "termination", "letter", "final_measure", "flags")
"""The steps an example may leave out for good (see ``Planner.due``)."""


def command_at(cls: type[c.Command], **fields: Any) -> CommandAt:
    """``cls(**fields)`` at the clinical time it is given later."""
    return lambda at: cls(occurred_at=at, **fields)


@dataclass(frozen=True)
class Planner:
    """Plans one pathway's course: ``course`` is the outcome it heads for, ``forgotten`` the
    step it never takes (None: it forgets none for good)."""

    spec: Spec
    course: str
    forgotten: str | None

    def plan(self, s: PathwayState, clock: datetime, data: st.DataObject) -> Step:
        """The next step from the current state: open flags, consent, then the phase's own."""
        for flag in s.open_flags if self.due(data, s.open_flags, "flags") else ():
            if not flag.acknowledged:
                return 0, command_at(c.AcknowledgeSafetyFlag, flag_id=flag.id)
            if not flag.assessed:
                return 0, command_at(c.RecordRiskAssessment, flag_id=flag.id, risk_level="low",
                                     safety_plan_ref="plan/safety-1")
            return 1, command_at(c.ResolveSafetyFlag, flag_id=flag.id)
        consent = self.consent_due(s, data)
        if consent is not None:
            return 0, consent
        return self.phase_plans()[s.phase](s, clock, data)

    def phase_plans(self) -> Mapping[str, PhasePlan]:
        return {"initial": self.plan_initial, "middle": self.plan_acute,
                "termination": self.plan_acute, "completed": self.plan_completed,
                "maintenance": self.plan_maintenance}

    def due(self, data: st.DataObject, needed: object, step: str) -> bool:
        """Whether to take a needed step now. The planner never takes the example's forgotten
        step, and forgets any other one time in ten, so the steps after it are tried too early
        (and must be refused) until a random command fills the gap."""
        if not needed or step == self.forgotten:
            return False
        return data.draw(st.integers(0, 9), label="forget") < 9

    def consent_due(self, s: PathwayState, data: st.DataObject) -> CommandAt | None:
        """IPT-32: the consents a video session needs, recorded (again) when missing."""
        consents = s.consents
        both = ("treatment", "telehealth")
        guardian = self.spec.id == "ipt-a" and not all(
            consents.get(f"guardian:{kind}") for kind in both)
        if self.due(data, guardian, "guardian"):
            return command_at(c.RecordConsent, kinds=both, given_by="guardian")
        client = not all(consents.get(f"client:{kind}") for kind in both)
        if self.due(data, client, "consent"):
            return command_at(c.RecordConsent, kinds=both)
        return None

    def prerequisite(self, s: PathwayState, data: st.DataObject  # noqa: PLR0911
                     ) -> CommandAt | None:
        """The first IPT-07 prerequisite (besides focus and contract) still missing."""
        if self.due(data, not s.measures, "measure"):
            name = data.draw(st.sampled_from(BASELINES), label="baseline")
            return command_at(c.RecordMeasure, instrument="phq9", items=VECTORS["phq9"][name])
        if self.due(data, s.diagnosis is None, "diagnosis"):
            return command_at(c.RecordDiagnosis, icd10="F32.1", severity="moderate")
        if self.due(data, not s.sick_role, "sick_role"):
            return command_at(c.AssignSickRole)
        if self.due(data, s.medication_need is None, "medication"):
            return command_at(c.AssessMedicationNeed, outcome="not_indicated")
        if self.due(data, s.inventory is None, "inventory"):
            name = "pattern" if self.spec.id == "dit" else data.draw(
                st.sampled_from(["dispute_and_death", "dispute", "transition", "isolated"]),
                label="inventory")
            return command_at(c.RecordInventory, relationships=INVENTORIES[name])
        if self.due(data, s.formulation_area is None, "formulation"):
            return command_at(c.ShareFormulation, problem_area=self.planned_area(s),
                              formulation_ref="doc/f-1")
        return None

    def plan_initial(self, s: PathwayState, clock: datetime, data: st.DataObject) -> Step:
        spec = self.spec
        ipt_a = spec.id == "ipt-a"
        if s.measures and self.due(data, len(s.sessions) < 2, "initial_sessions"):
            number = len(s.sessions) + 1
            return 3 if number == 1 else 7, command_at(
                c.HoldSession, number=number, minutes=50, parent_present=ipt_a, reason=REASON)
        command = self.prerequisite(s, data)
        if command is not None:
            return 0, command
        area = self.planned_area(s)
        if self.due(data, s.focus is None or not s.focus.patient_agreed, "focus"):
            return 0, command_at(c.ChooseFocus, primary=area, rationale_ref="doc/r-1",
                                 patient_agreed=True, reason=REASON,
                                 pattern_summary="expects rejection" if area == "ipaf" else None)
        low, high = spec.sessions_range
        n = max(data.draw(st.sampled_from(spec.contract_choices), label="N"),
                len(s.sessions) + 1, low)
        if n > high:
            return 0, command_at(c.ClosePathway, reason="dropped_out")
        signers = ("client", "therapist", "guardian") if ipt_a else ("client", "therapist")
        return 0, command_at(c.SignContract, sessions=n, session_minutes=50,
                             start_date=clock.date(), course_window_weeks=n + 8,
                             foci=s.focus.areas if s.focus else (area,),
                             contingencies=CONTINGENCIES, measurement_plan=("phq9",),
                             signatures=signatures(*signers))

    def planned_area(self, s: PathwayState) -> str:
        if self.spec.id == "dit":
            return "ipaf"
        shown = {a for p in s.inventory or () for a in p.candidate_areas}
        for area in ("role_dispute", "role_transition", "interpersonal_deficits"):
            if area in shown:
                return area
        return "role_transition"

    def plan_acute(self, s: PathwayState, clock: datetime,  # noqa: PLR0911
                   data: st.DataObject) -> Step:
        spec = self.spec
        contract = s.contract
        assert contract is not None
        held, n = s.sessions_held, contract.sessions
        first_middle = all(x.phase == "initial" for x in s.sessions)
        if first_middle:
            if s.focus is None or not s.focus.patient_agreed:
                return 0, command_at(c.ClosePathway, reason="dropped_out")  # IPT-07 never passes
            command = self.prerequisite(s, data)
            if command is not None:
                return 0, command
        if not s.measures:
            return 0, command_at(c.RecordMeasure, instrument="phq9",
                                 items=VECTORS["phq9"]["moderate"])
        baseline = s.measures[0]
        vectors = VECTORS[baseline.instrument]
        latest_same = s.latest_measure(baseline.instrument)
        if held >= n and not first_middle:
            if self.due(data, latest_same is None or latest_same is baseline
                        or latest_same.occurred_at < s.sessions[-1].occurred_at,
                        "final_measure"):
                name = self.course if self.course in vectors else (
                    "remission" if self.course == "remission" else "partial")
                return 0, command_at(c.RecordMeasure, instrument=baseline.instrument,
                                     items=vectors[name])
            final = latest_same.total if latest_same else baseline.total
            result = spec_outcome(baseline.instrument, baseline.total, final)
            steps = {"remission": ["maintenance", "discharge"],
                     "response": ["discharge", "referred_on"]}.get(
                result, ["new_contract", "medication_referral", "alternative_treatment"])
            return 0, command_at(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/rp-1",
                                 next_step=data.draw(st.sampled_from(steps), label="next step"))
        number = held + 1
        days = data.draw(st.sampled_from([7, 7, 7, 3, 10, 16]), label="session gap")
        window_end = contract.start_date + timedelta(weeks=contract.course_window_weeks)
        if self.due(data, (clock + timedelta(days=days)).date() > window_end, "window"):
            return 0, command_at(c.RenegotiateContract, course_window_weeks=min(
                contract.course_window_weeks + 8, 104), reason=REASON, patient_agreed=True)
        start = spec.ending_start(n)
        discussed = s.termination_discussed_at
        if self.due(data, discussed is None and number >= start, "termination"):
            return 0, command_at(c.DiscussTermination, at_session=number)
        if discussed is not None and discussed > start and number == n:
            longer = n + discussed - start
            if longer > spec.sessions_range[1]:
                return 0, command_at(c.ClosePathway, reason="dropped_out")
            return 0, command_at(c.RenegotiateContract, sessions=longer, reason=REASON,
                                 patient_agreed=True)
        letter_due = spec.id == "dit" and number == n and not s.goodbye_letter_shared
        if self.due(data, letter_due, "letter"):
            return 0, command_at(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")
        latest = s.latest_measure()
        assert latest is not None
        initial = [x for x in s.sessions if x.phase == "initial"]
        if self.due(data, (first_middle and initial
                           and latest.occurred_at < initial[-1].occurred_at)
                    or held - latest.acute_sessions_held >= 3
                    or clock + timedelta(days=days) - latest.occurred_at
                    > timedelta(days=24), "measure"):
            name = data.draw(st.sampled_from(["moderate", "partial", self.course]),
                             label="items")
            return 0, command_at(c.RecordMeasure, instrument=baseline.instrument,
                                 items=vectors.get(name, vectors["partial"]))
        parent = spec.id == "ipt-a" and number >= start
        return days, command_at(c.HoldSession, number=number, minutes=50,
                                focus_addressed=contract.foci[0], parent_present=parent,
                                reason=REASON)

    def plan_completed(self, s: PathwayState, clock: datetime, data: st.DataObject) -> Step:
        if s.outcome == "remission":
            return 1, command_at(c.ScheduleMaintenance, frequency="monthly",
                                 sessions=data.draw(st.sampled_from([3, 6, 12]), label="months"),
                                 start_date=clock.date())
        if data.draw(st.booleans(), label="try maintenance anyway"):  # must be refused
            return 1, command_at(c.ScheduleMaintenance, sessions=6, start_date=clock.date())
        return 1, command_at(c.ClosePathway, reason="discharged")

    def plan_maintenance(self, s: PathwayState, clock: datetime, data: st.DataObject) -> Step:
        assert s.maintenance is not None
        if len(s.maintenance_sessions) >= s.maintenance.sessions:
            return 1, command_at(c.ClosePathway, reason="maintenance_ended")
        latest = s.latest_measure()
        if latest is None or clock - latest.occurred_at > timedelta(days=21):
            name = data.draw(st.sampled_from(["remission", "remission", "none"]), label="items")
            return 0, command_at(c.RecordMeasure, instrument="phq9", items=VECTORS["phq9"][name])
        return 28, command_at(c.HoldSession, number=len(s.maintenance_sessions) + 1, minutes=50)
