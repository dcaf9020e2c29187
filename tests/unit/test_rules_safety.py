"""Safety (domain.md section 4, IPT-17 to IPT-19): the suicide-risk workflow.

IPT-17 raises a flag from PHQ-9 item 9 inside the measuring command and holds routine sessions
until the flag is acknowledged and assessed; IPT-18 lets only an assessed resolution clear risk;
IPT-19 keeps adolescents (and groups) out of enrolment while an urgent flag is open.
"""

from __future__ import annotations

import pytest

from domain.errors import InvalidCommand
from domain.pathway import commands as c
from tests.journeys import PHQ9_MODERATE, PHQ9_PARTIAL, Journey
from tests.rules_kit import in_middle_phase, names, recorded, refusing


def phq9(item9: int, rest: tuple[int, ...] = PHQ9_MODERATE[:8]) -> tuple[int, ...]:
    return (*rest, item9)


def flagged(item9: int = 1) -> Journey:
    """A middle-phase pathway whose latest PHQ-9 raised flag 1."""
    return in_middle_phase().later(1).measure(phq9(item9))


def acknowledge(j: Journey, flag_id: int = 1) -> Journey:
    return j.do(c.AcknowledgeSafetyFlag, flag_id=flag_id)


def assess(j: Journey, flag_id: int = 1, risk_level: str = "low") -> Journey:
    return j.do(c.RecordRiskAssessment, flag_id=flag_id, risk_level=risk_level,
                safety_plan_ref="plan/safety-1")


# ----- IPT-17: item 9 raises a flag in the same command ----------------------------------------


def test_a_zero_on_item_9_raises_no_flag() -> None:
    j = in_middle_phase()
    before = j.pathway.version

    j.measure(phq9(0))

    assert names(j, before) == ["MeasureRecorded"]
    assert j.state.open_flags == []


@pytest.mark.parametrize(("item9", "tier"), [(1, "routine"), (2, "urgent"), (3, "urgent")])
def test_item_9_of_one_or_more_raises_a_flag_in_the_same_command(item9: int, tier: str) -> None:
    j = in_middle_phase()
    before = j.pathway.version

    j.measure(phq9(item9))

    measure, flag = recorded(j, before)
    assert type(measure).__name__ == "MeasureRecorded"
    assert type(flag).__name__ == "SafetyFlagRaised"
    assert (flag.flag_id, flag.tier, flag.source, flag.item9) == (1, tier, "measure", item9)
    assert flag.meta.idempotency_key == measure.meta.idempotency_key, "one command, two events"
    assert [f.tier for f in j.state.open_flags] == [tier]


def test_item_9_raises_a_flag_at_the_baseline_too() -> None:
    j = Journey()
    before = j.pathway.version

    j.measure(phq9(2))

    assert names(j, before) == ["MeasureRecorded", "SafetyFlagRaised"]
    assert j.state.has_open_urgent_flag


def test_a_gad7_score_never_raises_a_suicide_flag() -> None:
    j = in_middle_phase()
    before = j.pathway.version

    j.measure((3, 3, 3, 3, 3, 3, 3), instrument="gad7")

    assert names(j, before) == ["MeasureRecorded"]


def test_each_flag_gets_its_own_number() -> None:
    j = flagged(1)
    before = j.pathway.version

    j.later(1).measure(phq9(2))

    assert [event.flag_id for event in recorded(j, before)
            if type(event).__name__ == "SafetyFlagRaised"] == [2]
    assert sorted(j.state.flags) == [1, 2]


def test_a_routine_session_waits_while_a_flag_is_unacknowledged() -> None:
    j = flagged()

    with refusing(j, "IPT-17"):
        j.session()


def test_an_acknowledged_flag_still_needs_a_risk_assessment_before_a_routine_session() -> None:
    j = acknowledge(flagged())

    with refusing(j, "IPT-17"):
        j.session()


def test_an_assessed_flag_still_needs_an_acknowledgement_before_a_routine_session() -> None:
    j = assess(flagged())

    with refusing(j, "IPT-17"):
        j.session()


def test_a_routine_session_waits_for_an_acknowledged_and_assessed_flag() -> None:
    j = assess(acknowledge(flagged()))
    before = j.pathway.version

    j.session()

    assert names(j, before) == ["SessionHeld"]
    assert j.state.open_flags, "holding a session does not clear the flag (IPT-18)"


def test_a_safety_session_may_be_held_while_a_flag_waits() -> None:
    j = flagged(2)
    before = j.pathway.version

    j.session(kind="safety")

    assert names(j, before) == ["SessionHeld"]
    assert recorded(j, before)[0].kind == "safety"


def test_a_flag_raised_by_the_clinician_also_holds_routine_sessions() -> None:
    j = in_middle_phase().do(c.RaiseSafetyFlag, tier="routine", source="client_report")

    with refusing(j, "IPT-17"):
        j.session()
    assess(acknowledge(j)).session()
    assert j.state.sessions_held == 4


