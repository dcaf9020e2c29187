"""Missed sessions (domain.md section 4, IPT-20 to IPT-22).

IPT-20: a miss never uses up a contracted session. IPT-21 (soft): two consecutive or three total
misses (one, with a safety flag open) make outreach due until the next session; a further miss
meanwhile needs a reason. IPT-22: once the course window has passed, the contract is renegotiated
or the pathway closed as dropped out before another session.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import ReasonRequired
from domain.pathway import commands as c
from tests.journeys import Journey
from tests.rules_kit import in_middle_phase, names, recorded, refusing


def miss(j: Journey, kind: str = "no_show", **fields: Any) -> Journey:
    return j.later(2).do(c.RecordMissedSession, kind=kind, **fields)


# ----- IPT-20: a missed session does not use up a contracted session ---------------------------


@pytest.mark.parametrize("kind", ["no_show", "late_cancellation", "cancelled_by_therapist"])
def test_a_missed_session_leaves_the_contracted_sessions_untouched(kind: str) -> None:
    j = in_middle_phase()
    held, left = j.state.sessions_held, j.state.sessions_left
    before = j.pathway.version

    miss(j, kind, notice_hours=2.0 if kind == "late_cancellation" else None)

    assert names(j, before) == ["SessionMissed"]
    assert (j.state.sessions_held, j.state.sessions_left) == (held, left)


def test_after_a_miss_the_next_session_takes_the_next_contracted_number() -> None:
    j = miss(in_middle_phase())
    before = j.pathway.version

    j.session(number=4)

    assert [event.number for event in recorded(j, before)] == [4]
    assert j.state.sessions_left == 8


def test_numbering_the_next_session_as_if_the_miss_had_used_one_is_refused() -> None:
    j = miss(in_middle_phase())

    with refusing(j, "IPT-20"):
        j.session(number=5)


def test_after_two_misses_skipping_both_numbers_is_refused() -> None:
    j = miss(miss(in_middle_phase()))

    with refusing(j, "IPT-20"):
        j.session(number=6, reason="outreach done")


@pytest.mark.parametrize(("misses", "number"), [
    (("cancelled_by_therapist",), 5),
    (("no_show", "no_show"), 5),
])
def test_any_missed_session_counted_as_a_used_number_is_named_ipt_20(
        misses: tuple[str, ...], number: int) -> None:
    j = in_middle_phase()
    for kind in misses:
        miss(j, kind)

    with refusing(j, "IPT-20"):
        j.session(number=number, reason="outreach done")


# ----- IPT-21: outreach after repeated misses (soft) -------------------------------------------


def test_a_single_miss_does_not_make_outreach_due() -> None:
    j = miss(in_middle_phase())

    assert not j.state.outreach_due


def test_two_consecutive_misses_make_outreach_due() -> None:
    j = miss(miss(in_middle_phase()))

    assert j.state.outreach_due


def test_three_misses_in_total_make_outreach_due_even_when_not_consecutive() -> None:
    j = miss(in_middle_phase()).session()
    miss(j).session()
    assert not j.state.outreach_due

    miss(j)

    assert j.state.outreach_due
    assert j.state.consecutive_misses == 1


def test_one_miss_with_a_safety_flag_open_makes_outreach_due() -> None:
    j = in_middle_phase().do(c.RaiseSafetyFlag, tier="routine")

    miss(j, "late_cancellation", notice_hours=3.0)

    assert j.state.outreach_due


def test_therapist_cancellations_do_not_count_towards_outreach() -> None:
    j = miss(miss(in_middle_phase(), "cancelled_by_therapist"), "cancelled_by_therapist")

    assert not j.state.outreach_due
    assert j.state.client_misses == 0


def test_a_second_consecutive_miss_needs_no_reason() -> None:
    j = miss(in_middle_phase())
    before = j.pathway.version

    miss(j)

    assert names(j, before) == ["SessionMissed"]


def test_a_further_miss_while_outreach_is_due_is_refused_without_a_reason() -> None:
    j = miss(miss(in_middle_phase()))

    with refusing(j, "IPT-21") as caught:
        miss(j)

    assert isinstance(caught.value, ReasonRequired)
    assert [rule for rule, _ in caught.value.deviations] == ["IPT-21"]


def test_a_further_miss_while_outreach_is_due_is_recorded_with_a_reason_as_a_deviation() -> None:
    j = miss(miss(in_middle_phase()))
    before = j.pathway.version

    miss(j, reason="outreach/call-3")

    deviation, missed = recorded(j, before)
    assert type(deviation).__name__ == "DeviationRecorded"
    assert (deviation.rule, deviation.reason) == ("IPT-21", "outreach/call-3")
    assert type(missed).__name__ == "SessionMissed"
    assert j.state.has_deviation("IPT-21")


def test_a_miss_with_a_flag_open_asks_a_reason_for_the_next_miss() -> None:
    j = miss(in_middle_phase().do(c.RaiseSafetyFlag, tier="urgent"))

    with refusing(j, "IPT-21"):
        miss(j)


def test_a_therapist_cancellation_while_outreach_is_due_needs_no_reason() -> None:
    j = miss(miss(in_middle_phase()))
    before = j.pathway.version

    miss(j, "cancelled_by_therapist")

    assert names(j, before) == ["SessionMissed"]


def test_outreach_stays_due_until_the_next_session_is_held() -> None:
    j = miss(miss(in_middle_phase()))
    j.do(c.RecordMeasure, instrument="phq9", items=(1,) * 8 + (0,))
    assert j.state.outreach_due

    j.session()

    assert not j.state.outreach_due
    before = j.pathway.version
    miss(j)
    assert names(j, before) == ["SessionMissed"], "the consecutive count starts again"


# ----- IPT-22: the course window --------------------------------------------------------------


def in_short_window() -> Journey:
    """A 12-session contract with a 4-week course window, signed today; session 3 held."""
    return Journey().assessed_initial().sign(course_window_weeks=4).measure().session()


def test_a_session_on_the_last_day_of_the_course_window_is_held() -> None:
    j = in_short_window().session().session()
    window_end = j.state.contract.start_date.toordinal() + 28
    before = j.pathway.version

    j.session()

    assert j.at.date().toordinal() == window_end
    assert names(j, before) == ["SessionHeld"]


def test_a_session_after_the_course_window_with_sessions_left_is_refused() -> None:
    j = in_short_window().session().session().session()
    j.later(1).measure()

    with refusing(j, "IPT-22"):
        j.session(days=6)


def test_after_the_window_a_renegotiated_longer_window_lets_the_course_go_on() -> None:
    j = in_short_window().later(30).measure()
    with refusing(j, "IPT-22"):
        j.session(days=1, reason="holiday")

    j.do(c.RenegotiateContract, course_window_weeks=12, reason="doc/renegotiation-1",
         patient_agreed=True)
    before = j.pathway.version
    j.session(days=0, reason="holiday")

    assert "SessionHeld" in names(j, before)
    assert j.state.sessions_held == 4


def test_after_the_window_the_pathway_may_be_closed_as_dropped_out() -> None:
    j = in_short_window().later(60)
    before = j.pathway.version

    j.do(c.ClosePathway, reason="dropped_out")

    assert names(j, before) == ["PathwayClosed"]
    assert (j.state.phase, j.state.closed_reason) == ("closed", "dropped_out")
