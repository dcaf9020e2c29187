"""Termination and completion (domain.md section 4, IPT-23 to IPT-25; outcomes from section 5).

IPT-23: the ending is discussed by the first session of the ending window, or the final session
cannot be recorded. IPT-24: completion needs a final measure, an outcome, a relapse-prevention
plan and a next step. IPT-25: a non-responder (partial or none) goes on to alternative treatment,
a medication referral or a new contract, never a silent discharge.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.pathway import commands as c
from tests.journeys import PHQ9_MODERATE, PHQ9_REMISSION, Journey
from tests.rules_kit import hold_until, names, phq9_total, recorded, refusing


def start(protocol: str = "ipt", sessions: int = 12) -> Journey:
    age = 15 if protocol == "ipt-a" else 34
    return Journey(protocol, age=age, sessions=sessions).through_initial()


def finished(final: tuple[int, ...], sessions: int = 12) -> Journey:
    """All contracted sessions held, the ending discussed in time, the final measure taken."""
    j = start(sessions=sessions)
    hold_until(j, sessions, discuss_at=sessions - 2)
    return j.later(0).measure(final)


def complete(j: Journey, **fields: Any) -> Journey:
    fields.setdefault("relapse_prevention_plan_ref", "doc/relapse-1")
    return j.do(c.CompleteAcuteCourse, **fields)


# ----- IPT-23: the ending is discussed in time -------------------------------------------------

WINDOWS = [("ipt", 12, 10), ("ipt-a", 12, 9), ("dit", 16, 13)]
"""(protocol, contracted sessions, first session of the ending window)."""


@pytest.mark.parametrize(("protocol", "sessions", "ending"), WINDOWS)
def test_the_final_session_is_held_when_the_ending_was_discussed_at_the_window_start(
        protocol: str, sessions: int, ending: int) -> None:
    j = hold_until(start(protocol, sessions), sessions - 1, discuss_at=ending)
    before = j.pathway.version

    hold_until(j, sessions)

    assert [e.number for e in recorded(j, before) if type(e).__name__ == "SessionHeld"] == [
        sessions]
    assert j.state.termination_discussed_at == ending


@pytest.mark.parametrize(("protocol", "sessions", "ending"), WINDOWS)
def test_the_final_session_is_refused_when_the_ending_was_discussed_after_the_window_start(
        protocol: str, sessions: int, ending: int) -> None:
    j = hold_until(start(protocol, sessions), sessions - 1, discuss_at=ending + 1)
    if protocol == "dit":
        j.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")

    with refusing(j, "IPT-23"):
        j.session(reason="review done")


def test_an_ending_discussed_early_in_the_middle_phase_is_in_time() -> None:
    j = hold_until(start(), 11, discuss_at=5)
    before = j.pathway.version

    hold_until(j, 12)

    assert "SessionHeld" in names(j, before)


def test_the_final_session_is_refused_when_the_ending_was_never_discussed() -> None:
    j = hold_until(start(), 11)

    with refusing(j, "IPT-23"):
        j.session(reason="review done")


def test_sessions_before_the_final_one_may_still_be_held_without_the_discussion() -> None:
    j = hold_until(start(), 10)
    before = j.pathway.version

    j.session(reason="review done")

    assert names(j, before) == ["SessionHeld"]
    assert j.state.phase == "termination"


def test_a_late_discussion_is_repaired_by_a_renegotiated_longer_contract() -> None:
    j = hold_until(start(), 11, discuss_at=11)
    j.do(c.RenegotiateContract, sessions=13, reason="doc/renegotiation-late-ending",
         patient_agreed=True)
    before = j.pathway.version

    hold_until(j, 13)

    assert [e.number for e in recorded(j, before) if type(e).__name__ == "SessionHeld"] == [
        12, 13]


def test_a_discussion_recorded_after_the_window_start_cannot_claim_an_earlier_session() -> None:
    j = hold_until(start(), 11)

    with refusing(j, "IPT-23"):
        j.do(c.DiscussTermination, at_session=10)
    with refusing(j, "IPT-23"):
        j.session(reason="review done")


# ----- IPT-24: completion needs a final measure, an outcome, a plan and a next step ------------


def test_the_course_completes_with_a_final_measure_an_outcome_a_plan_and_a_next_step() -> None:
    j = finished(PHQ9_REMISSION)
    before = j.pathway.version

    complete(j, next_step="maintenance")

    (event,) = recorded(j, before)
    assert type(event).__name__ == "AcuteCourseCompleted"
    assert (event.instrument, event.baseline_total, event.final_total, event.outcome) == (
        "phq9", 12, 3, "remission")
    assert (event.relapse_prevention_plan_ref, event.next_step) == ("doc/relapse-1",
                                                                    "maintenance")
    assert (j.state.phase, j.state.outcome) == ("completed", "remission")


def test_completion_without_a_relapse_prevention_plan_is_refused() -> None:
    j = finished(PHQ9_REMISSION)

    with refusing(j, "IPT-24"):
        j.do(c.CompleteAcuteCourse, next_step="discharge")


def test_completion_without_a_next_step_is_refused() -> None:
    j = finished(PHQ9_REMISSION)

    with refusing(j, "IPT-24"):
        complete(j)


def test_completion_before_the_final_contracted_session_is_refused() -> None:
    j = hold_until(start(), 11, discuss_at=10).measure(PHQ9_REMISSION)

    with refusing(j, "IPT-24"):
        complete(j, next_step="discharge")


def test_completion_without_a_measure_after_the_final_session_is_refused() -> None:
    """IPT-24 lists the final measure; the code names IPT-15, whose schedule includes it."""
    j = hold_until(start(), 11, discuss_at=10).session(reason="review done")
    assert j.state.latest_measure().occurred_at < j.state.sessions[-1].occurred_at

    with refusing(j, {"IPT-15", "IPT-24"}):
        complete(j, next_step="discharge")


def test_completion_before_the_contract_is_refused() -> None:
    j = Journey().assessed_initial().measure(PHQ9_REMISSION)

    with refusing(j, "IPT-24"):
        complete(j, next_step="discharge")


def test_a_completed_course_cannot_complete_again() -> None:
    j = complete(finished(PHQ9_REMISSION), next_step="discharge")

    with refusing(j, "IPT-24"):
        complete(j, next_step="discharge")


@pytest.mark.parametrize(("final", "outcome"), [
    (4, "remission"),   # PHQ-9 < 5 takes precedence
    (5, "response"),    # 58% drop, but not below the remission cut-off
    (6, "response"),    # exactly 50%
    (7, "partial"),     # 42%
    (9, "partial"),     # exactly 25%
    (10, "none"),       # 17%
    (14, "none"),       # worse than baseline
])
def test_the_outcome_is_computed_from_baseline_and_final_measure(final: int,
                                                                  outcome: str) -> None:
    j = finished(phq9_total(final))
    step = "discharge" if outcome in ("remission", "response") else "medication_referral"

    complete(j, next_step=step)

    assert j.state.outcome == outcome
    assert recorded(j, j.pathway.version - 1)[0].outcome == outcome


# ----- IPT-25: a non-responder is never silently discharged ------------------------------------


@pytest.mark.parametrize("final", [phq9_total(9), PHQ9_MODERATE])
@pytest.mark.parametrize("next_step", ["alternative_treatment", "medication_referral",
                                       "new_contract"])
def test_a_non_responder_goes_on_to_another_treatment_a_referral_or_a_new_contract(
        final: tuple[int, ...], next_step: str) -> None:
    j = finished(final)
    before = j.pathway.version

    complete(j, next_step=next_step)

    assert names(j, before) == ["AcuteCourseCompleted"]
    assert j.state.outcome in ("partial", "none")
    assert j.state.next_step == next_step


@pytest.mark.parametrize("final", [phq9_total(9), PHQ9_MODERATE])
@pytest.mark.parametrize("next_step", ["discharge", "referred_on", "maintenance"])
def test_a_non_responder_is_never_silently_discharged(final: tuple[int, ...],
                                                      next_step: str) -> None:
    j = finished(final)

    with refusing(j, "IPT-25"):
        complete(j, next_step=next_step)


@pytest.mark.parametrize("final", [PHQ9_REMISSION, phq9_total(6)])
def test_a_responder_may_be_discharged(final: tuple[int, ...]) -> None:
    j = finished(final)

    complete(j, next_step="discharge")

    assert j.state.phase == "completed"
    assert j.state.next_step == "discharge"


def test_a_non_responder_cannot_be_discharged_by_closing_the_pathway() -> None:
    j = finished(PHQ9_MODERATE)

    with refusing(j, "IPT-25"):
        j.do(c.ClosePathway, reason="discharged")


def test_a_client_whose_course_completed_may_be_closed_as_discharged() -> None:
    j = complete(finished(PHQ9_REMISSION), next_step="discharge")
    before = j.pathway.version

    j.do(c.ClosePathway, reason="discharged")

    assert names(j, before) == ["PathwayClosed"]
    assert (j.state.phase, j.state.closed_reason) == ("closed", "discharged")


def test_a_non_responder_may_be_referred_on_by_closing_after_completion() -> None:
    j = complete(finished(PHQ9_MODERATE), next_step="medication_referral")

    j.do(c.ClosePathway, reason="referred_on")

    assert (j.state.phase, j.state.outcome, j.state.next_step) == (
        "closed", "none", "medication_referral")

