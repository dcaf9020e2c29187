"""Compliance replay of group members' histories: each member's part in each group session is
rebuilt as the group gave it (present or absent, why, the themes, the ending raised) and
decided again on the member's pathway, so a by-the-book group replays without a finding."""

from __future__ import annotations

from uuid import UUID

from domain.pathway import commands as c
from domain.pathway import events as e
from services.audit.compliance.commands import stored_commands
from services.audit.compliance.replay import replay_history
from tests.group_journeys import GroupJourney


def history(j: GroupJourney, member: UUID) -> list[e.PathwayEvent]:
    return [ev for ev in j.pathways[member].pending_events if isinstance(ev, e.PathwayEvent)]


def test_every_members_history_replays_without_a_finding() -> None:
    j = GroupJourney(members=7).sessions_until(1)
    late = j.add_member("client-late")
    j.enrol(late)
    held_back = j.members[2]
    j.do(held_back, c.RecordMeasure, instrument="phq9", items=(1,) * 9)
    j.session(absent={j.members[1]: "late_cancellation"}, between=False)
    j.do(held_back, c.AcknowledgeSafetyFlag, flag_id=1)
    j.do(held_back, c.RecordRiskAssessment, flag_id=1, risk_level="low",
         safety_plan_ref="plan/1")
    j.between_sessions().sessions_until(8)

    for member in j.members:
        replayed = replay_history(history(j, member))
        assert replayed.findings == (), member


def test_a_members_group_sessions_are_rebuilt_as_their_part_in_the_session() -> None:
    j = GroupJourney(members=6).sessions_until(3)
    absent = j.members[0]
    j.session(absent={absent: "no_show"}, between=False)  # 4: the ending is raised

    parts = [stored.command() for stored in stored_commands(history(j, absent))]
    present_parts = [stored.command() for stored in stored_commands(history(j, j.members[1]))]

    missed = parts[-1]
    assert isinstance(missed, c.AttendGroupSession)
    assert (missed.number, missed.present, missed.absence) == (4, False, "no_show")
    held = present_parts[-1]
    assert isinstance(held, c.AttendGroupSession)
    assert (held.number, held.present, held.ending_discussed, held.themes) == (
        4, True, True, ("role_dispute",))
    assert any(isinstance(ev, e.TerminationDiscussed)
               for ev in j.pathways[j.members[1]].pending_events)
