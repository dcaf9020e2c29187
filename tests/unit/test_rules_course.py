"""Course and contract rules IPT-01 to IPT-05 (domain.md section 4), as executable specification.

Every rule is shown accepting (the command is recorded) and rejecting (a ``RuleViolation`` naming
the rule, and nothing recorded). Soft rules are shown refusing without a reason and accepting
with one, recording ``DeviationRecorded`` just before the event they allowed.
"""

from __future__ import annotations

import pytest

from domain.errors import ReasonRequired, RuleViolation
from domain.pathway import commands as c
from tests.journeys import Journey
from tests.rules_kit import accepted, assert_deviation_before, kinds, names, next_session, refused

REASON = "client away for a family funeral"


# ----- IPT-01 (H): no middle-phase session before a signed contract --------------------------


def test_a_middle_phase_session_needs_a_signed_contract() -> None:
    j = Journey().assessed_initial()

    violation = refused(j.later(), c.HoldSession, "IPT-01",
                        **next_session(j, focus_addressed="role_dispute"))

    assert "contract" in violation.sentence
    assert j.state.phase == "initial"


def test_after_the_contract_is_signed_the_next_session_is_a_middle_phase_session() -> None:
    j = Journey().through_initial()

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]
    assert events[0].phase == "middle"
    assert events[0].focus_addressed == "role_dispute"
    assert j.state.phase == "middle"


def test_the_signed_contract_fixes_n_frequency_and_session_length() -> None:
    j = Journey(sessions=14).assessed_initial()

    j.sign(frequency="twice_weekly", session_minutes=45)

    contract = j.state.contract
    assert (contract.sessions, contract.frequency, contract.session_minutes) == (
        14, "twice_weekly", 45)


def test_without_a_contract_a_session_without_a_focus_stays_in_the_initial_phase() -> None:
    j = Journey().assessed_initial()

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert events[0].phase == "initial"
    assert j.state.phase == "initial"


# ----- IPT-02 (H): N, frequency and foci change only through ContractRenegotiated ------------


def test_renegotiating_the_contract_with_a_reason_and_agreement_changes_its_terms() -> None:
    j = Journey().through_initial()

    events = accepted(j, c.RenegotiateContract, sessions=14, frequency="twice_weekly",
                      reason="slow start, agreed to extend", patient_agreed=True)

    assert kinds(events) == ["ContractRenegotiated"]
    assert events[0].changed == ("sessions", "frequency")
    assert events[0].reason == "slow start, agreed to extend"
    assert events[0].patient_agreed is True
    assert (j.state.contract.sessions, j.state.contract.frequency) == (14, "twice_weekly")


def test_the_foci_change_through_a_renegotiated_contract() -> None:
    j = Journey().through_initial()

    events = accepted(j, c.RenegotiateContract, foci=("role_transition",),
                      reason="the dispute resolved; the move is the problem", patient_agreed=True)

    assert events[0].changed == ("foci",)
    assert j.state.contract.foci == ("role_transition",)


def test_renegotiating_the_contract_needs_a_reason() -> None:
    j = Journey().through_initial()

    refused(j, c.RenegotiateContract, "IPT-02", sessions=14, patient_agreed=True)

    assert j.state.contract.sessions == 12


def test_renegotiating_the_contract_needs_the_patients_agreement() -> None:
    j = Journey().through_initial()

    refused(j, c.RenegotiateContract, "IPT-02", sessions=14, reason="therapist thinks so",
            patient_agreed=False)

    assert j.state.contract.sessions == 12


def test_a_second_contract_cannot_replace_the_signed_one() -> None:
    j = Journey().through_initial()
    version = j.pathway.version

    with pytest.raises(RuleViolation) as info:
        j.sign(sessions=16)

    assert info.value.rule == "IPT-02"
    assert j.pathway.version == version
    assert j.state.contract.sessions == 12


def test_the_focus_cannot_be_chosen_again_once_the_contract_is_signed() -> None:
    j = Journey().through_initial()

    refused(j, c.ChooseFocus, "IPT-02", primary="role_transition", rationale_ref="doc/r-2",
            patient_agreed=True)

    assert j.state.focus.primary == "role_dispute"
    assert j.state.contract.foci == ("role_dispute",)


def test_a_contract_is_renegotiated_only_once_it_is_signed() -> None:
    j = Journey().assessed_initial()

    refused(j, c.RenegotiateContract, "IPT-02", sessions=14, reason="r", patient_agreed=True)


# ----- IPT-03 (C/H): N lies in the protocol's allowed range ----------------------------------


@pytest.mark.parametrize("sessions", [8, 20])
def test_an_ipt_contract_may_have_8_to_20_sessions(sessions: int) -> None:
    j = Journey(sessions=sessions).assessed_initial()
    version = j.pathway.version

    j.sign()

    assert names(j, version) == ["ContractSigned"]
    assert j.state.contract.sessions == sessions


