"""An ipt-g member's pathway (domain.md 4b, IPT-31 for ipt-g): the pre-group meeting before
the first group session, the mid-group meeting between sessions N/2 and N/2+1 (a soft rule),
the post-group meeting before completion; the member's acute sessions are the group's, and
every other rule of a pathway applies to each member at a group session, naming the member
and recording nothing anywhere when it refuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidCommand, ReasonRequired, RuleViolation
from domain.group.errors import MemberRefused
from domain.pathway import commands as c
from domain.pathway import events as pe
from services.courses import PHQ9_REMISSION
from tests.group_journeys import GroupJourney
from tests.journeys import Journey, ctx
from tests.unit.test_rules_group import nothing_recorded


def meeting(j: GroupJourney, member: Any, kind: str, **fields: Any) -> list[Any]:
    """Hold an individual meeting on a member's pathway; the events it recorded."""
    pathway = j.pathways[member]
    version = pathway.version
    j.do(member, c.HoldSession, number=len(j.state(member).meetings) + 1, kind=kind, minutes=50,
         channel="in_person", **fields)
    return [event for event in pathway.pending_events if event.originator_version > version]


def without_mid_group_meetings(j: GroupJourney) -> GroupJourney:
    """Let the course writer skip the mid-group meetings (measures go on as usual)."""
    by_the_book = j.course.between_sessions

    def between(member: Any) -> Any:
        if j.course.held != j.course.sessions // 2:
            return by_the_book(member)
        if j.course.held % 3 == 0:
            member.measure(j.course.soon(10))
        return member

    j.course.between_sessions = between  # type: ignore[method-assign]
    return j


# ----- the pre-group meeting --------------------------------------------------------------------

def test_a_member_without_a_pre_group_meeting_refuses_the_group_session_under_ipt_31() -> None:
    j = GroupJourney(members=5)
    unprepared = j.add_member("client-6", pre_group=False)
    j.enrol(unprepared)

    with nothing_recorded(j, "IPT-31") as caught:
        j.session()
    assert isinstance(caught.value, MemberRefused)
    assert caught.value.member == unprepared
    assert str(unprepared) in caught.value.sentence
    meeting(j, unprepared, "pre_group")
    j.session()


def test_the_pre_group_meeting_is_recorded_as_an_individual_meeting_numbered_on_its_own(
) -> None:
    j = GroupJourney(members=6)
    state = j.state(j.members[0])

    kind, entry = state.meetings[0]
    assert (kind, entry.number, entry.phase) == ("pre_group", 1, "initial")
    assert state.sessions_held == 0, "a meeting is not an acute session"


def test_no_pre_group_meeting_after_the_members_first_group_session_under_ipt_31() -> None:
    j = GroupJourney(members=6).sessions_until(1)

    with pytest.raises(RuleViolation) as caught:
        meeting(j, j.members[0], "pre_group")
    assert caught.value.rule == "IPT-31"


def test_a_second_pre_group_meeting_is_an_initial_phase_deviation_under_ipt_06() -> None:
    j = GroupJourney(members=6)

    with pytest.raises(ReasonRequired) as caught:
        meeting(j, j.members[0], "pre_group")
    assert caught.value.rule == "IPT-06"
    events = meeting(j, j.members[0], "pre_group", reason="needed more assessment")
    assert [type(event).__name__ for event in events] == ["DeviationRecorded", "SessionHeld"]


# ----- the mid-group meeting (soft) -------------------------------------------------------------

def test_the_mid_group_meeting_is_refused_before_the_group_is_half_way_under_ipt_31() -> None:
    j = GroupJourney(members=6).sessions_until(3)

    with pytest.raises(RuleViolation) as caught:
        meeting(j, j.members[0], "mid_group")
    assert caught.value.rule == "IPT-31"


def test_the_mid_group_meeting_after_session_n_half_is_accepted() -> None:
    j = GroupJourney(members=6).sessions_until(3)
    j.session(between=False)  # session 4 of 8

    (held,) = meeting(j, j.members[0], "mid_group")
    assert isinstance(held, pe.SessionHeld)
    assert (held.kind, held.number) == ("mid_group", 2)


def test_a_member_who_missed_the_mid_group_meeting_needs_a_reason_at_session_n_half_plus_1(
) -> None:
    j = without_mid_group_meetings(GroupJourney(members=6)).sessions_until(4)

    with nothing_recorded(j, "IPT-31", ReasonRequired) as caught:
        j.session()
    assert isinstance(caught.value, ReasonRequired)
    assert len(caught.value.deviations) == 6, "one deviation per member, each named"
    assert all(str(member) in sentence for member, (_, sentence)
               in zip(j.members, caught.value.deviations, strict=True))

    j.session(reason="leaders' leave in week 4")

    for member in j.members:
        deviation = next(e for e in j.pathways[member].pending_events
                         if isinstance(e, pe.DeviationRecorded))
        assert (deviation.rule, deviation.reason) == ("IPT-31", "leaders' leave in week 4")


def test_the_missed_mid_group_meeting_is_recorded_once_per_member() -> None:
    j = without_mid_group_meetings(GroupJourney(members=6)).sessions_until(4)
    j.session(reason="leaders' leave in week 4")

    j.session()  # session 6: no second deviation

    assert j.group.state.sessions_held == 6


# ----- the post-group meeting and completion ----------------------------------------------------

def test_the_post_group_meeting_waits_for_the_final_group_session_under_ipt_31() -> None:
    j = GroupJourney(members=6).sessions_until(7)

    with pytest.raises(RuleViolation) as caught:
        meeting(j, j.members[0], "post_group")
    assert caught.value.rule == "IPT-31"