def test_an_unacknowledged_flag_holds_routine_sessions_in_the_initial_phase() -> None:
    j = Journey().consented().measure(phq9(1))

    with refusing(j, "IPT-17"):
        j.session()


def test_an_unacknowledged_flag_holds_routine_maintenance_sessions() -> None:
    j = Journey().through_initial().complete()
    j.do(c.ScheduleMaintenance, sessions=6, start_date=j.at.date())
    j.later(28).measure(phq9(1, rest=(0,) * 8))

    with refusing(j, "IPT-17"):
        j.session(days=2)
    assess(acknowledge(j)).session(days=2)
    assert len(j.state.maintenance_sessions) == 1


# ----- IPT-18: only an assessed resolution clears risk -----------------------------------------


def test_a_later_zero_on_item_9_does_not_clear_an_open_flag() -> None:
    j = flagged(1)

    j.later(1).measure(phq9(0, rest=PHQ9_PARTIAL[:8]))

    assert [flag.id for flag in j.state.open_flags] == [1]
    with refusing(j, "IPT-17"):
        j.session()


def test_a_risk_assessment_does_not_by_itself_clear_the_flag() -> None:
    j = assess(acknowledge(flagged(2)), risk_level="low")

    assert [flag.id for flag in j.state.open_flags] == [1]
    assert j.state.has_open_urgent_flag


def test_resolving_a_flag_without_a_risk_assessment_is_refused() -> None:
    j = flagged(1)

    with refusing(j, "IPT-18"):
        j.do(c.ResolveSafetyFlag, flag_id=1)


def test_resolving_an_acknowledged_but_unassessed_flag_is_refused() -> None:
    j = acknowledge(flagged(2))

    with refusing(j, "IPT-18"):
        j.do(c.ResolveSafetyFlag, flag_id=1)


def test_a_flag_is_resolved_only_after_a_risk_assessment() -> None:
    j = assess(acknowledge(flagged(2)))
    before = j.pathway.version

    j.do(c.ResolveSafetyFlag, flag_id=1)

    assert names(j, before) == ["SafetyFlagResolved"]
    assert j.state.open_flags == []
    assert not j.state.has_open_urgent_flag


def test_a_resolved_flag_cannot_be_resolved_or_acknowledged_again() -> None:
    j = assess(acknowledge(flagged(1))).do(c.ResolveSafetyFlag, flag_id=1)
    before = j.pathway.version

    with pytest.raises(InvalidCommand):
        j.do(c.ResolveSafetyFlag, flag_id=1)
    with pytest.raises(InvalidCommand):
        j.do(c.RecordRiskAssessment, flag_id=1, risk_level="low", safety_plan_ref="plan/2")
    assert j.pathway.version == before


def test_resolving_one_flag_leaves_the_others_open() -> None:
    j = assess(acknowledge(flagged(1))).later(1).measure(phq9(1))
    j.do(c.ResolveSafetyFlag, flag_id=1)

    assert [flag.id for flag in j.state.open_flags] == [2]
    with refusing(j, "IPT-17"):
        j.session()


# ----- IPT-19: no adolescent (or group) enrolment while an urgent flag is open -----------------


def adolescent_before_contract() -> Journey:
    return Journey("ipt-a", age=15).assessed_initial()


def test_an_adolescent_is_not_enrolled_while_an_urgent_flag_is_open() -> None:
    j = adolescent_before_contract().measure(phq9(2))

    with refusing(j, "IPT-19"):
        j.sign()


def test_an_acknowledged_and_assessed_urgent_flag_still_blocks_adolescent_enrolment() -> None:
    j = assess(acknowledge(adolescent_before_contract().measure(phq9(3))), risk_level="moderate")

    with refusing(j, "IPT-19"):
        j.sign()


def test_an_adolescent_is_enrolled_once_the_urgent_flag_is_resolved() -> None:
    j = assess(acknowledge(adolescent_before_contract().measure(phq9(2))))
    j.do(c.ResolveSafetyFlag, flag_id=1)
    before = j.pathway.version

    j.sign()

    assert names(j, before) == ["ContractSigned"]
    assert j.state.phase == "middle"


def test_a_routine_flag_does_not_block_adolescent_enrolment() -> None:
    j = adolescent_before_contract().measure(phq9(1))
    before = j.pathway.version

    j.sign()

    assert names(j, before) == ["ContractSigned"]


def test_an_urgent_flag_does_not_block_adult_ipt_enrolment() -> None:
    j = Journey("ipt").assessed_initial().measure(phq9(2))
    before = j.pathway.version

    j.sign()

    assert names(j, before) == ["ContractSigned"]
    assert j.state.has_open_urgent_flag
