"""Middle-phase and measurement rules IPT-14 to IPT-16 (domain.md section 4), as specification.

Every rule is shown accepting (the command is recorded) and rejecting (a ``RuleViolation`` naming
the rule, and nothing recorded). Soft rules are shown refusing without a reason and accepting
with one, recording ``DeviationRecorded`` just before the event they allowed.
"""

from __future__ import annotations

from typing import Any

from domain.pathway import commands as c
from tests.journeys import PHQ9_REMISSION, Journey
from tests.rules_kit import accepted, assert_deviation_before, kinds, names, next_session, refused

REASON = "reviewed with supervisor: continue, client engaged"
# The journeys' baseline is PHQ9_MODERATE, a total of 12 (item 9 = 0 throughout).
PHQ9_11 = (2, 2, 2, 2, 1, 1, 1, 0, 0)  # 8% better than 12
PHQ9_10 = (2, 2, 2, 1, 1, 1, 1, 0, 0)  # 17% better
PHQ9_9 = (2, 2, 2, 1, 1, 1, 0, 0, 0)  # 25% better: no review


# ----- a small vocabulary for these specifications ------------------------------------------


def complete_fields() -> dict[str, Any]:
    return {"relapse_prevention_plan_ref": "doc/relapse-1", "next_step": "maintenance"}


# ----- IPT-14 (S): each middle-phase session addresses a contracted focus ---------------------


def test_a_middle_phase_session_on_the_contracted_focus_needs_no_reason() -> None:
    j = Journey().through_initial()

    events = accepted(j.later(), c.HoldSession, **next_session(j, focus_addressed="role_dispute"))

    assert kinds(events) == ["SessionHeld"]
    assert events[0].focus_addressed == "role_dispute"


def test_a_middle_phase_session_may_address_the_contracted_secondary_focus() -> None:
    j = Journey().assessed_initial()
    j.do(c.ChooseFocus, primary="role_dispute", secondary="grief", rationale_ref="doc/r-2",
         patient_agreed=True)
    j.sign(foci=("role_dispute", "grief")).measure()

    events = accepted(j.later(), c.HoldSession, **next_session(j, focus_addressed="grief"))

    assert kinds(events) == ["SessionHeld"]


def test_a_middle_phase_session_off_the_contracted_foci_needs_a_reason() -> None:
    j = Journey().through_initial()

    refused(j.later(), c.HoldSession, "IPT-14", soft=True,
            **next_session(j, focus_addressed="role_transition"))


def test_a_middle_phase_session_addressing_no_focus_needs_a_reason() -> None:
    j = Journey().through_initial()

    refused(j.later(), c.HoldSession, "IPT-14", soft=True, **next_session(j, focus_addressed=None))


def test_a_session_off_the_contracted_foci_is_recorded_as_a_deviation_with_its_reason() -> None:
    j = Journey().through_initial()

    events = accepted(j.later(), c.HoldSession,
                      **next_session(j, focus_addressed="role_transition", reason=REASON))

    assert_deviation_before(events, "SessionHeld", "IPT-14", reason=REASON)
    assert j.state.has_deviation("IPT-14")


def test_the_contracted_foci_are_those_of_the_latest_renegotiation() -> None:
    j = Journey().through_initial()
    j.do(c.RenegotiateContract, foci=("role_transition",), reason="the move is the problem",
         patient_agreed=True)

    events = accepted(j.later(), c.HoldSession,
                      **next_session(j, focus_addressed="role_transition"))
    assert kinds(events) == ["SessionHeld"]

    refused(j.later(), c.HoldSession, "IPT-14", soft=True,
            **next_session(j, focus_addressed="role_dispute"))


# ----- IPT-15 (H): scored measures at baseline, end of initial, every 4 sessions/28 days, final


def test_the_first_middle_phase_session_needs_a_measure_at_the_end_of_the_initial_phase() -> None:
    j = Journey().assessed_initial().sign()  # baseline only, before session 1

    violation = refused(j.later(), c.HoldSession, "IPT-15", **next_session(j))

    assert "initial phase" in violation.sentence


def test_a_measure_at_the_end_of_the_initial_phase_opens_the_middle_phase() -> None:
    j = Journey().assessed_initial().sign().measure()

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]
    assert events[0].phase == "middle"


def test_four_sessions_may_follow_a_measure() -> None:
    j = Journey().through_initial()  # measured after session 2
    for _ in range(3):
        j.session(days=5)

    events = accepted(j.later(5), c.HoldSession, **next_session(j))

    assert events[0].number == 6


def test_a_fifth_session_after_a_measure_needs_a_new_measure() -> None:
    j = Journey().through_initial()  # measured after session 2
    for _ in range(4):
        j.session(days=5)  # sessions 3-6, 20 days: the 28-day limit is not reached

    violation = refused(j.later(5), c.HoldSession, "IPT-15", **next_session(j))
    assert "4 sessions" in violation.sentence

    events = accepted(j.measure(), c.HoldSession, **next_session(j))
    assert events[0].number == 7