def test_completion_needs_the_post_group_meeting_under_ipt_31() -> None:
    j = GroupJourney(members=6).sessions_until(7)
    j.session(between=False)
    member = j.members[0]
    j.do(member, c.RecordMeasure, instrument="phq9", items=PHQ9_REMISSION)

    with pytest.raises(RuleViolation) as caught:
        j.do(member, c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/r",
             next_step="maintenance")
    assert caught.value.rule == "IPT-31"
    meeting(j, member, "post_group")
    j.do(member, c.CompleteAcuteCourse, relapse_prevention_plan_ref="doc/r",
         next_step="maintenance")
    assert j.state(member).phase == "completed"


# ----- the member's acute sessions are the group's ----------------------------------------------

def test_an_ipt_g_member_holds_no_individual_acute_session() -> None:
    j = GroupJourney(members=6)

    with pytest.raises(InvalidCommand) as caught:
        j.do(j.members[0], c.HoldSession, number=1, minutes=50, channel="in_person")
    assert caught.value.field == "kind"


def test_group_meetings_belong_to_ipt_g_only() -> None:
    j = Journey("ipt").through_initial()

    with pytest.raises(InvalidCommand) as caught:
        j.do(c.HoldSession, number=1, kind="pre_group", minutes=50)
    assert caught.value.field == "kind"


def test_an_absent_member_misses_the_groups_numbered_session_and_the_next_one_follows_it(
) -> None:
    j = GroupJourney(members=6).sessions_until(1)
    absent = j.members[1]

    j.session(absent={absent: "late_cancellation"})
    j.session()

    events = [e for e in j.pathways[absent].pending_events
              if isinstance(e, pe.SessionHeld | pe.SessionMissed) and e.kind != "pre_group"]
    assert [(type(e).__name__, e.number) for e in events] == [
        ("SessionHeld", 1), ("SessionMissed", 2), ("SessionHeld", 3)]
    assert j.state(absent).sessions_held == 2
    assert j.state(absent).sessions_left == 5


def test_a_late_joiner_starts_at_the_groups_session_number() -> None:
    j = GroupJourney(members=6).sessions_until(2)
    late = j.add_member("client-late")
    j.enrol(late)

    j.session()

    first = [e for e in j.pathways[late].pending_events if isinstance(e, pe.SessionHeld)][-1]
    assert (first.kind, first.number) == ("group", 3)


def test_a_member_without_treatment_consent_refuses_the_whole_session_under_ipt_32() -> None:
    j = GroupJourney(members=6).sessions_until(1)
    member = j.members[4]
    j.do(member, c.WithdrawConsent, kinds=("treatment",))

    with nothing_recorded(j, "IPT-32") as caught:
        j.session()
    assert isinstance(caught.value, MemberRefused)
    assert caught.value.member == member
    j.session(absent={member: "cancelled_by_therapist"})  # the others go ahead without them


def test_a_closed_member_pathway_refuses_the_session_under_ipt_29_until_the_member_leaves(
) -> None:
    j = GroupJourney(members=7).sessions_until(1)
    member = j.members[0]
    j.do(member, c.ClosePathway, reason="dropped_out")

    with nothing_recorded(j, "IPT-29"):
        j.session()


def test_an_ipt_g_members_sessions_change_only_with_the_group() -> None:
    j = GroupJourney(members=6).sessions_until(1)

    with pytest.raises(InvalidCommand) as caught:
        j.do(j.members[0], c.RenegotiateContract, sessions=10, reason="doc/r",
             patient_agreed=True)
    assert caught.value.field == "sessions"


def test_the_ending_discussed_with_the_group_is_recorded_on_each_present_members_pathway(
) -> None:
    j = GroupJourney(members=6).sessions_until(3)
    absent = j.members[5]

    j.session(absent={absent: None}, between=False)  # 4: the first of the ending window

    assert j.group.state.ending_discussed_at == 4
    for member in j.members[:5]:
        assert j.state(member).termination_discussed_at == 4
    assert j.state(absent).termination_discussed_at is None
    missed: Any = j.pathways[absent].pending_events[-1]
    assert (missed.kind, missed.number) == ("no_show", 4)


# ----- a whole course ---------------------------------------------------------------------------

def test_a_group_runs_from_formation_to_every_members_completion() -> None:
    j = GroupJourney(members=7, sessions=8, capacity=8).sessions_until(2)
    late = j.add_member("client-late", focus="role_transition")
    j.enrol(late)
    j.sessions_until(8)

    j.group.handle(j.course.closed(), ctx())

    assert j.group.state.closed_outcome == "completed"
    assert len(j.members) == 8
    for member in j.members:
        state = j.state(member)
        assert state.phase == "completed"
        assert state.outcome == "remission"
        assert [kind for kind, _ in state.meetings] == ["pre_group", "mid_group", "post_group"]
        numbers = [s.number for s in state.sessions]
        assert numbers == (list(range(3, 9)) if member == late else list(range(1, 9)))
    kinds = [type(e).__name__ for e in j.group.pending_events]
    assert kinds == (["GroupFormed"] + ["MemberEnrolled"] * 7 + ["GroupSessionHeld"] * 2
                     + ["MemberEnrolled"] + ["GroupSessionHeld"] * 6 + ["GroupClosed"])


def test_a_members_group_session_records_the_rules_its_pathway_checked() -> None:
    j = GroupJourney(members=6)

    j.session(between=False)

    held = j.pathways[j.members[0]].pending_events[-1]
    assert isinstance(held, pe.SessionHeld)
    assert held.meta.rules_checked == (
        "IPT-01", "IPT-04", "IPT-05", "IPT-06", "IPT-07", "IPT-14", "IPT-15", "IPT-16",
        "IPT-17", "IPT-22", "IPT-23", "IPT-29", "IPT-30", "IPT-31", "IPT-32")
