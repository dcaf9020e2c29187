"""Whole courses of care, from referral to closure, with the derived phase asserted at each step.

initial -> middle -> termination -> completed -> maintenance -> closed for ipt, ipt-a and dit; a
non-responder who ends with a medication referral; a client who drops out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from domain.errors import RuleViolation
from domain.pathway import commands as c
from domain.values import Relationship
from tests.journeys import INVENTORY, PHQ9_MODERATE, PHQ9_REMISSION, Journey
from tests.rules_kit import kinds

PHQ9_LITTLE_CHANGE = (2, 2, 2, 1, 1, 1, 1, 1, 0)  # 11, under 25% better than the baseline 12
PHQ9_MILD = (1, 1, 1, 1, 1, 1, 0, 0, 0)  # 6
PROTOCOLS = [
    # protocol, age, contracted sessions, first session of the ending window
    ("ipt", 34, 12, 10),
    ("ipt-a", 15, 12, 9),
    ("dit", 29, 16, 13),
]


def hold(j: Journey, reason: str | None = None, items: tuple[int, ...] = PHQ9_MILD,
         **fields: Any) -> Journey:
    """The next session, measuring ``items`` at every third as the measurement plan says."""
    number = j.state.sessions_held + 1
    j.session(reason=reason, **fields)
    if number % 3 == 0:
        j.measure(items)
    return j


@pytest.mark.parametrize(("protocol", "age", "sessions", "ending"), PROTOCOLS)
def test_a_full_course_runs_from_referral_through_maintenance_to_closure(
        protocol: str, age: int, sessions: int, ending: int) -> None:
    j = Journey(protocol, age=age, sessions=sessions)
    assert j.state.phase == "initial"
    assert j.state.protocol.ref == f"{protocol}@1"

    # Initial phase: consent, baseline, diagnosis, sick role, medication, inventory, focus.
    j.assessed_initial()
    assert (j.state.phase, j.state.sessions_held, j.state.initial_sessions_held) == (
        "initial", 2, 2)
    assert j.state.focus.patient_agreed
    assert j.state.focus.primary == ("ipaf" if protocol == "dit" else "role_dispute")

    j.sign().measure()
    assert j.state.phase == "middle"
    assert j.state.sessions_left == sessions - 2

    # Middle phase: sessions on the contracted focus, measured every third session.
    while j.state.sessions_held < ending - 1:
        hold(j)
        assert j.state.phase == "middle"
    assert j.state.sessions[-1].focus_addressed == j.state.contract.foci[0]

    # Termination: discussed at the first session of the ending window.
    j.do(c.DiscussTermination, at_session=ending)
    hold(j)
    assert j.state.phase == "termination"
    assert j.state.sessions[-1].phase == "termination"
    while j.state.sessions_held < sessions - 1:
        hold(j)
        assert j.state.phase == "termination"
    if protocol == "dit":
        j.do(c.ShareGoodbyeLetter, letter_ref="doc/goodbye-1")
    hold(j)
    assert (j.state.sessions_held, j.state.sessions_left) == (sessions, 0)
    assert j.state.phase == "termination"

    # Completion in remission, then an ipt-m maintenance contract.
    j.measure(PHQ9_REMISSION)
    j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
         next_step="maintenance")
    assert (j.state.phase, j.state.outcome) == ("completed", "remission")

    j.do(c.ScheduleMaintenance, sessions=3, start_date=j.at.date())
    assert j.state.phase == "maintenance"
    for number in (1, 2, 3):
        j.session(days=30).measure(PHQ9_REMISSION)
        assert j.state.maintenance_sessions[-1].number == number
        assert j.state.phase == "maintenance"
    assert not j.state.recurrence_suspected

    j.do(c.ClosePathway, reason="maintenance_ended")
    assert (j.state.phase, j.state.closed_reason) == ("closed", "maintenance_ended")

    seen = Counter(kinds(j.pathway.pending_events))
    assert seen["SessionHeld"] == sessions + 3
    assert seen["DeviationRecorded"] == 0, "a course by the book needs no deviation"
    for name in ("PathwayOpened", "InventoryRecorded", "FocusChosen", "ContractSigned",
                 "TerminationDiscussed", "AcuteCourseCompleted", "MaintenanceScheduled",
                 "PathwayClosed"):
        assert seen[name] == 1, name
    assert seen["GoodbyeLetterShared"] == (1 if protocol == "dit" else 0)
    assert [e.originator_version for e in j.pathway.pending_events] == list(
        range(1, j.pathway.version + 1))


def test_a_non_responder_is_reviewed_and_ends_with_a_medication_referral() -> None:
    j = Journey().through_initial()
    assert j.state.phase == "middle"

    while j.state.sessions_held < 8:
        hold(j, items=PHQ9_LITTLE_CHANGE)
    assert j.state.phase == "middle"

    # Session 9: under 25% better by session 8 asks for a review (IPT-16, soft).
    with pytest.raises(RuleViolation) as caught:
        hold(j, items=PHQ9_LITTLE_CHANGE)
    assert caught.value.rule == "IPT-16"
    hold(j, reason="doc/review-1: continue, add behavioural activation",
         items=PHQ9_LITTLE_CHANGE)
    assert j.state.has_deviation("IPT-16")

    j.do(c.DiscussTermination, at_session=10)
    hold(j, items=PHQ9_LITTLE_CHANGE)
    assert j.state.phase == "termination"
    while j.state.sessions_held < 12:
        hold(j, items=PHQ9_LITTLE_CHANGE)
    j.measure(PHQ9_MODERATE)

    # IPT-25: no discharge and no maintenance for a non-responder.
    for step in ("discharge", "maintenance"):
        with pytest.raises(RuleViolation) as caught:
            j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
                 next_step=step)
        assert caught.value.rule == "IPT-25"
    j.do(c.AssessMedicationNeed, outcome="referred_to_prescriber")
    j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
         next_step="medication_referral")
    assert (j.state.phase, j.state.outcome, j.state.next_step) == (
        "completed", "none", "medication_referral")

    with pytest.raises(RuleViolation) as caught:
        j.do(c.ScheduleMaintenance, sessions=6, start_date=j.at.date())
    assert caught.value.rule == "IPT-26"

    j.do(c.ClosePathway, reason="referred_on")
    assert (j.state.phase, j.state.closed_reason) == ("closed", "referred_on")


def test_a_client_who_stops_coming_is_closed_as_dropped_out() -> None:
    j = Journey()
    j.assessed_initial().sign(course_window_weeks=10).measure()
    assert j.state.phase == "middle"
    hold(j)
    hold(j)
    assert j.state.sessions_held == 4

    # Two no-shows: outreach is due; a third miss needs a reason (IPT-21).
    j.later(7).do(c.RecordMissedSession, kind="no_show")
    j.later(7).do(c.RecordMissedSession, kind="late_cancellation", notice_hours=1.0)
    assert j.state.outreach_due
    j.later(7).do(c.RecordMissedSession, kind="no_show", reason="outreach/calls-1-2")
    assert j.state.has_deviation("IPT-21")
    assert (j.state.sessions_held, j.state.sessions_left) == (4, 8)  # IPT-20

    # The ten-week window passes with sessions left (IPT-22).
    j.later(60).measure()
    with pytest.raises(RuleViolation) as caught:
        j.session(days=1, reason="client returned")
    assert caught.value.rule == "IPT-22"
    assert j.state.phase == "middle"

    j.do(c.ClosePathway, reason="dropped_out")
    assert (j.state.phase, j.state.closed_reason) == ("closed", "dropped_out")
    with pytest.raises(RuleViolation) as caught:
        j.session(reason="client returned")
    assert caught.value.rule == "IPT-29"


def test_a_grieving_client_works_on_grief_with_a_renegotiated_contract() -> None:
    j = Journey(sessions=12)
    j.consented().measure(PHQ9_MODERATE).session()
    j.do(c.RecordDiagnosis, icd10="F32.1", severity="moderate").do(c.AssignSickRole)
    j.do(c.AssessMedicationNeed, outcome="already_on_medication")
    j.do(c.RecordInventory, relationships=(*INVENTORY, Relationship(
        alias="J.", relation="friend", closeness=2, quality="distant")))
    j.session()
    j.do(c.ShareFormulation, problem_area="grief", formulation_ref="doc/formulation-2")
    j.do(c.ChooseFocus, primary="grief", secondary="role_dispute",
         rationale_ref="doc/rationale-2", patient_agreed=True)
    j.sign(foci=("grief", "role_dispute")).measure()
    assert j.state.phase == "middle"

    while j.state.sessions_held < 6:
        hold(j)
    j.do(c.RenegotiateContract, sessions=14, reason="doc/renegotiation-1", patient_agreed=True)
    assert j.state.contract.sessions == 14
    j.middle_sessions_until(14, items=PHQ9_MILD)
    assert j.state.phase == "termination"
    j.measure(PHQ9_MILD)
    j.do(c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/relapse-1",
         next_step="discharge")
    assert (j.state.phase, j.state.outcome) == ("completed", "response")

    j.do(c.ClosePathway, reason="discharged")
    assert j.state.phase == "closed"
