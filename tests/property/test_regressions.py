"""Domain gaps the property test found, shrunk by hand and kept as regressions."""

from __future__ import annotations

import pytest

from domain.errors import CommandRejected, RuleViolation
from domain.pathway import commands as c
from tests.journeys import INVENTORY, PHQ9_REMISSION, Journey


def test_shortening_the_contract_cannot_skip_the_ending_rules() -> None:
    journey = Journey("ipt", sessions=12).through_initial().middle_sessions_until(9)
    assert journey.state.termination_discussed_at is None  # window 10-12 not reached yet
    with pytest.raises(RuleViolation) as refused:  # a 9-session course's ending: never discussed
        journey.do(c.RenegotiateContract, sessions=9, reason="client relocating",
                   patient_agreed=True)
    assert refused.value.rule == "IPT-23"
    journey.measure(PHQ9_REMISSION)
    with pytest.raises(CommandRejected):
        journey.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/rp-1",
                   next_step="discharge")


def test_a_contract_needs_a_focus_chosen_from_the_latest_inventory() -> None:
    journey = Journey("ipt")
    journey.consented().measure().session()
    journey.do(c.RecordDiagnosis, icd10="F32.1", severity="moderate").do(c.AssignSickRole)
    journey.do(c.AssessMedicationNeed, outcome="not_indicated")
    journey.do(c.RecordInventory, relationships=INVENTORY)  # the mother has died
    journey.do(c.ShareFormulation, problem_area="grief", formulation_ref="doc/f-1")
    journey.do(c.ChooseFocus, primary="grief", rationale_ref="doc/r-1", patient_agreed=True)
    journey.do(c.RecordInventory, relationships=(INVENTORY[0],))  # latest: nobody has died
    with pytest.raises(CommandRejected):  # IPT-13 order broken, IPT-10 never re-checked
        journey.sign(foci=("grief",))
