"""The shared course writer: every course it writes by the book is accepted as written.

The writer knows no rule; these tests hold it to the aggregate, which decides them all.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.pathway import commands as c
from domain.pathway.aggregate import Pathway
from domain.values import Channel
from services.courses import PHQ9_PARTIAL, PHQ9_REMISSION, CourseWriter, course
from tests.journeys import SIGNED_BY, START, ctx

PROTOCOLS = [("ipt", 34, "role_dispute"), ("ipt-a", 15, "role_dispute"), ("dit", 41, "ipaf")]


def run(writer: CourseWriter) -> Pathway:
    """Open the pathway the writer's first command opens and handle the rest in order."""
    opening, *rest = writer.commands
    assert isinstance(opening, c.OpenPathway)
    pathway = Pathway.open(uuid4(), opening, ctx())
    for command in rest:
        pathway.handle(command, ctx())
    return pathway


def started(protocol: str, age: int, focus: str, *, sessions: int | None = None,
            channel: Channel = "video") -> CourseWriter:
    writer = course(protocol, START, sessions=sessions, channel=channel)
    writer.opened(client_ref="client-001", client_age=age, therapist_id="t-1",
                  referral_date=date(2026, 1, 2))
    writer.consented().measure().later(7).intake()
    writer.formulated(focus, pattern_summary="withdraws" if focus == "ipaf" else None)
    return writer.signed(SIGNED_BY).measure()


def measured_until(writer: CourseWriter, number: int) -> CourseWriter:
    while writer.held < number:
        writer.visit()
        if writer.held % 3 == 0:
            writer.measure(PHQ9_PARTIAL)
    return writer


@pytest.mark.parametrize(("protocol", "age", "focus"), PROTOCOLS)
def test_a_course_in_remission_runs_through_maintenance_to_closure(
        protocol: str, age: int, focus: str) -> None:
    writer = measured_until(started(protocol, age, focus), 4).missed("late_cancellation")
    measured_until(writer, writer.contract_sessions)
    writer.measure(PHQ9_REMISSION).completed("maintenance")
    writer.maintenance_scheduled(2).later(28).session().later(28).session()
    pathway = run(writer.closed("maintenance_ended"))
    assert pathway.state.phase == "closed"
    assert pathway.state.outcome == "remission"
    assert len(pathway.state.maintenance_sessions) == 2


def test_a_non_responder_with_a_safety_flag_is_offered_a_new_contract() -> None:
    writer = measured_until(started("ipt", 34, "role_dispute", sessions=8), 3)
    flag = writer.raise_flag("routine")
    writer.acknowledged(flag, risk="low")
    measured_until(writer, 8).measure(PHQ9_PARTIAL).completed("new_contract")
    state = run(writer).state
    assert (state.phase, state.outcome, len(state.open_flags)) == ("completed", "partial", 1)


def test_sessions_in_person_need_no_telehealth_consent() -> None:
    writer = started("ipt", 34, "role_dispute", channel="in_person")
    state = run(measured_until(writer, 4)).state
    assert state.consents.get("client:treatment")
    assert not state.consents.get("client:telehealth")
    assert state.sessions_held == 4


def test_a_writer_goes_on_from_a_pathway_where_it_stands() -> None:
    pathway = run(measured_until(started("ipt", 34, "role_dispute"), 5))
    writer = CourseWriter.following(pathway.state, START, sessions=12)
    assert (writer.held, writer.contracted, writer.foci) == (5, True, ("role_dispute",))
