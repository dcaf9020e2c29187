"""Initial-phase rules IPT-06 to IPT-13 (domain.md section 4), as executable specification.

Every rule is shown accepting (the command is recorded) and rejecting (a ``RuleViolation`` naming
the rule, and nothing recorded). Soft rules are shown refusing without a reason and accepting
with one, recording ``DeviationRecorded`` just before the event they allowed.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest

from domain.errors import RuleViolation
from domain.pathway import commands as c
from domain.values import Relationship, Signature
from tests.journeys import CONTINGENCIES, INVENTORY, PHQ9_MODERATE, Journey
from tests.rules_kit import (
    accepted,
    assert_deviation_before,
    kinds,
    names,
    next_session,
    refused,
    refusing,
)

REASON = "supervisor agreed after case review"
PHQ9_SEVERE_20 = (3, 3, 3, 3, 3, 3, 2, 0, 0)  # 20, item 9 = 0
PHQ9_MODERATELY_SEVERE_19 = (3, 3, 3, 3, 3, 3, 1, 0, 0)  # 19, item 9 = 0

NO_DEATH = (
    Relationship(alias="partner", relation="partner", closeness=4, quality="conflictual",
                 recent_change="dispute", candidate_areas=("role_dispute",)),
    Relationship(alias="J.", relation="former colleague", closeness=2, quality="distant",
                 recent_change="role_change", candidate_areas=("role_transition",)),
)
ONLY_ISOLATION = (
    Relationship(alias="sister", relation="sibling", closeness=2, quality="distant",
                 recent_change="isolation", candidate_areas=("interpersonal_deficits",)),
)


# ----- a small vocabulary for these specifications ------------------------------------------


def refused_signing(j: Journey, rule: str, **overrides: Any) -> RuleViolation:
    """Signing (with ``overrides``) is refused under ``rule``: nothing recorded, no contract."""
    with refusing(j, rule) as caught:
        j.sign(**overrides)
    assert j.state.contract is None
    return caught.value


def choose(primary: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("rationale_ref", "doc/rationale-1")
    fields.setdefault("patient_agreed", True)
    return {"primary": primary, **fields}


PREREQUISITES = ("diagnosis", "baseline", "sick_role", "medication", "formulation",
                 "agreed_focus")


def initial_phase(missing: str | None = None, baseline: tuple[int, ...] = PHQ9_MODERATE,
                  inventory: tuple[Relationship, ...] = INVENTORY) -> Journey:
    """Two initial sessions and everything IPT-07 asks for, except ``missing``; no contract."""
    j = Journey().do(c.RecordConsent, kinds=("treatment", "telehealth"))
    if missing != "baseline":
        j.measure(baseline)
    j.session()
    if missing != "diagnosis":
        j.do(c.RecordDiagnosis, icd10="F32.1", severity="moderate")
    if missing != "sick_role":
        j.do(c.AssignSickRole)
    if missing != "medication":
        j.do(c.AssessMedicationNeed, outcome="not_indicated")
    j.do(c.RecordInventory, relationships=inventory)
    j.session()
    if missing != "formulation":
        j.do(c.ShareFormulation, problem_area="role_dispute", formulation_ref="doc/f-1")
    j.do(c.ChooseFocus, **choose("role_dispute", patient_agreed=missing != "agreed_focus"))
    return j


# ----- IPT-06 (C/S): the initial phase lasts at most the protocol's cap ----------------------


def test_an_ipt_initial_phase_may_last_three_sessions() -> None:
    j = Journey().consented().measure().session().session()

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]
    assert j.state.initial_sessions_held == 3


def test_a_fourth_ipt_initial_session_needs_a_reason() -> None:
    j = Journey().consented().measure().session().session().session()

    refused(j.later(), c.HoldSession, "IPT-06", soft=True, **next_session(j))

    assert j.state.initial_sessions_held == 3


def test_a_fourth_initial_session_with_a_reason_is_recorded_as_a_deviation() -> None:
    j = Journey().consented().measure().session().session().session()

    events = accepted(j.later(), c.HoldSession, **next_session(j, reason=REASON))

    assert_deviation_before(events, "SessionHeld", "IPT-06", reason=REASON)
    assert events[-1].phase == "initial"


def test_the_initial_phase_cap_comes_from_the_protocol() -> None:
    """ipt-a allows four initial sessions before a fifth is a deviation."""
    j = Journey("ipt-a", age=15).consented().measure().session().session().session()

    events = accepted(j.later(), c.HoldSession, **next_session(j))
    assert kinds(events) == ["SessionHeld"]

    refused(j.later(), c.HoldSession, "IPT-06", soft=True, **next_session(j))


# ----- IPT-07 (H): leaving the initial phase needs the whole assessment ----------------------


def test_with_the_assessment_complete_the_first_middle_phase_session_is_held() -> None:
    j = initial_phase().sign().measure()

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]
    assert events[0].phase == "middle"
    assert j.state.phase == "middle"


@pytest.mark.parametrize(("missing", "words"), [
    ("diagnosis", "a diagnosis"),
    ("baseline", "a baseline measure"),
    ("sick_role", "the sick role"),
    ("medication", "medication need"),
    ("formulation", "a formulation"),
])
def test_leaving_the_initial_phase_needs_every_part_of_the_assessment(missing: str,
                                                                     words: str) -> None:
    j = initial_phase(missing=missing).sign()
    if missing != "baseline":
        j.measure()

    violation = refused(j.later(), c.HoldSession, "IPT-07", **next_session(j))

    assert words in violation.sentence
    assert j.state.sessions_held == 2


def test_a_contract_fixes_only_a_focus_the_patient_agreed_to() -> None:
    j = initial_phase(missing="agreed_focus")

    violation = refused(j, c.SignContract, "IPT-13", **_contract_fields(j, foci=("role_dispute",)))

    assert "agreed" in violation.sentence


def test_a_new_inventory_asks_for_the_focus_to_be_chosen_again() -> None:
    j = initial_phase()
    j.do(c.RecordInventory, relationships=INVENTORY)

    refused(j, c.SignContract, "IPT-13", **_contract_fields(j, foci=("role_dispute",)))


def test_the_assessment_is_checked_only_when_leaving_the_initial_phase() -> None:
    """An initial-phase session is held while the assessment is still under way."""
    j = Journey().consented().measure().session()

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert events[0].phase == "initial"


# ----- IPT-08 (H): one primary focus and at most one secondary --------------------------------


def test_a_primary_and_a_different_secondary_focus_are_chosen() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    events = accepted(j, c.ChooseFocus, **choose("role_dispute", secondary="grief"))

    assert kinds(events) == ["FocusChosen"]
    assert (events[0].primary, events[0].secondary) == ("role_dispute", "grief")
    assert j.state.focus.areas == ("role_dispute", "grief")


def test_the_secondary_focus_cannot_repeat_the_primary() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    refused(j, c.ChooseFocus, "IPT-08", **choose("role_dispute", secondary="role_dispute"))

    assert j.state.focus is None


def test_renegotiated_foci_cannot_name_the_same_area_twice() -> None:
    j = Journey().through_initial()

    refused(j, c.RenegotiateContract, "IPT-08", foci=("role_dispute", "role_dispute"),
            reason="r", patient_agreed=True)

    assert j.state.contract.foci == ("role_dispute",)


# ----- IPT-09 (C/H): every focus belongs to the protocol's problem-area set ------------------


@pytest.mark.parametrize("area", ["grief", "role_dispute", "role_transition",
                                  "interpersonal_deficits"])
def test_an_ipt_focus_is_one_of_the_four_problem_areas(area: str) -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    events = accepted(j, c.ChooseFocus, **choose(area, reason=REASON))

    assert events[-1].primary == area


def test_an_ipt_focus_cannot_be_a_dit_ipaf() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    refused(j, c.ChooseFocus, "IPT-09", **choose("ipaf", pattern_summary="expects rejection"))


def test_an_ipt_secondary_focus_also_belongs_to_the_problem_areas() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    refused(j, c.ChooseFocus, "IPT-09", **choose("role_dispute", secondary="ipaf"))


def test_a_dit_focus_is_the_ipaf() -> None:
    j = Journey("dit", sessions=16).do(c.RecordInventory, relationships=INVENTORY)

    events = accepted(j, c.ChooseFocus, **choose("ipaf", pattern_summary="expects rejection"))

    assert events[0].primary == "ipaf"
    assert events[0].pattern_summary == "expects rejection"


def test_the_problem_area_set_comes_from_the_protocol_so_dit_has_no_grief_focus() -> None:
    j = Journey("dit", sessions=16).do(c.RecordInventory, relationships=INVENTORY)

    refused(j, c.ChooseFocus, "IPT-09", **choose("grief", pattern_summary="p"))


def test_a_formulation_names_a_problem_area_of_the_protocol() -> None:
    j = Journey()

    refused(j, c.ShareFormulation, "IPT-09", problem_area="ipaf", formulation_ref="doc/f-1")
    events = accepted(j, c.ShareFormulation, problem_area="grief", formulation_ref="doc/f-1")

    assert kinds(events) == ["FormulationShared"]


def test_renegotiated_foci_belong_to_the_protocol() -> None:
    j = Journey().through_initial()

    refused(j, c.RenegotiateContract, "IPT-09", foci=("ipaf",), reason="r", patient_agreed=True)


# ----- IPT-10 (S): a grief focus needs a deceased person in the inventory ---------------------


def test_a_grief_focus_with_a_death_in_the_inventory_needs_no_reason() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    events = accepted(j, c.ChooseFocus, **choose("grief"))

    assert kinds(events) == ["FocusChosen"]


def test_a_grief_focus_without_a_death_in_the_inventory_needs_a_reason() -> None:
    j = Journey().do(c.RecordInventory, relationships=NO_DEATH)

    refused(j, c.ChooseFocus, "IPT-10", soft=True, **choose("grief"))

    assert j.state.focus is None


def test_a_grief_focus_without_a_death_is_recorded_as_a_deviation_with_its_reason() -> None:
    j = Journey().do(c.RecordInventory, relationships=NO_DEATH)

    events = accepted(j, c.ChooseFocus, **choose("grief", reason=REASON))

    assert_deviation_before(events, "FocusChosen", "IPT-10", reason=REASON)


def test_a_grief_secondary_focus_also_needs_a_death() -> None:
    j = Journey().do(c.RecordInventory, relationships=NO_DEATH)

    refused(j, c.ChooseFocus, "IPT-10", soft=True,
            **choose("role_dispute", secondary="grief"))


# ----- IPT-11 (S): interpersonal deficits only when no other area shows ----------------------


def test_interpersonal_deficits_needs_no_reason_when_the_inventory_shows_no_other_area() -> None:
    j = Journey().do(c.RecordInventory, relationships=ONLY_ISOLATION)

    events = accepted(j, c.ChooseFocus, **choose("interpersonal_deficits"))

    assert kinds(events) == ["FocusChosen"]


def test_interpersonal_deficits_needs_a_reason_when_the_inventory_shows_a_dispute() -> None:
    j = Journey().do(c.RecordInventory, relationships=NO_DEATH)

    refused(j, c.ChooseFocus, "IPT-11", soft=True, **choose("interpersonal_deficits"))


def test_interpersonal_deficits_needs_a_reason_when_the_inventory_shows_a_death() -> None:
    grief_only = (INVENTORY[1],)
    j = Journey().do(c.RecordInventory, relationships=grief_only)

    refused(j, c.ChooseFocus, "IPT-11", soft=True, **choose("interpersonal_deficits"))


def test_interpersonal_deficits_over_another_area_is_recorded_as_a_deviation() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    events = accepted(j, c.ChooseFocus, **choose("interpersonal_deficits", reason=REASON))

    assert_deviation_before(events, "FocusChosen", "IPT-11", reason=REASON)


@pytest.mark.parametrize("change", ["dispute", "role_change"])
def test_interpersonal_deficits_needs_a_reason_when_a_recent_change_shows_another_area(
        change: Literal["dispute", "role_change"]) -> None:
    inventory = (Relationship(alias="boss", relation="manager", closeness=2, quality="distant",
                              recent_change=change),)
    j = Journey().do(c.RecordInventory, relationships=inventory)

    refused(j, c.ChooseFocus, "IPT-11", soft=True, **choose("interpersonal_deficits"))


@pytest.mark.parametrize(("inventory", "area", "rule"), [
    (NO_DEATH, "grief", "IPT-10"),
    (INVENTORY, "interpersonal_deficits", "IPT-11"),
])
def test_renegotiated_foci_meet_the_grief_and_deficits_rules_too(
        inventory: tuple[Relationship, ...], area: str, rule: str) -> None:
    j = initial_phase(inventory=inventory).sign().measure()

    events = accepted(j, c.RenegotiateContract, foci=(area,), reason=REASON, patient_agreed=True)

    assert_deviation_before(events, "ContractRenegotiated", rule, reason=REASON)


# ----- IPT-12 (H): a severe baseline needs medication assessed before the contract ------------


def test_a_severe_baseline_without_a_medication_assessment_blocks_the_contract() -> None:
    j = initial_phase(missing="medication", baseline=PHQ9_SEVERE_20)

    violation = refused_signing(j, "IPT-12")

    assert "20" in violation.sentence


def test_a_severe_baseline_with_medication_assessed_allows_the_contract() -> None:
    j = initial_phase(baseline=PHQ9_SEVERE_20)
    version = j.pathway.version

    j.sign()

    assert names(j, version) == ["ContractSigned"]


def test_a_severe_baseline_contract_follows_the_medication_assessment() -> None:
    j = initial_phase(missing="medication", baseline=PHQ9_SEVERE_20)
    refused_signing(j, "IPT-12")

    j.do(c.AssessMedicationNeed, outcome="referred_to_prescriber").sign()

    assert j.state.contract is not None


def test_a_baseline_of_19_is_not_severe_and_needs_no_medication_assessment_to_sign() -> None:
    j = initial_phase(missing="medication", baseline=PHQ9_MODERATELY_SEVERE_19)

    j.sign()

    assert j.state.contract is not None


def test_the_severe_baseline_is_the_first_phq9_even_after_later_improvement() -> None:
    j = initial_phase(missing="medication", baseline=PHQ9_SEVERE_20).measure()

    refused_signing(j, "IPT-12")


# ----- IPT-13 (H): inventory, then focus, then a contract on the chosen foci ------------------


def test_a_focus_is_chosen_after_the_inventory() -> None:
    j = Journey()
    inventory = accepted(j, c.RecordInventory, relationships=INVENTORY)

    focus = accepted(j, c.ChooseFocus, **choose("role_dispute"))

    assert kinds(inventory + focus) == ["InventoryRecorded", "FocusChosen"]


def test_no_focus_without_an_inventory() -> None:
    j = Journey()

    refused(j, c.ChooseFocus, "IPT-13", **choose("role_dispute"))

    assert j.state.focus is None


def test_no_contract_without_a_focus() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)
    version = j.pathway.version

    with pytest.raises(RuleViolation) as info:
        j.do(c.SignContract, **_contract_fields(j, foci=("role_dispute",)))

    assert info.value.rule == "IPT-13"
    assert j.pathway.version == version


def test_the_contract_foci_must_equal_the_chosen_foci() -> None:
    j = initial_phase()

    refused_signing(j, "IPT-13", foci=("role_transition",))
    refused_signing(j, "IPT-13", foci=("role_dispute", "grief"))


def test_a_contract_on_primary_and_secondary_focus_names_both() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)
    j.do(c.ChooseFocus, **choose("role_dispute", secondary="grief"))

    refused_signing(j, "IPT-13", foci=("role_dispute",))
    j.sign(foci=("role_dispute", "grief"))

    assert j.state.contract.foci == ("role_dispute", "grief")


def test_the_inventory_may_be_recorded_again_in_the_initial_phase_and_the_latest_wins() -> None:
    j = Journey().do(c.RecordInventory, relationships=INVENTORY)

    events = accepted(j, c.RecordInventory, relationships=NO_DEATH)

    assert kinds(events) == ["InventoryRecorded"]
    assert j.state.inventory == NO_DEATH


def test_the_inventory_cannot_change_once_the_contract_is_signed() -> None:
    j = Journey().through_initial()

    refused(j, c.RecordInventory, "IPT-13", relationships=NO_DEATH)

    assert j.state.inventory == INVENTORY


def _contract_fields(j: Journey, **overrides: Any) -> dict[str, Any]:
    """SignContract fields as ``Journey.sign`` builds them, usable before a focus exists."""
    fields: dict[str, Any] = {
        "sessions": 12, "frequency": "weekly", "session_minutes": 50,
        "start_date": j.at.date(), "course_window_weeks": 20,
        "contingencies": CONTINGENCIES, "measurement_plan": ("phq9",),
        "signatures": (Signature(signer="client", signed_by="client-1"),
                       Signature(signer="therapist", signed_by="therapist-1")),
    }
    fields.update(overrides)
    return fields