def test_a_session_28_days_after_the_last_measure_is_held() -> None:
    j = Journey().through_initial().session(days=10).session(days=10)

    events = accepted(j.later(8), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]


def test_a_session_more_than_28_days_after_the_last_measure_needs_a_new_measure() -> None:
    j = Journey().through_initial().session(days=10).session(days=10)

    violation = refused(j.later(9), c.HoldSession, "IPT-15", **next_session(j))
    assert "28 days" in violation.sentence

    events = accepted(j.measure(), c.HoldSession, **next_session(j))
    assert kinds(events) == ["SessionHeld"]


def test_the_measure_cadence_holds_in_the_termination_phase() -> None:
    j = Journey().through_initial().middle_sessions_until(7).measure(PHQ9_9)  # after 7
    j.session(days=5).session(days=5)  # sessions 8 and 9
    j.do(c.DiscussTermination, at_session=10)
    j.session(days=5).session(days=5)  # sessions 10 and 11, in the ending window

    refused(j.later(5), c.HoldSession, "IPT-15", **next_session(j))  # the final session, 12

    assert j.state.phase == "termination"


def test_the_course_completes_with_a_measure_at_the_final_session() -> None:
    j = Journey(sessions=8).through_initial().middle_sessions_until(8).measure(PHQ9_REMISSION)

    events = accepted(j, c.CompleteAcuteCourse, **complete_fields())

    assert kinds(events) == ["AcuteCourseCompleted"]
    assert j.state.phase == "completed"


def test_the_course_cannot_complete_without_a_measure_at_the_final_session() -> None:
    j = Journey(sessions=8).through_initial().middle_sessions_until(8)  # last measured at 6

    refused(j, c.CompleteAcuteCourse, "IPT-15", **complete_fields())

    assert j.state.phase == "termination"


# ----- IPT-16 (S): under 25% improvement by session 8 (or week 8) asks for a review -----------


def test_no_review_is_asked_before_session_8() -> None:
    j = Journey().through_initial()
    version = j.pathway.version

    j.middle_sessions_until(8, items=PHQ9_11)

    assert "DeviationRecorded" not in names(j, version)
    assert j.state.sessions_held == 8


def test_continuing_past_session_8_with_under_25_percent_improvement_needs_a_reason() -> None:
    j = Journey().through_initial().middle_sessions_until(8, items=PHQ9_10)

    violation = refused(j.later(), c.HoldSession, "IPT-16", soft=True, **next_session(j))

    assert "review" in violation.sentence


def test_continuing_unchanged_after_a_poor_response_is_recorded_as_a_deviation() -> None:
    j = Journey().through_initial().middle_sessions_until(8, items=PHQ9_11)

    events = accepted(j.later(), c.HoldSession, **next_session(j, reason=REASON))

    assert_deviation_before(events, "SessionHeld", "IPT-16", reason=REASON)
    assert j.state.has_deviation("IPT-16")


def test_the_review_is_asked_for_once() -> None:
    j = Journey().through_initial().middle_sessions_until(8, items=PHQ9_11)
    j.later().do(c.HoldSession, **next_session(j, reason=REASON))

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]


def test_a_25_percent_improvement_by_session_8_needs_no_review() -> None:
    j = Journey().through_initial().middle_sessions_until(8, items=PHQ9_9)

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]


def test_a_course_renegotiated_at_the_review_continues_without_a_deviation() -> None:
    j = Journey().through_initial().middle_sessions_until(8, items=PHQ9_11)
    j.do(c.RenegotiateContract, foci=("role_transition",), reason="review: refocus",
         patient_agreed=True)

    events = accepted(j.later(), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]


def fortnightly_until_week_8(items: tuple[int, ...]) -> Journey:
    """Fortnightly sessions: session 1 on day 7, session 5 on day 63 (week 8 starts on day 63)."""
    j = Journey().through_initial()  # sessions 1 and 2 on days 7 and 14, measured on day 14
    j.session(days=14).session(days=14)  # sessions 3 and 4, days 28 and 42
    j.measure(items)
    return j.session(days=14)  # session 5 on day 56: 7 weeks after session 1


def test_week_8_without_25_percent_improvement_asks_for_a_review_before_session_8() -> None:
    j = fortnightly_until_week_8(PHQ9_11)

    refused(j.later(14), c.HoldSession, "IPT-16", soft=True, **next_session(j))

    events = accepted(j, c.HoldSession, **next_session(j, reason=REASON))
    assert_deviation_before(events, "SessionHeld", "IPT-16", reason=REASON)
    assert events[-1].number == 6


def test_week_8_with_25_percent_improvement_needs_no_review() -> None:
    j = fortnightly_until_week_8(PHQ9_9)

    events = accepted(j.later(14), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]


def test_a_course_renegotiated_at_the_week_8_review_continues_without_a_deviation() -> None:
    j = fortnightly_until_week_8(PHQ9_11)
    j.later(10).do(c.RenegotiateContract, sessions=14, reason="week-8 review: extend",
                   patient_agreed=True)  # day 66, week 8

    events = accepted(j.later(4), c.HoldSession, **next_session(j))

    assert kinds(events) == ["SessionHeld"]