@pytest.mark.parametrize("sessions", [7, 21])
def test_an_ipt_contract_outside_8_to_20_sessions_is_refused(sessions: int) -> None:
    j = Journey(sessions=sessions).assessed_initial()
    version = j.pathway.version

    with pytest.raises(RuleViolation) as info:
        j.sign()

    assert info.value.rule == "IPT-03"
    assert j.pathway.version == version
    assert j.state.contract is None


def test_the_allowed_range_comes_from_the_protocol() -> None:
    """10 sessions is fine for adult ipt, but ipt-a contracts 12-16."""
    adult = Journey(sessions=10).assessed_initial()
    adult.sign()
    assert adult.state.contract.sessions == 10

    adolescent = Journey("ipt-a", age=15, sessions=10).assessed_initial()
    version = adolescent.pathway.version
    with pytest.raises(RuleViolation) as info:
        adolescent.sign()
    assert info.value.rule == "IPT-03"
    assert adolescent.pathway.version == version

    adolescent.sign(sessions=16)
    assert adolescent.state.contract.sessions == 16


def test_a_renegotiated_n_stays_in_the_allowed_range() -> None:
    j = Journey().through_initial()

    refused(j, c.RenegotiateContract, "IPT-03", sessions=21, reason="r", patient_agreed=True)

    assert j.state.contract.sessions == 12


# ----- IPT-04 (H): acute sessions never exceed the contracted N ------------------------------


def test_the_contracted_final_session_is_held() -> None:
    j = Journey(sessions=8).through_initial().middle_sessions_until(7)

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert events[-1].number == 8
    assert j.state.sessions_left == 0


def test_no_acute_session_beyond_the_contracted_n() -> None:
    j = Journey(sessions=8).through_initial().middle_sessions_until(8)

    refused(j.later(), c.HoldSession, "IPT-04", **next_session(j))

    assert j.state.sessions_held == 8


def test_no_acute_session_after_the_course_is_completed() -> None:
    j = Journey(sessions=8).through_initial().complete()

    refused(j.later(), c.HoldSession, "IPT-04", **next_session(j))


def test_a_renegotiated_n_cannot_fall_below_the_sessions_already_held() -> None:
    j = Journey().through_initial().middle_sessions_until(10)

    refused(j, c.RenegotiateContract, "IPT-04", sessions=9, reason="r", patient_agreed=True)

    assert j.state.contract.sessions == 12


def test_the_contract_may_be_shortened_to_the_sessions_already_held() -> None:
    j = Journey().through_initial().middle_sessions_until(5)
    j.do(c.DiscussTermination, at_session=6)
    j.middle_sessions_until(8)

    events = accepted(j, c.RenegotiateContract, sessions=8, reason="client moving abroad",
                      patient_agreed=True)

    assert kinds(events) == ["ContractRenegotiated"]
    assert j.state.sessions_left == 0


def test_shortening_cannot_skip_the_ending_discussion() -> None:
    j = Journey().through_initial().middle_sessions_until(10)

    refused(j, c.RenegotiateContract, "IPT-23", sessions=10, reason="client moving abroad",
            patient_agreed=True)


# ----- IPT-05 (S): more than 14 days between acute sessions is a deviation -------------------


def test_fourteen_days_between_sessions_needs_no_reason() -> None:
    j = Journey().through_initial()

    events = accepted(j.later(14), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]


def test_more_than_fourteen_days_between_sessions_needs_a_reason() -> None:
    j = Journey().through_initial()

    refused(j.later(15), c.HoldSession, "IPT-05", soft=True, **next_session(j))


def test_a_gap_of_more_than_fourteen_days_is_recorded_as_a_deviation_with_its_reason() -> None:
    j = Journey().through_initial()

    events = accepted(j.later(15), c.HoldSession, **next_session(j, reason=REASON))

    assert_deviation_before(events, "SessionHeld", "IPT-05", reason=REASON)
    assert j.state.has_deviation("IPT-05")


def test_the_gap_rule_applies_in_the_initial_phase_too() -> None:
    j = Journey().consented().measure().session()

    refused(j.later(15), c.HoldSession, "IPT-05", soft=True, **next_session(j))
    events = accepted(j, c.HoldSession, **next_session(j, reason=REASON))

    assert_deviation_before(events, "SessionHeld", "IPT-05", reason=REASON)


def test_one_reason_covers_every_soft_rule_a_session_breaks() -> None:
    j = Journey().through_initial()

    violation = refused(j.later(15), c.HoldSession, "IPT-05", soft=True,
                        **next_session(j, focus_addressed="grief"))
    assert isinstance(violation, ReasonRequired)
    assert [rule for rule, _ in violation.deviations] == ["IPT-05", "IPT-14"]

    events = accepted(j, c.HoldSession, **next_session(j, focus_addressed="grief",
                                                        reason=REASON))
    assert_deviation_before(events, "SessionHeld", "IPT-05", "IPT-14", reason=REASON)
