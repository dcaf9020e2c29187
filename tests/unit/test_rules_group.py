"""The group's own rules (domain.md 4b): its size (IPT-33), closed membership (IPT-31 for
ipt-g), IPT-19 at enrolment, IPT-17 per member at a session, and its sessions' numbering,
count and ending (IPT-30, IPT-04, IPT-23), IPT-29 once closed. Every refusal records nothing on
the group or on any member's pathway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import CommandRejected, InvalidCommand, RuleViolation
from domain.group import commands as g
from domain.group import events as ge
from domain.group.aggregate import Group
from domain.pathway import commands as c
from domain.pathway import events as pe
from tests.group_journeys import GroupJourney
from tests.journeys import START, ctx

URGENT_ITEMS = (2, 2, 2, 2, 1, 1, 1, 1, 2)  # item 9 = 2: an urgent flag (IPT-17)
ROUTINE_ITEMS = (2, 2, 2, 2, 1, 1, 1, 1, 1)  # item 9 = 1: a routine flag


@contextmanager
def nothing_recorded(j: GroupJourney, rule: str | None = None,
                     error: type[CommandRejected] = RuleViolation
                     ) -> Iterator[pytest.ExceptionInfo[CommandRejected]]:
    """The block is refused (under ``rule``) and neither the group nor any pathway changes."""
    before = {aggregate.id: (aggregate.version, len(aggregate.pending_events))
              for aggregate in (j.group, *j.pathways.values())}
    with pytest.raises(error) as caught:
        yield caught
    if rule is not None:
        assert isinstance(caught.value, RuleViolation)
        assert caught.value.rule == rule, caught.value
    after = {aggregate.id: (aggregate.version, len(aggregate.pending_events))
             for aggregate in (j.group, *j.pathways.values())}
    assert after == before, "a refused group command recorded something"


def form(**fields: Any) -> Group:
    command = g.FormGroup(**{"occurred_at": START, "leaders": ("t-lead",), "sessions": 8,
                             "session_minutes": 90, "capacity": 8,
                             "start_date": START.date(), **fields})
    return Group.form(uuid4(), command, ctx())


def group_events(j: GroupJourney, since: int) -> list[Any]:
    return [event for event in j.group.pending_events if event.originator_version > since]


# ----- forming a group (IPT-03, IPT-33) --------------------------------------------------------

@pytest.mark.parametrize("capacity", [6, 9])
def test_a_group_forms_with_a_capacity_within_the_protocols_group_size(capacity: int) -> None:
    group = form(capacity=capacity)

    (formed,) = group.pending_events
    assert isinstance(formed, ge.GroupFormed)
    assert (formed.capacity, formed.protocol_id, formed.meta.protocol) == (capacity, "ipt-g",
                                                                          "ipt-g@1")
    assert formed.meta.rules_checked == ("IPT-03", "IPT-04", "IPT-33")


@pytest.mark.parametrize("capacity", [5, 10])
def test_a_capacity_outside_six_to_nine_is_refused_under_ipt_33(capacity: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        form(capacity=capacity)
    assert caught.value.rule == "IPT-33"


@pytest.mark.parametrize(("sessions", "accepted"), [(7, False), (8, True), (20, True),
                                                    (21, False)])
def test_the_planned_sessions_lie_in_the_protocols_range(sessions: int, accepted: bool) -> None:
    if accepted:
        assert form(sessions=sessions).state.sessions_planned == sessions
        return
    with pytest.raises(RuleViolation) as caught:
        form(sessions=sessions)
    assert caught.value.rule == "IPT-03"


def test_only_a_group_protocol_forms_a_group() -> None:
    with pytest.raises(InvalidCommand) as caught:
        form(protocol="ipt")
    assert caught.value.field == "protocol"


# ----- enrolment: capacity (IPT-33), closed membership (IPT-31), IPT-19 -------------------------

def test_a_full_group_refuses_another_member_under_ipt_33() -> None:
    j = GroupJourney(members=8, capacity=8)
    extra = j.add_member("client-9")

    with nothing_recorded(j, "IPT-33"):
        j.enrol(extra)


def test_a_group_enrols_up_to_its_capacity() -> None:
    j = GroupJourney(members=9, capacity=9)

    assert len(j.members) == 9


def test_a_member_may_join_until_the_third_group_session_is_held() -> None:
    j = GroupJourney(members=6).sessions_until(2)
    late = j.add_member("client-late")

    j.enrol(late)

    assert late in j.members
    assert j.group.state.members[late].enrolled_after_session == 2


def test_no_member_enrols_after_group_session_3_under_ipt_31() -> None:
    j = GroupJourney(members=6).sessions_until(3)
    late = j.add_member("client-late")

    with nothing_recorded(j, "IPT-31") as caught:
        j.enrol(late)
    assert "after group session 3" in str(caught.value)


def test_no_enrolment_while_the_members_pathway_has_an_urgent_flag_under_ipt_19() -> None:
    j = GroupJourney(members=6)
    member = j.add_member("client-flagged")
    j.do(member, c.RecordMeasure, instrument="phq9", items=URGENT_ITEMS)

    with nothing_recorded(j, "IPT-19"):
        j.enrol(member)


def test_a_routine_flag_or_a_resolved_urgent_one_does_not_block_enrolment() -> None:
    j = GroupJourney(members=6)
    routine = j.add_member("client-routine")
    j.do(routine, c.RecordMeasure, instrument="phq9", items=ROUTINE_ITEMS)
    resolved = j.add_member("client-resolved")
    j.do(resolved, c.RecordMeasure, instrument="phq9", items=URGENT_ITEMS)
    j.do(resolved, c.AcknowledgeSafetyFlag, flag_id=1)
    j.do(resolved, c.RecordRiskAssessment, flag_id=1, risk_level="low", safety_plan_ref="p/1")
    j.do(resolved, c.ResolveSafetyFlag, flag_id=1)

    j.enrol(routine).enrol(resolved)

    assert {routine, resolved} <= set(j.members)


def test_only_an_ipt_g_pathway_with_the_groups_n_enrols() -> None:
    j = GroupJourney(members=6)
    other_n = j.add_member("client-12", sessions=12)

    with nothing_recorded(j, error=InvalidCommand) as caught:
        j.enrol(other_n)
    assert "the group runs 8" in str(caught.value)


def test_a_member_who_left_is_no_longer_listed_and_may_rejoin_while_membership_is_open() -> None:
    j = GroupJourney(members=7)
    leaving = j.members[0]

    j.group.handle(g.RecordMemberLeft(occurred_at=START, pathway_id=leaving,
                                      reason="withdrawn"), ctx())
    assert leaving not in j.members
    j.enrol(leaving)
    assert leaving in j.members


# ----- the first session (IPT-33) ---------------------------------------------------------------

def test_the_first_session_needs_six_members_under_ipt_33() -> None:
    j = GroupJourney(members=5)

    with nothing_recorded(j, "IPT-33"):
        j.session()


def test_the_first_session_with_six_members_is_held_and_every_member_attends() -> None:
    j = GroupJourney(members=6)
    version = j.group.version

    attendance = j.session(between=False)

    (held,) = group_events(j, version)
    assert isinstance(held, ge.GroupSessionHeld)
    assert held.number == 1
    assert [a.present for a in attendance] == [True] * 6
    for member in j.members:
        session = j.pathways[member].pending_events[-1]
        assert isinstance(session, pe.SessionHeld)
        assert (session.kind, session.number, session.group_id) == ("group", 1, j.group.id)


def test_a_later_session_may_go_on_with_fewer_than_six_members() -> None:
    j = GroupJourney(members=6).sessions_until(1)
    j.group.handle(g.RecordMemberLeft(occurred_at=j.course.soon(), pathway_id=j.members[0],
                                      reason="dropped_out"), ctx())

    j.session()

    assert j.group.state.sessions_held == 2


# ----- safety holds (IPT-17 per member) ---------------------------------------------------------

def test_a_member_with_an_unassessed_flag_is_recorded_absent_on_safety_hold() -> None:
    j = GroupJourney(members=6).sessions_until(1)
    held_back = j.members[2]
    j.do(held_back, c.RecordMeasure, instrument="phq9", items=ROUTINE_ITEMS)
    j.do(held_back, c.AcknowledgeSafetyFlag, flag_id=1)  # acknowledged, not yet assessed

    attendance = j.session(between=False)

    by_member = {a.pathway_id: a for a in attendance}
    assert (by_member[held_back].present, by_member[held_back].absence) == (False,
                                                                           "safety_hold")
    assert all(a.present for a in attendance if a.pathway_id != held_back)
    missed = j.pathways[held_back].pending_events[-1]
    assert isinstance(missed, pe.SessionMissed)
    assert (missed.kind, missed.number, missed.group_id) == ("safety_hold", 2, j.group.id)
    assert not j.state(held_back).outreach_due, "a safety hold is not the client's miss"
    group_session: Any = j.group.pending_events[-1]
    assert "IPT-17" in group_session.meta.rules_checked


def test_a_member_whose_flag_is_acknowledged_and_assessed_attends() -> None:
    j = GroupJourney(members=6).sessions_until(1)
    member = j.members[2]
    j.do(member, c.RecordMeasure, instrument="phq9", items=ROUTINE_ITEMS)
    j.do(member, c.AcknowledgeSafetyFlag, flag_id=1)
    j.do(member, c.RecordRiskAssessment, flag_id=1, risk_level="low", safety_plan_ref="p/1")

    attendance = j.session(between=False)

    assert all(a.present for a in attendance)


# ----- sessions: numbering, count, ending, attendance -------------------------------------------

def test_group_sessions_are_numbered_consecutively_under_ipt_30() -> None:
    j = GroupJourney(members=6).sessions_until(1)

    with nothing_recorded(j, "IPT-30"):
        j.hold(j.session_command(number=3))


def test_a_group_session_before_the_previous_one_is_refused_under_ipt_30() -> None:
    j = GroupJourney(members=6).sessions_until(1)

    with nothing_recorded(j, "IPT-30"):
        j.hold(j.session_command(days=-8))


def test_no_group_session_beyond_the_planned_n_under_ipt_04() -> None:
    j = GroupJourney(members=6).sessions_until(7)
    j.session(between=False)  # the final session, without the members' completions

    with nothing_recorded(j, "IPT-04"):
        j.hold(j.session_command())


def test_the_final_session_needs_the_ending_discussed_by_the_ending_window_under_ipt_23(
) -> None:
    j = GroupJourney(members=6)
    j.course.discussed = True  # the course writer will not raise the ending
    j.sessions_until(7)

    with nothing_recorded(j, "IPT-23"):
        j.hold(j.session_command())


def test_every_current_member_is_listed_once_in_the_attendance() -> None:
    j = GroupJourney(members=6)
    command = j.session_command()
    short = command.model_copy(update={"attendance": command.attendance[1:]})
    twice = command.model_copy(update={"attendance": (*command.attendance,
                                                      command.attendance[0])})
    stranger = command.model_copy(update={"attendance": (*command.attendance[1:], g.Attendance(
        pathway_id=uuid4(), present=True))})

    for refused in (short, twice, stranger):
        with nothing_recorded(j, error=InvalidCommand) as caught:
            j.hold(refused)
        assert isinstance(caught.value, InvalidCommand)
        assert caught.value.field == "attendance"


def test_a_present_member_has_no_absence() -> None:
    with pytest.raises(ValueError, match="a present member has no absence"):
        g.Attendance(pathway_id=uuid4(), present=True, absence="no_show")


# ----- closing (IPT-29 for a group) -------------------------------------------------------------

def test_a_group_completes_only_after_its_final_session() -> None:
    j = GroupJourney(members=6).sessions_until(3)

    with nothing_recorded(j, error=InvalidCommand):
        j.group.handle(j.course.closed(), ctx())
    j.group.handle(j.course.closed("ended_early", "leader unwell"), ctx())

    assert j.group.state.closed_outcome == "ended_early"


def test_a_group_that_ends_early_says_why() -> None:
    j = GroupJourney(members=6)

    with nothing_recorded(j, error=InvalidCommand) as caught:
        j.group.handle(j.course.closed("ended_early"), ctx())
    assert isinstance(caught.value, InvalidCommand)
    assert caught.value.field == "reason"


def test_a_closed_group_accepts_no_command_under_ipt_29() -> None:
    j = GroupJourney(members=6)
    j.group.handle(j.course.closed("ended_early", "too few referrals"), ctx())
    late = j.add_member("client-late")

    with nothing_recorded(j, "IPT-29"):
        j.enrol(late)
    with nothing_recorded(j, "IPT-29"):
        j.hold(j.session_command())


def test_group_events_carry_the_commands_clinical_time_and_rules() -> None:
    j = GroupJourney(members=6)
    command = j.session_command()

    j.hold(command)

    held: Any = j.group.pending_events[-1]
    assert held.occurred_at == command.occurred_at
    assert held.timestamp == ctx().recorded_at
    assert held.meta.rules_checked == ("IPT-04", "IPT-17", "IPT-23", "IPT-29", "IPT-30",
                                       "IPT-33")
    assert held.occurred_at - START == timedelta(days=7)
